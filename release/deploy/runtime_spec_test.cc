#include "release/deploy/runtime_spec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace staticship::deploy {
namespace {

constexpr char kConfig[] = R"({
  "architecture": "amd64", "os": "linux",
  "config": {"User": "65532:65532", "Entrypoint": ["/usr/local/bin/gateway"],
             "Cmd": ["--flag"], "Env": ["PATH=/usr/local/bin", "PORT=1", "A=b"],
             "WorkingDir": "/home/nonroot"},
  "rootfs": {"type": "layers", "diff_ids": ["sha256:aa", "sha256:bb"]}})";

TEST(RuntimeSpecTest, ParsesImageConfig) {
  Result<ImageConfig> image = ParseImageConfig(kConfig);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->entrypoint,
            std::vector<std::string>{"/usr/local/bin/gateway"});
  EXPECT_EQ(image->cmd, std::vector<std::string>{"--flag"});
  EXPECT_EQ(image->diff_ids.size(), 2u);
  EXPECT_EQ(image->working_dir, "/home/nonroot");
  EXPECT_FALSE(ParseImageConfig("[1]").ok());
}

TEST(RuntimeSpecTest, HardensTheProcess) {
  Result<ImageConfig> image = ParseImageConfig(kConfig);
  ASSERT_TRUE(image.ok());
  Result<std::string> text = MakeRuntimeSpec(*image, {"gw", 18080});
  ASSERT_TRUE(text.ok()) << text.message();
  auto spec = nlohmann::json::parse(*text);
  const auto& process = spec["process"];
  EXPECT_EQ(process["args"],
            nlohmann::json({"/usr/local/bin/gateway", "--flag"}));
  EXPECT_EQ(process["user"]["uid"], 65532);
  EXPECT_EQ(process["user"]["gid"], 65532);
  EXPECT_EQ(process["noNewPrivileges"], true);
  EXPECT_EQ(process["cwd"], "/home/nonroot");
  for (const char* set :
       {"bounding", "effective", "inheritable", "permitted", "ambient"}) {
    EXPECT_TRUE(process["capabilities"][set].empty()) << set;
  }
  EXPECT_EQ(process["env"],
            nlohmann::json({"PATH=/usr/local/bin", "A=b", "PORT=18080"}));
  EXPECT_EQ(spec["root"]["readonly"], true);
  bool tmp = false;
  for (const auto& m : spec["mounts"]) {
    if (m["destination"] == "/tmp") {
      tmp = m["type"] == "tmpfs";
    }
  }
  EXPECT_TRUE(tmp);
  for (const auto& ns : spec["linux"]["namespaces"]) {
    EXPECT_NE(ns["type"], "network");
    EXPECT_NE(ns["type"], "user");
  }
  EXPECT_EQ(spec["hostname"], "gw");
}

TEST(RuntimeSpecTest, RefusesImageWithoutCommandOrBadPort) {
  ImageConfig empty;
  EXPECT_FALSE(MakeRuntimeSpec(empty, {"x", 80}).ok());
  ImageConfig image;
  image.cmd = {"/app"};
  EXPECT_FALSE(MakeRuntimeSpec(image, {"x", 0}).ok());
  EXPECT_FALSE(MakeRuntimeSpec(image, {"x", 70000}).ok());
  Result<std::string> ok = MakeRuntimeSpec(image, {"x", 8080});
  ASSERT_TRUE(ok.ok());
  EXPECT_NE(ok->find("PATH="), std::string::npos);
}

}  // namespace
}  // namespace staticship::deploy
