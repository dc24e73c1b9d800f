#include "common/http/server.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "common/base/file.h"
#include "common/http/testing/raw_connection.h"

namespace staticship::http {
namespace {

using namespace std::chrono_literals;
using testing::RawConnection;

// Echoes method, path and body; /slow answers from another thread after
// 100 ms; /drop never answers; /loop answers through a socketpair watched on
// the worker loop, as the gateway does with upstream sockets.
void TestHandler(Request req, Responder r) {
  if (req.path == "/slow") {
    std::thread([r] {
      std::this_thread::sleep_for(100ms);
      r.Send(Response(200, "slow"));
    }).detach();
    return;
  }
  if (req.path == "/drop") return;
  if (req.path == "/loop") {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    EventLoop& loop = r.loop();
    auto id = std::make_shared<uint64_t>(0);
    auto watch = loop.Watch(fds[0], EPOLLIN, [&loop, id, fds, r](uint32_t) {
      char c = 0;
      ASSERT_EQ(::read(fds[0], &c, 1), 1);
      loop.Unwatch(*id);
      ::close(fds[0]);
      ::close(fds[1]);
      r.Send(Response(200, std::string("loop:") + c));
    });
    ASSERT_TRUE(watch.ok());
    *id = *watch;
    loop.RunAfter(20ms, [fd = fds[1]] { ASSERT_EQ(::write(fd, "x", 1), 1); });
    return;
  }
  Response resp(200, req.method + " " + req.path + " " + req.body);
  resp.headers.Add("X-Peer", r.peer_address());
  r.Send(std::move(resp));
}

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options = {}, Handler handler = TestHandler) {
    options.host = "127.0.0.1";
    options.port = 0;
    if (options.workers < 2) options.workers = 2;
    auto s = Server::Create(options, std::move(handler));
    ASSERT_TRUE(s.ok()) << s.message();
    server_ = std::move(*s);
    ASSERT_TRUE(server_->Start().ok());
  }
  uint16_t port() const { return server_->port(); }
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, KeepAliveServesSeveralRequests) {
  StartServer();
  RawConnection c(port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "GET /a ");
    EXPECT_EQ(*r->headers.Get("x-peer"), "127.0.0.1");
    EXPECT_TRUE(r->keep_alive);
  }
}

TEST_F(ServerTest, PipelinedResponsesKeepRequestOrder) {
  StartServer();
  RawConnection c(port());
  ASSERT_TRUE(
      c.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
             "POST /fast HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"
             "GET /loop HTTP/1.1\r\nHost: x\r\n\r\n"
             "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r1 = c.ReadResponse();
  auto r2 = c.ReadResponse();
  auto r3 = c.ReadResponse();
  auto r4 = c.ReadResponse("HEAD");
  ASSERT_TRUE(r1 && r2 && r3 && r4);
  EXPECT_EQ(r1->body, "slow");
  EXPECT_EQ(r2->body, "POST /fast hi");
  EXPECT_EQ(r3->body, "loop:x");
  EXPECT_EQ(r4->body, "");
  EXPECT_EQ(*r4->headers.Get("content-length"), "8");
}

TEST_F(ServerTest, ConnectionCloseAndHttp10Close) {
  StartServer();
  {
    RawConnection c(port());
    ASSERT_TRUE(
        c.Send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
               "GET /ignored HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->keep_alive);
    EXPECT_TRUE(c.WaitForClose());
  }
  {
    RawConnection c(port());
    ASSERT_TRUE(c.Send("GET / HTTP/1.0\r\n\r\n"));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(c.WaitForClose());
  }
  {
    RawConnection c(port());
    ASSERT_TRUE(c.Send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r->headers.Get("connection"), "keep-alive");
    ASSERT_TRUE(c.Send("GET /2 HTTP/1.0\r\n\r\n"));
    r = c.ReadResponse();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->body, "GET /2 ");
  }
}

TEST_F(ServerTest, SmugglingAttemptsGet400AndClose) {
  StartServer();
  for (const char* bad : {
           "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
           "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
           "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
           "Content-Length: 2\r\n\r\nab",
           "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           "-1\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n  folded\r\n\r\n",
       }) {
    RawConnection c(port());
    // A valid request first: the error must come after its answer.
    ASSERT_TRUE(
        c.Send(std::string("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n") + bad));
    auto ok = c.ReadResponse();
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(ok->status, 200);
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.has_value()) << bad;
    EXPECT_EQ(r->status, 400) << bad;
    EXPECT_TRUE(c.WaitForClose()) << bad;
  }
  EXPECT_GE(server_->stats().bad_requests_total.load(), 4u);
}

