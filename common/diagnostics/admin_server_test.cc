#include "common/diagnostics/admin_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/archive/gzip.h"
#include "common/diagnostics/process_threads.h"
#include "common/diagnostics/symbolizer.h"
#include "common/diagnostics/testing/profile_decoder.h"
#include "common/http/client.h"
#include "common/http/server.h"

namespace staticship::diagnostics {
namespace {

using namespace std::chrono_literals;

// The service's CPU-burning handler: the profile must name it.
[[gnu::noinline]] uint64_t AdminTestBurnCpu(std::chrono::milliseconds ms) {
  uint64_t x = 1;
  const auto end = std::chrono::steady_clock::now() + ms;
  while (std::chrono::steady_clock::now() < end) {
    for (int i = 0; i < 1000; ++i) x = x * 6364136223846793005u + 1;
  }
  return x;
}

class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http::ServerOptions so;
    so.workers = 2;
    so.thread_name = "svc";
    so.trace = &recorder_;
    so.lag_probe_interval = 10ms;
    auto service =
        http::Server::Create(so, [this](http::Request req, http::Responder r) {
          if (req.path == "/burn") {
            const int64_t t0 = trace::StartNs(&recorder_);
            uint64_t x = AdminTestBurnCpu(5ms);
            recorder_.End("svc", "burn", t0, {"path", req.path});
            r.Send(http::Response(200, std::to_string(x & 1)));
            return;
          }
          r.Send(http::Response(404, "no\n"));
        });
    ASSERT_TRUE(service.ok()) << service.message();
    service_ = std::move(*service);
    ASSERT_TRUE(service_->Start().ok());

    AdminOptions ao;
    ao.build = DescribeBuild("admin-test", "0.0.1");
    ao.loops = service_->loop_lag();
    ao.lag_probe_interval = 10ms;
    ao.trace = &recorder_;
    ao.max_profile_seconds = 5;
    auto admin = AdminServer::Create(std::move(ao));
    ASSERT_TRUE(admin.ok()) << admin.message();
    admin_ = std::move(*admin);
    ASSERT_TRUE(admin_->Start().ok());
  }

  std::string AdminUrl(const std::string& target) const {
    return "http://127.0.0.1:" + std::to_string(admin_->port()) + target;
  }
  std::string ServiceUrl(const std::string& target) const {
    return "http://127.0.0.1:" + std::to_string(service_->port()) + target;
  }
  http::Response Get(const std::string& url) {
    http::ClientRequest req;
    req.url = url;
    req.timeout = 20000ms;
    auto r = client_.Send(req);
    EXPECT_TRUE(r.ok()) << url << ": " << r.message();
    return r.ok() ? std::move(*r) : http::Response(0);
  }
  // Keeps the service busy on /burn from two client threads until dropped.
  std::unique_ptr<std::thread[], std::function<void(std::thread*)>> Load() {
    stop_load_.store(false);
    auto* threads = new std::thread[2];
    for (int i = 0; i < 2; ++i) {
      threads[i] = std::thread([this] {
        http::Client c;
        while (!stop_load_.load()) (void)c.Get(ServiceUrl("/burn"));
      });
    }
    return {threads, [this](std::thread* t) {
              stop_load_.store(true);
              t[0].join();
              t[1].join();
              delete[] t;
            }};
  }

  trace::TraceRecorder recorder_{4096};
  std::unique_ptr<http::Server> service_;
  std::unique_ptr<AdminServer> admin_;
  http::Client client_;
  std::atomic<bool> stop_load_{false};
};

