#include "services/scheduler/flags.h"

#include <gtest/gtest.h>

namespace staticship::scheduler {
namespace {

TEST(FlagsTest, DefaultsAndBothSpellings) {
  auto f = ParseFlags({"--data-dir", "/tmp/x", "--workers=7", "--listen",
                       "0.0.0.0:9000", "--zones=z.yaml", "--fsync", "off"});
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_EQ(f->data_dir, "/tmp/x");
  EXPECT_EQ(f->workers, 7);
  EXPECT_EQ(f->listen_host, "0.0.0.0");
  EXPECT_EQ(f->listen_port, 9000);
  EXPECT_EQ(f->zones_file, "z.yaml");
  EXPECT_FALSE(f->fsync);
  auto d = ParseFlags({"--data-dir=d"});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->listen_host, "127.0.0.1");
  EXPECT_EQ(d->listen_port, 8090);
  EXPECT_EQ(d->workers, 200);
  EXPECT_TRUE(d->fsync);
  EXPECT_EQ(d->retain_finished_seconds, 86400);
  EXPECT_FALSE(d->admin_listen);
  auto a = ParseFlags({"--data-dir=d", "--admin-listen", "127.0.0.1:9091"});
  ASSERT_TRUE(a.ok()) << a.message();
  EXPECT_TRUE(a->admin_listen);
  EXPECT_EQ(a->admin_listen_host, "127.0.0.1");
  EXPECT_EQ(a->admin_listen_port, 9091);
  auto r = ParseFlags({"--data-dir=d", "--retain-finished-seconds", "0"});
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->retain_finished_seconds, 0);
  auto bad = ParseFlags({"--data-dir=d", "--retain-finished-seconds=-1"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("--retain-finished-seconds"), std::string::npos);
}

TEST(FlagsTest, VersionNeedsNoDataDir) {
  auto f = ParseFlags({"--version"});
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->version);
}

TEST(FlagsTest, EtcdModeNeedsNoDataDir) {
  auto f = ParseFlags({"--etcd", "http://127.0.0.1:2379,http://h2:2379",
                       "--etcd-prefix=/p/", "--etcd-lease-ttl", "10",
                       "--etcd-steal-after-ms", "0"});
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_EQ(f->etcd_endpoints, "http://127.0.0.1:2379,http://h2:2379");
  EXPECT_EQ(f->etcd_prefix, "/p/");
  EXPECT_EQ(f->etcd_lease_ttl_seconds, 10);
  EXPECT_EQ(f->etcd_steal_after_ms, 0);
  EXPECT_TRUE(f->data_dir.empty());
  auto d = ParseFlags({"--etcd=http://127.0.0.1:2379"});
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->etcd_prefix, "/staticship/scheduler/");
  EXPECT_EQ(d->etcd_lease_ttl_seconds, 5);
  EXPECT_FALSE(d->zones_from_etcd);
  EXPECT_EQ(d->etcd_steal_after_ms, 500);
}

TEST(FlagsTest, ZonesFromEtcdAndEjection) {
  auto f = ParseFlags({"--etcd=http://127.0.0.1:2379", "--zones-from-etcd",
                       "--eject-after-failures", "3", "--eject-base-ms=500",
                       "--eject-max-ms", "4000"});
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_TRUE(f->zones_from_etcd);
  EXPECT_EQ(f->eject_after_failures, 3);
  EXPECT_EQ(f->eject_base_ms, 500);
  EXPECT_EQ(f->eject_max_ms, 4000);
  auto d = ParseFlags({"--data-dir=d"});
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->eject_after_failures, 5);
  EXPECT_EQ(d->eject_base_ms, 10000);
  EXPECT_EQ(d->eject_max_ms, 300000);
  auto off = ParseFlags({"--data-dir=d", "--eject-after-failures=0"});
  ASSERT_TRUE(off.ok()) << off.message();
  EXPECT_EQ(off->eject_after_failures, 0);
}

TEST(FlagsTest, ErrorsNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    const char* expect;
  };
  for (const Case& c : std::vector<Case>{
           {{}, "--data-dir is required"},
           {{"--data-dir", "d", "--bogus"}, "unknown flag --bogus"},
           {{"--data-dir", "d", "--workers", "0"}, "--workers"},
           {{"--data-dir", "d", "--workers", "ten"}, "'ten'"},
           {{"--data-dir", "d", "--listen", "nocolon"}, "--listen"},
           {{"--data-dir", "d", "--listen", "h:70000"}, "port"},
           {{"--data-dir", "d", "--fsync", "maybe"}, "--fsync"},
           {{"--data-dir", "d", "--admin-listen", "9091"}, "--admin-listen"},
           {{"--data-dir", "d", "--admin-listen", "h:x"},
            "--admin-listen port"},
           {{"--data-dir"}, "--data-dir needs a value"},
           {{"--etcd", ""}, "--etcd must not be empty"},
           {{"--etcd", "http://e:2379", "--etcd-prefix", "/no/slash"},
            "must end with '/'"},
           {{"--etcd", "http://e:2379", "--etcd-lease-ttl", "1"},
            "--etcd-lease-ttl"},
           {{"--etcd", "http://e:2379", "--etcd-lease-ttl", "soon"}, "'soon'"},
           {{"--etcd", "http://e:2379", "--etcd-steal-after-ms", "-1"},
            "--etcd-steal-after-ms"},
           {{"--etcd", "http://e:2379", "--data-dir", "d"},
            "--data-dir and --etcd"},
           {{"--data-dir", "d", "--zones-from-etcd"},
            "--zones-from-etcd needs --etcd"},
           {{"--data-dir", "d", "--eject-after-failures", "-1"},
            "--eject-after-failures"},
           {{"--data-dir", "d", "--eject-base-ms", "0"}, "--eject-base-ms"},
           {{"--data-dir", "d", "--eject-base-ms", "5000", "--eject-max-ms",
             "1000"},
            "--eject-max-ms (1000) is below --eject-base-ms (5000)"},
       }) {
    auto f = ParseFlags(c.args);
    ASSERT_FALSE(f.ok());
    EXPECT_NE(f.message().find(c.expect), std::string::npos) << f.message();
  }
}

}  // namespace
}  // namespace staticship::scheduler
