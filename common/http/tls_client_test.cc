// The https half of the client against an in-process Mbed TLS server with
// certificates made by the test: verification (chain, names, dates), its
// one-line errors, keep-alive and session resumption, deadlines.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#if defined(__x86_64__)
#include <cpuid.h>
#include <mbedtls/aesni.h>
#endif

#include "common/base/file.h"
#include "common/http/client.h"
#include "common/http/testing/test_pki.h"
#include "common/http/testing/tls_test_server.h"
#include "common/http/tls_context.h"
#include "common/http/tls_stream.h"
#include "common/testing/ports.h"
#include "common/testing/temp_dir.h"

namespace staticship::http {
namespace {

using namespace std::chrono_literals;
using staticship::testing::CertSpec;
using staticship::testing::TestCa;
using staticship::testing::TlsTestServer;

class TlsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = TestCa::Create("staticship test CA");
    ASSERT_TRUE(ca.ok()) << ca.message();
    ca_ = std::make_unique<TestCa>(std::move(*ca));
    auto tls = TlsContext::FromCaPem(ca_->ca().cert_pem, "test-ca.pem");
    ASSERT_TRUE(tls.ok()) << tls.message();
    tls_ = *tls;
  }

  std::unique_ptr<TlsTestServer> Serve(const TestCa& ca, CertSpec spec) {
    auto cert = ca.Issue(spec);
    EXPECT_TRUE(cert.ok()) << cert.message();
    auto server = TlsTestServer::Start(*cert);
    EXPECT_TRUE(server.ok()) << server.message();
    return std::move(*server);
  }
  std::unique_ptr<TlsTestServer> ServeIp() {
    CertSpec spec;
    spec.ip_addresses = {"127.0.0.1"};
    return Serve(*ca_, spec);
  }
  Client MakeClient(size_t idle = 4) {
    ClientOptions options;
    options.tls = tls_;
    options.max_idle_per_host = idle;
    options.timeout = 5000ms;
    return Client(options);
  }
  static std::string Url(const TlsTestServer& s,
                         std::string host = "127.0.0.1") {
    return "https://" + host + ":" + std::to_string(s.port()) + "/v2/";
  }

  std::unique_ptr<TestCa> ca_;
  std::shared_ptr<TlsContext> tls_;
};

TEST_F(TlsClientTest, KeepAliveCarriesEveryRequestOverOneHandshake) {
  auto server = ServeIp();
  Client client = MakeClient();
  for (int i = 0; i < 3; ++i) {
    auto resp = client.Get(Url(*server));
    ASSERT_TRUE(resp.ok()) << resp.message();
    EXPECT_EQ(resp->status, 200);
    EXPECT_EQ(resp->body, "GET /v2/ 0");
  }
  // A large body crosses many TLS records (16 KiB each); 256 KiB keeps it
  // well inside the timeout under qemu-aarch64 with UBSan, where 3 MiB of
  // software AES took longer than 5 s.
  auto put = client.Post(Url(*server), std::string(256 << 10, 'x'),
                         "application/octet-stream");
  ASSERT_TRUE(put.ok()) << put.message();
  EXPECT_EQ(put->body, "POST /v2/ 262144");
  EXPECT_EQ(server->connections(), 1);
  EXPECT_EQ(server->full_handshakes(), 1);
  EXPECT_EQ(client.idle_connections(), 1u);
}

TEST_F(TlsClientTest, NewConnectionResumesTheSession) {
  auto server = ServeIp();
  Client client = MakeClient(/*idle=*/0);  // no pool: a connection each
  for (int i = 0; i < 3; ++i) {
    auto resp = client.Get(Url(*server));
    ASSERT_TRUE(resp.ok()) << resp.message();
  }
  EXPECT_EQ(server->connections(), 3);
  EXPECT_EQ(server->full_handshakes(), 1);
  EXPECT_EQ(server->resumed_handshakes(), 2);
}