TEST_F(AdminServerTest, ProfileIsAGzippedProfileNamingTheBusyHandler) {
  auto load = Load();
  http::Response r = Get(AdminUrl("/debug/pprof/profile?seconds=2&hz=200"));
  load.reset();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(*r.headers.Get("Content-Type"), "application/octet-stream");
  ASSERT_NE(r.headers.Get("X-Profile-Samples"), nullptr);
  for (const char* cost :
       {"X-Profile-Setup-Ms", "X-Profile-Teardown-Ms", "X-Profile-Encode-Ms",
        "X-Profile-Handler-Ms", "X-Profile-Collector-Cpu-Ms"}) {
    EXPECT_NE(r.headers.Get(cost), nullptr) << cost;
  }
  Result<std::string> raw = archive::Inflate(r.body);
  ASSERT_TRUE(raw.ok()) << raw.message();
  auto profile = testing::DecodeProfile(*raw);
  ASSERT_TRUE(profile.has_value());
  EXPECT_EQ(profile->period, 5000000);
  EXPECT_EQ(profile->default_sample_type, "cpu");
  ASSERT_FALSE(profile->samples.empty());
  ASSERT_FALSE(profile->mappings.empty());
  // Mapping 1 is this very program, with its build id.
  const Symbolizer symbolizer = Symbolizer::ForThisProcess();
  EXPECT_EQ(profile->mappings[0].build_id, DescribeBuild("", "").build_id);
  // Some sample of a service worker names the burning handler.
  std::map<uint64_t, uint64_t> address_of;
  for (const auto& l : profile->locations) address_of[l.id] = l.address;
  bool named = false;
  std::set<std::string> threads;
  for (const auto& s : profile->samples) {
    threads.insert(s.labels.at("thread"));
    for (uint64_t id : s.location_ids) {
      if (symbolizer.Describe(address_of.at(id))
              .function.find("AdminTestBurnCpu") != std::string::npos) {
        named = true;
        EXPECT_EQ(s.labels.at("thread").rfind("svc-", 0), 0u);
      }
    }
  }
  EXPECT_TRUE(named);
  EXPECT_TRUE(threads.count("svc-0") + threads.count("svc-1") > 0);
  // The profile names it too, from the binary's own symbol table, for a
  // pprof that has no binary at hand.
  EXPECT_TRUE(profile->mappings[0].has_functions);
  bool in_profile = false;
  for (const auto& f : profile->functions) {
    if (f.name.find("AdminTestBurnCpu") != std::string::npos) in_profile = true;
  }
  EXPECT_TRUE(in_profile);
}

TEST_F(AdminServerTest, ASecondProfileWhileOneRunsIsRefused) {
  auto first = std::async(std::launch::async, [this] {
    http::Client c;
    return c.Get(AdminUrl("/debug/pprof/profile?seconds=2"));
  });
  std::this_thread::sleep_for(500ms);
  http::Response second = Get(AdminUrl("/debug/pprof/profile?seconds=1"));
  EXPECT_EQ(second.status, 409);
  EXPECT_NE(second.body.find("already"), std::string::npos) << second.body;
  // The listener answers other requests meanwhile.
  EXPECT_EQ(Get(AdminUrl("/debug/vars")).status, 200);
  auto r = first.get();
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->status, 200);
}

TEST_F(AdminServerTest, BadParametersAreOneClearLine) {
  for (const char* target :
       {"/debug/pprof/profile?seconds=abc", "/debug/pprof/profile?seconds=0",
        "/debug/pprof/profile?seconds=6", "/debug/pprof/profile?hz=5000",
        "/debug/trace?seconds=-1"}) {
    http::Response r = Get(AdminUrl(target));
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '\n'), 1) << r.body;
    EXPECT_NE(r.body.find("must be an integer in"), std::string::npos)
        << r.body;
  }
  EXPECT_EQ(Get(AdminUrl("/debug/nothing")).status, 404);
  http::ClientRequest post;
  post.method = "POST";
  post.url = AdminUrl("/debug/vars");
  auto r = client_.Send(post);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 405);
}

TEST_F(AdminServerTest, ThreadsListsEveryThread) {
  http::Response r = Get(AdminUrl("/debug/threads"));
  ASSERT_EQ(r.status, 200);
  auto tasks = ListThreads();
  ASSERT_TRUE(tasks.ok());
  for (const ThreadInfo& t : *tasks) {
    EXPECT_NE(r.body.find("\nthread " + std::to_string(t.tid) + " \""),
              std::string::npos)
        << t.tid << " " << t.name << "\n"
        << r.body;
  }
  // Our threads answered with a stack. (Not every thread: qemu-user, which
  // runs the aarch64 tests, adds one of its own that blocks all signals.)
  for (const char* name : {"svc-0", "svc-1", "admin-0"}) {
    const size_t at = r.body.find(std::string("\"") + name + "\" state ");
    ASSERT_NE(at, std::string::npos) << name;
    const size_t next_line = r.body.find('\n', at) + 1;
    EXPECT_EQ(r.body.compare(next_line, 5, "  #0 "), 0) << name << "\n"
                                                        << r.body;
  }
  EXPECT_NE(r.body.find("function names from the .symtab"), std::string::npos);
}