TEST_F(ServerTest, SizeLimitsGive431And413) {
  ServerOptions options;
  options.limits.max_header_bytes = 512;
  options.limits.max_body_bytes = 100;
  StartServer(options);
  {
    RawConnection c(port());
    ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: x\r\nX: " +
                       std::string(600, 'a') + "\r\n\r\n"));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 431);
    EXPECT_TRUE(c.WaitForClose());
  }
  {
    RawConnection c(port());
    ASSERT_TRUE(
        c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n"));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 413);
    EXPECT_TRUE(c.WaitForClose());
  }
}

TEST_F(ServerTest, ErrorResponseHookShapesTheServersOwnRefusals) {
  ServerOptions options;
  options.limits.max_body_bytes = 100;
  options.error_response = [](int status) {
    Response r(status == 413 ? 400 : status,
               "{\"error\":\"" + std::to_string(status) + "\"}");
    r.headers.Set("Content-Type", "application/json");
    return r;
  };
  StartServer(options);
  RawConnection c(port());
  ASSERT_TRUE(
      c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body, "{\"error\":\"413\"}");
  ASSERT_NE(r->headers.Get("Content-Type"), nullptr);
  EXPECT_EQ(*r->headers.Get("Content-Type"), "application/json");
  // Refused requests still end the connection, whatever the hook answers.
  EXPECT_TRUE(c.WaitForClose());
}

TEST_F(ServerTest, SlowlorisGets408AndIdleConnectionsAreClosed) {
  ServerOptions options;
  options.header_timeout = 200ms;
  options.idle_timeout = 300ms;
  StartServer(options);
  RawConnection slow(port());
  ASSERT_TRUE(slow.Send("GET / HTTP/1.1\r\nHost: x\r\n"));
  auto start = std::chrono::steady_clock::now();
  // Keep trickling bytes: the timeout counts from the first byte.
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(slow.Send("X-A: 1\r\n"));
  auto r = slow.ReadResponse("GET", 3000ms);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 408);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  EXPECT_TRUE(slow.WaitForClose());

  RawConnection idle(port());
  ASSERT_TRUE(idle.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle.ReadResponse().has_value());
  EXPECT_TRUE(idle.WaitForClose(3000ms));
  EXPECT_GE(server_->stats().idle_closed_total.load(), 1u);
}