// What a second shipctl process sees: a context of its own, the same file.
TEST_F(TlsClientTest, SessionFileResumesInTheNextProcess) {
  auto server = ServeIp();
  staticship::testing::TempDir dir;
  const std::filesystem::path file = dir.path() + "/cache/tls-sessions";
  tls_->PersistSessions(file);
  ASSERT_TRUE(MakeClient().Get(Url(*server)).ok());
  ASSERT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(
      std::filesystem::status(file).permissions(),
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  auto next = TlsContext::FromCaPem(ca_->ca().cert_pem, "test-ca.pem");
  ASSERT_TRUE(next.ok()) << next.message();
  (*next)->PersistSessions(file);
  tls_ = *next;
  Result<std::string> before = ReadWholeFile(file);
  ASSERT_TRUE(before.ok()) << before.message();
  ASSERT_TRUE(MakeClient().Get(Url(*server)).ok());
  EXPECT_EQ(server->full_handshakes(), 1);
  EXPECT_EQ(server->resumed_handshakes(), 1);
  // Resuming changes nothing the server knows the session by: no rewrite,
  // so the session keeps the expiry it was stored with.
  Result<std::string> after = ReadWholeFile(file);
  ASSERT_TRUE(after.ok()) << after.message();
  EXPECT_EQ(*after, *before);
}

// A session verified under one set of CAs says nothing under another.
TEST_F(TlsClientTest, SessionFileIsScopedByTheTrustedCas) {
  auto server = ServeIp();
  staticship::testing::TempDir dir;
  const std::filesystem::path file = dir.path() + "/tls-sessions";
  tls_->PersistSessions(file);
  ASSERT_TRUE(MakeClient().Get(Url(*server)).ok());

  auto other = TestCa::Create("Other CA");
  ASSERT_TRUE(other.ok());
  auto wider = TlsContext::FromCaPem(ca_->ca().cert_pem + other->ca().cert_pem,
                                     "bundle.pem");
  ASSERT_TRUE(wider.ok()) << wider.message();
  EXPECT_NE((*wider)->trust_scope(), tls_->trust_scope());
  (*wider)->PersistSessions(file);
  tls_ = *wider;
  ASSERT_TRUE(MakeClient().Get(Url(*server)).ok());
  EXPECT_EQ(server->full_handshakes(), 2);
  EXPECT_EQ(server->resumed_handshakes(), 0);
}

// A file others could read may hold sessions someone else planted or read:
// it is not used, and the connection still works.
TEST_F(TlsClientTest, SessionFileOpenToOthersIsIgnored) {
  auto server = ServeIp();
  staticship::testing::TempDir dir;
  const std::filesystem::path file = dir.path() + "/tls-sessions";
  tls_->PersistSessions(file);
  ASSERT_TRUE(MakeClient().Get(Url(*server)).ok());
  std::filesystem::permissions(file, std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);

  auto next = TlsContext::FromCaPem(ca_->ca().cert_pem, "test-ca.pem");
  ASSERT_TRUE(next.ok()) << next.message();
  (*next)->PersistSessions(file);
  tls_ = *next;
  ASSERT_TRUE(MakeClient().Get(Url(*server)).ok());
  EXPECT_EQ(server->full_handshakes(), 2);
}

TEST_F(TlsClientTest, DnsNameAndAesGcm) {
  CertSpec spec;
  spec.dns_names = {"localhost"};
  auto server = Serve(*ca_, spec);
  auto fd = ConnectTcp("localhost", server->port(), Clock::now() + 5s);
  ASSERT_TRUE(fd.ok()) << fd.message();
  auto stream = TlsStream::Handshake(std::move(*fd), tls_, "localhost",
                                     server->port(), Clock::now() + 5s);
  ASSERT_TRUE(stream.ok()) << stream.message();
  // An ECDHE key exchange with AES-GCM (AES-NI on x86-64), which the test
  // server prefers.
  EXPECT_NE((*stream)->ciphersuite().find("ECDHE"), std::string::npos);
#if defined(__x86_64__)
  EXPECT_EQ((*stream)->ciphersuite(),
            "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256");
#endif
}

TEST_F(TlsClientTest, ExpiredCertificateIsOneClearLine) {
  CertSpec spec;
  spec.ip_addresses = {"127.0.0.1"};
  spec.not_before = "20200101000000";
  spec.not_after = "20210101000000";
  auto server = Serve(*ca_, spec);
  Client client = MakeClient();
  auto resp = client.Get(Url(*server));
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(resp.message(),
            "[tls] certificate for 127.0.0.1 expired 2021-01-01");
  EXPECT_FALSE(IsRetryable(resp.error()));
}

TEST_F(TlsClientTest, NotYetValidCertificate) {
  CertSpec spec;
  spec.ip_addresses = {"127.0.0.1"};
  spec.not_before = "20900101000000";
  auto server = Serve(*ca_, spec);
  Client client = MakeClient();
  auto resp = client.Get(Url(*server));
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.message(),
            "[tls] certificate for 127.0.0.1 is not valid before 2090-01-01");
}

