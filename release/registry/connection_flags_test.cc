#include "release/registry/connection_flags.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/http/testing/test_pki.h"
#include "common/testing/temp_dir.h"
#include "release/registry/testing/fake_registry.h"

namespace staticship::registry {
namespace {

using namespace std::chrono_literals;

Result<ConnectionFlags> Parse(std::vector<std::string> args) {
  FlagSpec spec{.values = {"ref"}};
  AddConnectionFlags(&spec);
  Result<Flags> flags = Flags::Parse(args, spec);
  if (!flags.ok()) return flags.error();
  return ReadConnectionFlags(*flags, 60s);
}

const char* NoEnv(const char*) { return nullptr; }

TEST(ConnectionFlagsTest, ReadsTheSharedFlags) {
  auto flags = Parse({"--ca-cert=ca.pem", "--auth-file", "creds",
                      "--timeout=5s", "--insecure-http"});
  ASSERT_TRUE(flags.ok()) << flags.message();
  EXPECT_EQ(flags->ca_cert, std::filesystem::path("ca.pem"));
  EXPECT_EQ(flags->auth_file, std::filesystem::path("creds"));
  EXPECT_EQ(flags->timeout, 5000ms);
  EXPECT_TRUE(flags->insecure_http);
  auto defaults = Parse({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->timeout, 60000ms);
  EXPECT_FALSE(defaults->insecure_http);
  EXPECT_FALSE(Parse({"--timeout=soon"}).ok());
  EXPECT_FALSE(Parse({"--ca-cert"}).ok());
  EXPECT_FALSE(Parse({"--insecure-http=yes"}).ok());
}

TEST(ConnectionFlagsTest, HttpsByDefaultAndPlainHttpOnlyOnLoopback) {
  ConnectionFlags flags;
  EXPECT_EQ(*SchemeFor(flags, "127.0.0.1:5000"), "https");
  EXPECT_EQ(*SchemeFor(flags, "registry.example:443"), "https");
  flags.insecure_http = true;
  for (const char* loopback :
       {"127.0.0.1:5000", "127.8.9.10:1", "localhost:5000", "[::1]:5000"}) {
    auto scheme = SchemeFor(flags, loopback);
    ASSERT_TRUE(scheme.ok()) << loopback << ": " << scheme.message();
    EXPECT_EQ(*scheme, "http");
  }
  for (const char* remote : {"registry.example:5000", "10.0.0.1:5000",
                             "127.example.com:5000", "[::2]:5000"}) {
    auto scheme = SchemeFor(flags, remote);
    ASSERT_FALSE(scheme.ok()) << remote;
    EXPECT_EQ(scheme.message(),
              "--insecure-http is only for a loopback registry (127.0.0.0/8, "
              "::1, localhost), not " +
                  std::string(remote) + ": use https");
  }
  flags.ca_cert = "ca.pem";
  EXPECT_FALSE(SchemeFor(flags, "127.0.0.1:5000").ok());
}

TEST(ConnectionFlagsTest, OpenRefusesBeforeAnyConnection) {
  ConnectionFlags flags;
  flags.insecure_http = true;
  Reference remote{"registry.invalid:5000", "app", "v1", ""};
  auto connection = RegistryConnection::Open(flags, remote, "pull", NoEnv);
  ASSERT_FALSE(connection.ok());
  EXPECT_NE(connection.message().find("only for a loopback registry"),
            std::string::npos);

  ConnectionFlags missing_ca;
  missing_ca.ca_cert = "/nonexistent/ca.pem";
  auto no_ca = RegistryConnection::Open(
      missing_ca, {"127.0.0.1:1", "app", "v1", ""}, "pull", NoEnv);
  ASSERT_FALSE(no_ca.ok());
  EXPECT_EQ(no_ca.message().rfind("--ca-cert: CA file: ", 0), 0u)
      << no_ca.message();
}

TEST(ConnectionFlagsTest, InsecureHttpReachesALoopbackHttpRegistry) {
  testing::FakeRegistry registry({});
  ConnectionFlags flags;
  flags.insecure_http = true;
  flags.timeout = 5s;
  Reference ref{registry.authority(), "app", "v1", ""};
  auto connection = RegistryConnection::Open(flags, ref, "pull,push", NoEnv);
  ASSERT_TRUE(connection.ok()) << connection.message();
}

TEST(ConnectionFlagsTest, HttpsAgainstAnHttpRegistryIsNoSilentDowngrade) {
  auto ca = staticship::testing::TestCa::Create("test CA");
  ASSERT_TRUE(ca.ok());
  staticship::testing::TempDir dir;
  const std::string ca_file = dir.path() + "/ca.pem";
  std::ofstream(ca_file) << ca->ca().cert_pem;
  testing::FakeRegistry registry({});
  ConnectionFlags flags;
  flags.ca_cert = ca_file;
  flags.timeout = 5s;
  Reference ref{registry.authority(), "app", "v1", ""};
  auto connection = RegistryConnection::Open(flags, ref, "pull", NoEnv);
  ASSERT_FALSE(connection.ok());
  EXPECT_EQ(connection.code(), ErrorCode::kFailedPrecondition)
      << connection.message();
  EXPECT_NE(connection.message().find("answered plain http, not TLS"),
            std::string::npos)
      << connection.message();
  // Only the handshake attempt: no request went out over plain http.
  EXPECT_EQ(registry.requests().size(), 0u);
}

}  // namespace
}  // namespace staticship::registry
