#include "services/scheduler/etcd_prefix_watch.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <utility>

#include "common/testing/ports.h"

namespace staticship::scheduler::etcd {
namespace {

using namespace std::chrono_literals;

// What the loop told its hooks, and the caller's side of them: the copy's
// revision and whether to stop.
struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  int lists = 0;
  int64_t revision = 0;
  std::vector<int64_t> list_revisions;  // handed out by list(), in order
  Status list_status = Status::Ok();
  std::vector<std::string> failures;
  std::vector<std::pair<std::string, int64_t>> healthy;
  std::vector<std::string> applied;
  std::vector<int64_t> compacted;

  PrefixWatchHooks Hooks() {
    return {
        .list =
            [this] {
              std::lock_guard<std::mutex> lock(mu);
              if (!list_status.ok()) return list_status;
              revision = list_revisions.at(static_cast<size_t>(lists));
              ++lists;
              return Status::Ok();
            },
        .next_revision =
            [this] {
              std::lock_guard<std::mutex> lock(mu);
              return revision + 1;
            },
        .apply =
            [this](const std::vector<Event>& events) {
              std::lock_guard<std::mutex> lock(mu);
              for (const Event& e : events) {
                applied.push_back(e.kv.key);
                revision = std::max(revision, e.kv.mod_revision);
              }
            },
        .healthy =
            [this](const std::string& url, int64_t from) {
              std::lock_guard<std::mutex> lock(mu);
              healthy.emplace_back(url, from);
              cv.notify_all();
            },
        .failure =
            [this](const std::string& why) {
              std::lock_guard<std::mutex> lock(mu);
              failures.push_back(why);
              cv.notify_all();
            },
        .compacted =
            [this](const WatchMessage& m) {
              std::lock_guard<std::mutex> lock(mu);
              compacted.push_back(m.compact_revision);
            },
        .sleep =
            [this](std::chrono::milliseconds d) {
              std::unique_lock<std::mutex> lock(mu);
              return !cv.wait_for(lock, d, [this] { return stopping; });
            },
    };
  }

  // The loop over "/p/", on a thread of its own.
  std::thread Run(std::vector<std::string> endpoints,
                  std::string stream_error_prefix) {
    return std::thread([this, endpoints = std::move(endpoints),
                        stream_error_prefix = std::move(stream_error_prefix)] {
      RunPrefixWatch({.endpoints = endpoints,
                      .prefix = "/p/",
                      .connect_timeout = 1000ms,
                      .list_first = true,
                      .stream_error_prefix = stream_error_prefix},
                     Hooks(), SeededRng(1));
    });
  }

  // Waits until `done` holds (under mu), then stops the loop.
  template <typename Pred>
  bool StopWhen(Pred done) {
    std::unique_lock<std::mutex> lock(mu);
    bool reached = cv.wait_for(lock, 10s, done);
    stopping = true;
    cv.notify_all();
    return reached;
  }
};

std::string Chunk(const std::string& line) {
  char size[16];
  std::snprintf(size, sizeof(size), "%zx\r\n", line.size() + 1);
  return size + line + "\n\r\n";
}

// Reads a watch's create request; returns it.
std::string ReadRequest(int fd) {
  std::string request;
  char buf[4096];
  while (request.find("}}") == std::string::npos) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    request.append(buf, static_cast<size_t>(n));
  }
  return request;
}

void Send(int fd, const std::string& data) {
  ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
}

// Returns once the client has closed the connection.
void AwaitClose(int fd) {
  char buf[256];
  while (::recv(fd, buf, sizeof(buf), 0) > 0) {
  }
  ::close(fd);
}

TEST(RunPrefixWatchTest, MovesOnFromADeadMemberAndReListsAfterCompaction) {
  Result<staticship::testing::Listener> listening =
      staticship::testing::ListenOnLoopback(4);
  ASSERT_TRUE(listening.ok()) << listening.message();
  const int listener = listening->fd.get();
  const std::string live =
      "http://127.0.0.1:" + std::to_string(listening->port);
  const std::string dead =
      "http://127.0.0.1:" + std::to_string(staticship::testing::DeadPort());
  const std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  std::vector<std::string> requests;
  std::thread server([&] {
    int first = ::accept(listener, nullptr, nullptr);
    requests.push_back(ReadRequest(first));
    // "/p/a" is L3AvYQ== in base64.
    Send(first,
         head +
             Chunk(R"({"result":{"header":{"revision":"11"},)"
                   R"("created":true}})") +
             Chunk(R"({"result":{"header":{"revision":"12"},"events":[)"
                   R"({"kv":{"key":"L3AvYQ==","create_revision":"12",)"
                   R"("mod_revision":"12","version":"1","value":"dg=="}}]}})") +
             Chunk(R"({"result":{"header":{"revision":"30"},)"
                   R"("compact_revision":"15","canceled":true,)"
                   R"("cancel_reason":"compacted"}})"));
    AwaitClose(first);
    int second = ::accept(listener, nullptr, nullptr);
    requests.push_back(ReadRequest(second));
    Send(second, head + Chunk(R"({"result":{"header":{"revision":"30"},)"
                              R"("created":true}})"));
    AwaitClose(second);
  });

  Recorder recorder;
  recorder.list_revisions = {10, 20};
  std::thread loop = recorder.Run({dead, live}, "watch ");
  EXPECT_TRUE(recorder.StopWhen([&] { return recorder.healthy.size() >= 2; }));
  loop.join();
  server.join();

  EXPECT_EQ(recorder.lists, 2);
  ASSERT_EQ(recorder.failures.size(), 1u);
  EXPECT_EQ(recorder.failures[0].rfind("watch " + dead + ": ", 0), 0u)
      << recorder.failures[0];
  // From the first list's revision, then from the re-list's: the event's
  // revision 12 was compacted away.
  EXPECT_EQ(recorder.healthy, (std::vector<std::pair<std::string, int64_t>>{
                                  {live, 11}, {live, 21}}));
  EXPECT_EQ(recorder.applied, std::vector<std::string>{"/p/a"});
  EXPECT_EQ(recorder.compacted, std::vector<int64_t>{15});
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[0].find("\"start_revision\":\"11\""), std::string::npos)
      << requests[0];
  EXPECT_NE(requests[1].find("\"start_revision\":\"21\""), std::string::npos)
      << requests[1];
}

TEST(RunPrefixWatchTest, RetriesAFailedListUntilStopped) {
  Recorder recorder;
  recorder.list_status = MakeError("listing /p/: down");
  std::thread loop = recorder.Run({"http://127.0.0.1:1"}, "");
  EXPECT_TRUE(recorder.StopWhen([&] { return recorder.failures.size() >= 2; }));
  loop.join();  // returns from the backoff's sleep
  for (const std::string& why : recorder.failures) {
    EXPECT_EQ(why, "listing /p/: down");
  }
  EXPECT_TRUE(recorder.healthy.empty());
}

}  // namespace
}  // namespace staticship::scheduler::etcd