TEST_F(TlsClientTest, UnknownCaIsNotTrusted) {
  auto other = TestCa::Create("Other CA");
  ASSERT_TRUE(other.ok());
  CertSpec spec;
  spec.ip_addresses = {"127.0.0.1"};
  auto server = Serve(*other, spec);
  Client client = MakeClient();
  auto resp = client.Get(Url(*server));
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(resp.message(),
            "[tls] certificate for 127.0.0.1 not trusted (unknown CA "
            "\"CN=Other CA\"; trusted: test-ca.pem)");
}

TEST_F(TlsClientTest, NameMismatch) {
  CertSpec spec;
  spec.dns_names = {"registry.invalid"};
  spec.ip_addresses = {"127.0.0.2"};
  auto server = Serve(*ca_, spec);
  Client client = MakeClient();
  auto by_ip = client.Get(Url(*server));
  ASSERT_FALSE(by_ip.ok());
  EXPECT_EQ(by_ip.message(),
            "[tls] certificate for 127.0.0.1: name mismatch (it is for "
            "registry.invalid, 127.0.0.2)");
  auto by_name = client.Get(Url(*server, "localhost"));
  ASSERT_FALSE(by_name.ok());
  EXPECT_EQ(by_name.code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(by_name.message().find("certificate for localhost: name mismatch"),
            std::string::npos)
      << by_name.message();
}

TEST_F(TlsClientTest, PlainHttpServerOnHttpsUrl) {
  auto listener = staticship::testing::ListenOnLoopback(4);
  ASSERT_TRUE(listener.ok());
  std::thread peer([fd = listener->fd.get()] {
    int c = ::accept(fd, nullptr, nullptr);
    if (c < 0) return;
    char buf[1024];
    [[maybe_unused]] ssize_t r = ::recv(c, buf, sizeof(buf), 0);
    const char reply[] =
        "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
    [[maybe_unused]] ssize_t w = ::send(c, reply, sizeof(reply) - 1, 0);
    ::close(c);
  });
  Client client = MakeClient();
  auto resp = client.Get("https://127.0.0.1:" + std::to_string(listener->port) +
                         "/v2/");
  peer.join();
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(
      resp.message().find("[tls] 127.0.0.1:" + std::to_string(listener->port) +
                          " answered plain http, not TLS"),
      std::string::npos)
      << resp.message();
}

TEST_F(TlsClientTest, SilentServerHitsTheDeadline) {
  // The kernel completes the TCP handshake from the backlog; nobody answers
  // the ClientHello.
  auto listener = staticship::testing::ListenOnLoopback(4);
  ASSERT_TRUE(listener.ok());
  Client client = MakeClient();
  ClientRequest req;
  req.url = "https://127.0.0.1:" + std::to_string(listener->port) + "/";
  req.timeout = 200ms;
  const auto started = Clock::now();
  auto resp = client.Send(req);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.code(), ErrorCode::kDeadlineExceeded);
  EXPECT_NE(resp.message().find("[timeout] TLS handshake with 127.0.0.1:"),
            std::string::npos)
      << resp.message();
  EXPECT_LT(Clock::now() - started, 2s);
}