TEST_F(ServerTest, MaxConnectionsRejectsWith503) {
  ServerOptions options;
  options.max_connections = 1;
  StartServer(options);
  RawConnection first(port());
  ASSERT_TRUE(first.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(first.ReadResponse().has_value());
  RawConnection second(port());
  auto r = second.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(server_->stats().rejected_connections_total.load(), 1u);
}

TEST_F(ServerTest, DroppedResponderGives500) {
  StartServer();
  RawConnection c(port());
  ASSERT_TRUE(c.Send("GET /drop HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 500);
}

TEST_F(ServerTest, ChunkedRequestAndExpectContinue) {
  StartServer();
  RawConnection c(port());
  ASSERT_TRUE(
      c.Send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
             "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, "POST /c abcde");
  ASSERT_TRUE(
      c.Send("PUT /e HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
             "Expect: 100-continue\r\n\r\n"));
  auto cont = c.ReadResponse();
  ASSERT_TRUE(cont.has_value());
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(c.Send("xyz"));
  r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, "PUT /e xyz");
}

TEST_F(ServerTest, DrainFinishesInFlightThenRefuses) {
  // The handler says when /slow reached it, so the drain starts with the
  // request in flight however slowly the machine schedules the threads.
  std::promise<void> slow_reached;
  std::future<void> reached = slow_reached.get_future();
  StartServer({}, [&slow_reached](Request req, Responder r) {
    const bool slow = req.path == "/slow";
    TestHandler(std::move(req), std::move(r));
    if (slow) slow_reached.set_value();
  });
  RawConnection busy(port());
  RawConnection idle(port());
  ASSERT_TRUE(idle.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle.ReadResponse().has_value());
  ASSERT_TRUE(busy.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(reached.wait_for(5s), std::future_status::ready);
  uint16_t p = port();
  std::thread drainer([this] { server_->Drain(2000ms); });
  auto r = busy.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, "slow");
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(busy.WaitForClose());
  EXPECT_TRUE(idle.WaitForClose());
  drainer.join();
  RawConnection late(p);
  EXPECT_FALSE(late.connected());
}

TEST_F(ServerTest, ManyConcurrentClients) {
  StartServer();
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      RawConnection c(port());
      for (int i = 0; i < 50; ++i) {
        std::string path = "/t" + std::to_string(t) + "_" + std::to_string(i);
        if (!c.Send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")) return;
        auto r = c.ReadResponse();
        if (r && r->body == "GET " + path + " ") ok++;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 400);
  EXPECT_EQ(server_->stats().accepted_total.load(), 8u);
}

TEST(ServerCreateTest, PortInUseIsAnError) {
  auto first = Server::Create({}, TestHandler);
  ASSERT_TRUE(first.ok());
  // Different process semantics aside, a plain (non-REUSEPORT) socket holding
  // the port makes bind fail; emulate with an unresolvable host instead.
  ServerOptions bad;
  bad.host = "no-such-host.invalid";
  auto second = Server::Create(bad, TestHandler);
  EXPECT_FALSE(second.ok());
}

TEST_F(ServerTest, WorkerThreadsAreNamed) {
  ServerOptions options;
  options.thread_name = "named-worker";
  StartServer(options);
  auto tasks = ListDirectory("/proc/self/task");
  ASSERT_TRUE(tasks.ok()) << tasks.message();
  int named = 0;
  for (const std::string& tid : *tasks) {
    auto comm = ReadWholeFile("/proc/self/task/" + tid + "/comm");
    // 15 bytes at most: "named-worker-0" fits.
    if (comm.ok() && comm->rfind("named-worker-", 0) == 0) ++named;
  }
  EXPECT_EQ(named, 2);
}

TEST_F(ServerTest, WithoutReusePortTheListenerDoesNotShareItsPort) {
  StartServer();
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = port();
  options.reuse_port = false;
  options.workers = 3;  // one listener only: nothing could share it
  auto second = Server::Create(options, TestHandler);
  EXPECT_FALSE(second.ok());
  options.port = 0;
  auto alone = Server::Create(options, TestHandler);
  ASSERT_TRUE(alone.ok()) << alone.message();
  EXPECT_EQ((*alone)->workers(), 1);
}

// A shared listener spreads keep-alive connections evenly over the
// workers, whichever one the kernel wakes to accept them: each new one
// goes to the worker holding the fewest.
TEST_F(ServerTest, SharedListenerSpreadsConnectionsEvenly) {
  ServerOptions options;
  options.shared_listener = true;
  options.thread_name = "spread";
  StartServer(options, [](Request, Responder r) {
    char name[16] = {0};
    ::pthread_getname_np(::pthread_self(), name, sizeof(name));
    r.Send(Response(200, name));
  });
  ASSERT_EQ(server_->workers(), 2);
  std::vector<std::unique_ptr<RawConnection>> connections;
  std::map<std::string, int> per_worker;
  for (int i = 0; i < 8; ++i) {
    connections.push_back(std::make_unique<RawConnection>(port()));
    ASSERT_TRUE(connections.back()->connected());
    ASSERT_TRUE(connections.back()->Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = connections.back()->ReadResponse();
    ASSERT_TRUE(r.has_value());
    ++per_worker[r->body];
  }
  EXPECT_EQ(per_worker,
            (std::map<std::string, int>{{"spread-0", 4}, {"spread-1", 4}}));
  // Each connection stays with its worker.
  for (auto& c : connections) {
    ASSERT_TRUE(c->Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(c->ReadResponse().has_value());
  }
  EXPECT_EQ(server_->stats().accepted_total.load(), 8u);
}

TEST_F(ServerTest, RecordsAcceptAndParseWhileATraceRuns) {
  trace::TraceRecorder recorder(64);
  ServerOptions options;
  options.trace = &recorder;
  StartServer(options);
  {
    RawConnection before(port());
    ASSERT_TRUE(before.Send("GET /untraced HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(before.ReadResponse().has_value());
  }
  ASSERT_TRUE(recorder.Start().ok());
  RawConnection c(port());
  ASSERT_TRUE(c.Send("GET /traced HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.ReadResponse().has_value());
  trace::Trace trace = recorder.Stop();
  int accepts = 0;
  int parses = 0;
  for (size_t i = 0; i < trace.size; ++i) {
    const trace::Event& e = trace.events[i];
    std::string text(e.text, e.text_size);
    if (std::string_view(e.name) == "accept") {
      ++accepts;
      EXPECT_EQ(text, "127.0.0.1");
    }
    if (std::string_view(e.name) == "parse") {
      ++parses;
      EXPECT_EQ(text, "/traced");
    }
  }
  EXPECT_EQ(accepts, 1);
  EXPECT_EQ(parses, 1);
}

TEST_F(ServerTest, EveryWorkerHasALagProbe) {
  ServerOptions options;
  options.lag_probe_interval = 5ms;
  StartServer(options);
  ASSERT_EQ(server_->loop_lag().size(), 2u);
  std::this_thread::sleep_for(50ms);
  for (const auto& lag : server_->loop_lag()) {
    EXPECT_GT(lag->samples.load(), 0u);
  }
  server_->Stop();
  EXPECT_EQ(server_->loop_lag().size(), 2u);  // readable after Stop
}

}  // namespace
}  // namespace staticship::http