TEST_F(AdminServerTest, VarsHasEveryField) {
  http::Response r = Get(AdminUrl("/debug/vars"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(*r.headers.Get("Content-Type"), "application/json");
  nlohmann::json v = nlohmann::json::parse(r.body);
  for (const char* field :
       {"service", "pid", "uptime_seconds", "start_time_unix_seconds",
        "rss_bytes", "virtual_memory_bytes", "cpu_seconds", "threads",
        "open_fds", "max_fds", "heap", "event_loop_lag", "build", "profiler",
        "trace"}) {
    EXPECT_TRUE(v.contains(field)) << field;
  }
  EXPECT_EQ(v["service"], "admin-test");
  EXPECT_EQ(v["event_loop_lag"]["loops"].size(), 2u);
  EXPECT_EQ(v["trace"]["available"], true);
  EXPECT_EQ(v["profiler"]["running"], false);
}

TEST_F(AdminServerTest, TraceHoldsTheSpansOfItsWindow) {
  auto load = Load();
  http::Response r = Get(AdminUrl("/debug/trace?seconds=1"));
  load.reset();
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json doc = nlohmann::json::parse(r.body);
  std::set<std::string> names;
  std::set<std::string> thread_names;
  for (const auto& e : doc["traceEvents"]) {
    if (e["ph"] == "M") {
      thread_names.insert(e["args"]["name"].get<std::string>());
      continue;
    }
    EXPECT_EQ(e["ph"], "X");
    EXPECT_TRUE(e["ts"].is_number());
    EXPECT_TRUE(e["dur"].is_number());
    EXPECT_EQ(e["pid"], ::getpid());
    names.insert(e["name"].get<std::string>());
  }
  EXPECT_TRUE(names.count("burn")) << r.body.substr(0, 500);
  EXPECT_TRUE(names.count("parse"));
  EXPECT_TRUE(thread_names.count("svc-0") || thread_names.count("svc-1"));
  EXPECT_FALSE(recorder_.active());  // ended with the window
  // One at a time.
  auto first = std::async(std::launch::async, [this] {
    http::Client c;
    return c.Get(AdminUrl("/debug/trace?seconds=1"));
  });
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(Get(AdminUrl("/debug/trace?seconds=1")).status, 409);
  EXPECT_EQ(first.get()->status, 200);
}

TEST_F(AdminServerTest, StoppingEndsARunningProfile) {
  auto pending = std::async(std::launch::async, [this] {
    http::Client c;
    return c.Get(AdminUrl("/debug/pprof/profile?seconds=5"));
  });
  std::this_thread::sleep_for(300ms);
  const auto start = std::chrono::steady_clock::now();
  admin_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  auto r = pending.get();
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->status, 200);  // what was collected so far
}

TEST(AdminServerAloneTest, NeverSharesAPort) {
  http::ServerOptions so;  // a public server with SO_REUSEPORT
  auto service = http::Server::Create(so, [](http::Request, http::Responder r) {
    r.Send(http::Response(200));
  });
  ASSERT_TRUE(service.ok());
  AdminOptions ao;
  ao.port = (*service)->port();
  // Even when nobody says it is the public port, binding fails.
  auto admin = AdminServer::Create(ao);
  ASSERT_FALSE(admin.ok());
  EXPECT_NE(admin.message().find("admin listener"), std::string::npos)
      << admin.message();
  // Said, it is refused before any bind.
  ao.public_port = ao.port;
  admin = AdminServer::Create(ao);
  ASSERT_FALSE(admin.ok());
  EXPECT_EQ(admin.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(admin.message().find("is the public port"), std::string::npos)
      << admin.message();
}

}  // namespace
}  // namespace staticship::diagnostics