TEST_F(TlsClientTest, CaFileWithSeveralCertificates) {
  auto other = TestCa::Create("Other CA");
  ASSERT_TRUE(other.ok());
  staticship::testing::TempDir dir;
  const std::filesystem::path file = dir.path() + "/bundle.pem";
  std::ofstream(file) << ca_->ca().cert_pem << other->ca().cert_pem;
  auto tls = TlsContext::FromCaFile(file);
  ASSERT_TRUE(tls.ok()) << tls.message();
  EXPECT_EQ((*tls)->ca_count(), 2);
  EXPECT_EQ((*tls)->ca_source(), file.string());

  // The server's CA is the second one in the file.
  CertSpec spec;
  spec.ip_addresses = {"127.0.0.1"};
  auto server = Serve(*other, spec);
  ClientOptions options;
  options.tls = *tls;
  Client client(options);
  auto resp = client.Get(Url(*server));
  ASSERT_TRUE(resp.ok()) << resp.message();
}

TEST_F(TlsClientTest, BadCaFilesAreErrors) {
  staticship::testing::TempDir dir;
  const std::filesystem::path garbage = dir.path() + "/garbage.pem";
  std::ofstream(garbage) << "-----BEGIN CERTIFICATE-----\nnot base64\n"
                            "-----END CERTIFICATE-----\n";
  auto bad = TlsContext::FromCaFile(garbage);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find(garbage.string()), std::string::npos)
      << bad.message();
  const std::filesystem::path empty = dir.path() + "/empty.pem";
  std::ofstream(empty) << "";
  EXPECT_FALSE(TlsContext::FromCaFile(empty).ok());
  EXPECT_FALSE(TlsContext::FromCaFile(dir.path() + "/missing.pem").ok());
}

TEST_F(TlsClientTest, SystemStoreHonoursSslCertFile) {
  staticship::testing::TempDir dir;
  const std::string file = dir.path() + "/ca.pem";
  std::ofstream(file) << ca_->ca().cert_pem;
  auto tls = TlsContext::FromSystemStore([&](const char* name) -> const char* {
    return std::string_view(name) == "SSL_CERT_FILE" ? file.c_str() : nullptr;
  });
  ASSERT_TRUE(tls.ok()) << tls.message();
  EXPECT_EQ((*tls)->ca_source(), file);
  // A wrong SSL_CERT_FILE is an error, not a fallback to other CAs.
  const std::string missing = file + ".missing";
  auto wrong = TlsContext::FromSystemStore(
      [&](const char*) -> const char* { return missing.c_str(); });
  EXPECT_FALSE(wrong.ok());
}

TEST_F(TlsClientTest, SystemStoreFindsTheDebianBundle) {
  if (::access(SystemCaFiles()[0], R_OK) != 0) {
    GTEST_SKIP() << "no " << SystemCaFiles()[0] << " (ca-certificates)";
  }
  auto tls = TlsContext::FromSystemStore([](const char*) { return nullptr; });
  ASSERT_TRUE(tls.ok()) << tls.message();
  EXPECT_EQ((*tls)->ca_source(), SystemCaFiles()[0]);
  EXPECT_GT((*tls)->ca_count(), 50);
}

#if defined(__x86_64__)
// AES-GCM, our first choice on x86-64, is fast only on AES-NI and PCLMULQDQ:
// Mbed TLS must have been built with them and find them on this CPU.
TEST(TlsPerformanceTest, AesGcmRunsOnAesNi) {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  ASSERT_TRUE(__get_cpuid(1, &eax, &ebx, &ecx, &edx));
  if (!(ecx & bit_AES) || !(ecx & bit_PCLMUL)) {
    GTEST_SKIP() << "this CPU has no AES-NI";
  }
  EXPECT_TRUE(mbedtls_aesni_has_support(MBEDTLS_AESNI_AES));
  EXPECT_TRUE(mbedtls_aesni_has_support(MBEDTLS_AESNI_CLMUL));
}
#endif

TEST_F(TlsClientTest, HttpsUrlsParse) {
  auto url = ParseUrl("https://[::1]/v2/?x=1");
  ASSERT_TRUE(url.ok());
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->host, "::1");
  auto plain = ParseUrl("http://h");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->port, 80);
  EXPECT_FALSE(ParseUrl("ftp://h/").ok());
}

}  // namespace
}  // namespace staticship::http
