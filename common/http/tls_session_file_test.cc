// The session file's own rules, without TLS: expiry, scopes, lines that do
// not parse, and where it lives.
#include "common/http/tls_session_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include "common/base/file.h"
#include "common/testing/temp_dir.h"

namespace staticship::http {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

TEST(TlsSessionFileTest, MissingFileIsEmpty) {
  staticship::testing::TempDir dir;
  TlsSessionFile file(dir.path() + "/none");
  auto loaded = file.Load("scope", kNow);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_TRUE(loaded->empty());
}

TEST(TlsSessionFileTest, StoreKeepsOtherPeersAndDropsExpiredLines) {
  staticship::testing::TempDir dir;
  TlsSessionFile file(dir.path() + "/sub/tls-sessions");
  ASSERT_TRUE(file.Store("a:1", "s", {"one", kNow + 10}, kNow).ok());
  ASSERT_TRUE(file.Store("b:2", "s", {"two", kNow + 5}, kNow).ok());
  ASSERT_TRUE(file.Store("a:1", "t", {"other", kNow + 10}, kNow).ok());
  ASSERT_TRUE(file.Store("a:1", "s", {"three", kNow + 10}, kNow).ok());

  auto in_s = file.Load("s", kNow);
  ASSERT_TRUE(in_s.ok()) << in_s.message();
  ASSERT_EQ(in_s->size(), 2u);
  EXPECT_EQ(in_s->at("a:1").bytes, "three");
  EXPECT_EQ(in_s->at("b:2").bytes, "two");
  auto in_t = file.Load("t", kNow);
  ASSERT_TRUE(in_t.ok());
  EXPECT_EQ(in_t->at("a:1").bytes, "other");

  // Six seconds on, b:2 is stale: not loaded, and gone at the next write.
  EXPECT_EQ(file.Load("s", kNow + 6)->size(), 1u);
  ASSERT_TRUE(file.Store("c:3", "s", {"four", kNow + 60}, kNow + 6).ok());
  Result<std::string> text = ReadWholeFile(file.path());
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->find("b:2"), std::string::npos) << *text;
}

TEST(TlsSessionFileTest, UnparsableLinesCostOnlyThemselves) {
  staticship::testing::TempDir dir;
  TlsSessionFile file(dir.path() + "/tls-sessions");
  ASSERT_TRUE(file.Store("a:1", "s", {"one", kNow + 10}, kNow).ok());
  {
    std::ofstream out(file.path(), std::ios::app);
    out << "torn\tline\n"
        << "b:2\ts\tsoon\tAAAA\n"
        << "c:3\ts\t" << kNow + 10 << "\tnot base64!\n"
        << "d:4\ts\t" << kNow + 10 << "\tZm91cg==";  // no final newline
  }
  auto loaded = file.Load("s", kNow);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ(loaded->at("a:1").bytes, "one");
  EXPECT_EQ(loaded->at("d:4").bytes, "four");
}

TEST(TlsSessionFileTest, FileOthersMayReadIsRefused) {
  staticship::testing::TempDir dir;
  TlsSessionFile file(dir.path() + "/tls-sessions");
  ASSERT_TRUE(file.Store("a:1", "s", {"one", kNow + 10}, kNow).ok());
  struct stat st;
  ASSERT_EQ(::stat(file.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::chmod(file.path().c_str(), 0640), 0);
  auto loaded = file.Load("s", kNow);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.message().find("mode 0600"), std::string::npos)
      << loaded.message();
  // Nor is it overwritten: the user decides what to do with it.
  EXPECT_FALSE(file.Store("b:2", "s", {"two", kNow + 10}, kNow).ok());
}

TEST(TlsSessionFileTest, DefaultLocation) {
  std::map<std::string, std::string> env;
  auto lookup = [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  EXPECT_EQ(DefaultTlsSessionFile(lookup), "");
  env["HOME"] = "/home/u";
  EXPECT_EQ(DefaultTlsSessionFile(lookup),
            "/home/u/.cache/staticship/tls-sessions");
  env["XDG_CACHE_HOME"] = "/xdg";
  EXPECT_EQ(DefaultTlsSessionFile(lookup), "/xdg/staticship/tls-sessions");
  env["STATICSHIP_TLS_SESSION_CACHE"] = "/run/s";
  EXPECT_EQ(DefaultTlsSessionFile(lookup), "/run/s");
  env["STATICSHIP_TLS_SESSION_CACHE"] = "off";
  EXPECT_EQ(DefaultTlsSessionFile(lookup), "");
}

}  // namespace
}  // namespace staticship::http
