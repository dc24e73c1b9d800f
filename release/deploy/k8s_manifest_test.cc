#include "release/deploy/k8s_manifest.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace staticship::deploy {
namespace {

ManifestInput Scheduler() {
  ManifestInput input;
  input.name = "scheduler";
  input.image =
      "127.0.0.1:5000/staticship/scheduler@sha256:" + std::string(64, 'a');
  input.port = 8090;
  input.image_config.entrypoint = {"/usr/local/bin/scheduler"};
  input.image_config.cmd = {"--listen", "0.0.0.0:8090"};
  input.settings.mounts = {
      {"/srv/zones.yaml", "/etc/scheduler/zones.yaml", true}};
  input.settings.volumes = {{"data", "/var/lib/scheduler"}};
  input.settings.env = {{"MODE", "on"}};
  input.settings.args = {"--zones", "/etc/scheduler/zones.yaml"};
  input.settings.memory_bytes = 256LL << 20;
  input.settings.millicpus = 1500;
  input.files = {{"/srv/zones.yaml", "zones:\n  cn-1: {}\n"}};
  return input;
}

TEST(MakeK8sManifest, ObjectsMatchTheRuncSpec) {
  Result<std::string> text = MakeK8sManifest(Scheduler());
  ASSERT_TRUE(text.ok()) << text.message();
  std::vector<YAML::Node> docs = YAML::LoadAll(*text);
  ASSERT_EQ(docs.size(), 4u) << *text;
  EXPECT_EQ(docs[0]["kind"].as<std::string>(), "ConfigMap");
  EXPECT_EQ(docs[0]["data"]["zones.yaml"].as<std::string>(),
            "zones:\n  cn-1: {}\n");
  EXPECT_EQ(docs[1]["kind"].as<std::string>(), "PersistentVolumeClaim");
  EXPECT_EQ(docs[1]["metadata"]["name"].as<std::string>(), "scheduler-data");
  const YAML::Node deployment = docs[2];
  EXPECT_EQ(deployment["kind"].as<std::string>(), "Deployment");
  EXPECT_EQ(deployment["spec"]["strategy"]["type"].as<std::string>(),
            "Recreate");
  const YAML::Node pod = deployment["spec"]["template"]["spec"];
  EXPECT_FALSE(pod["automountServiceAccountToken"].as<bool>());
  EXPECT_EQ(pod["securityContext"]["fsGroup"].as<int>(), 65532);
  const YAML::Node c = pod["containers"][0];
  EXPECT_EQ(c["image"].as<std::string>(), Scheduler().image);
  // Kubernetes args replace Cmd: the Cmd comes first, then --arg.
  ASSERT_EQ(c["args"].size(), 4u);
  EXPECT_EQ(c["args"][0].as<std::string>(), "--listen");
  EXPECT_EQ(c["args"][3].as<std::string>(), "/etc/scheduler/zones.yaml");
  EXPECT_EQ(c["env"][0]["name"].as<std::string>(), "MODE");
  EXPECT_EQ(c["env"][0]["value"].Tag(), "!");  // "on" stays a string
  EXPECT_EQ(c["env"][1]["value"].as<std::string>(), "8090");
  EXPECT_EQ(c["env"][1]["value"].Tag(), "!");
  const YAML::Node sc = c["securityContext"];
  EXPECT_TRUE(sc["runAsNonRoot"].as<bool>());
  EXPECT_EQ(sc["runAsUser"].as<int>(), 65532);
  EXPECT_EQ(sc["runAsGroup"].as<int>(), 65532);
  EXPECT_TRUE(sc["readOnlyRootFilesystem"].as<bool>());
  EXPECT_FALSE(sc["allowPrivilegeEscalation"].as<bool>());
  EXPECT_EQ(sc["capabilities"]["drop"][0].as<std::string>(), "ALL");
  EXPECT_EQ(sc["seccompProfile"]["type"].as<std::string>(), "RuntimeDefault");
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"].as<std::string>(), "/health");
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["port"].as<std::string>(), "http");
  EXPECT_EQ(c["resources"]["limits"]["memory"].as<std::string>(), "256Mi");
  EXPECT_EQ(c["resources"]["requests"]["cpu"].as<std::string>(), "1500m");
  // /tmp, the config file by subPath, the volume.
  const YAML::Node mounts = c["volumeMounts"];
  ASSERT_EQ(mounts.size(), 3u);
  EXPECT_EQ(mounts[1]["mountPath"].as<std::string>(),
            "/etc/scheduler/zones.yaml");
  EXPECT_EQ(mounts[1]["subPath"].as<std::string>(), "zones.yaml");
  EXPECT_TRUE(mounts[1]["readOnly"].as<bool>());
  EXPECT_EQ(mounts[2]["mountPath"].as<std::string>(), "/var/lib/scheduler");
  EXPECT_EQ(docs[3]["kind"].as<std::string>(), "Service");
  EXPECT_EQ(docs[3]["spec"]["ports"][0]["port"].as<int>(), 8090);
}

TEST(MakeK8sManifest, NoSettingsNoExtras) {
  ManifestInput input = Scheduler();
  input.settings = {};
  input.files.clear();
  Result<std::string> text = MakeK8sManifest(input);
  ASSERT_TRUE(text.ok()) << text.message();
  std::vector<YAML::Node> docs = YAML::LoadAll(*text);
  ASSERT_EQ(docs.size(), 2u);
  const YAML::Node c = docs[0]["spec"]["template"]["spec"]["containers"][0];
  EXPECT_FALSE(c["args"]);  // the image's Cmd as it is
  EXPECT_FALSE(c["resources"]);
  EXPECT_FALSE(docs[0]["spec"]["strategy"]);
}

TEST(MakeK8sManifest, RefusesWhatKubernetesCannotTake) {
  ManifestInput bad_name = Scheduler();
  bad_name.name = "Sched_1";
  EXPECT_FALSE(MakeK8sManifest(bad_name).ok());
  ManifestInput by_tag = Scheduler();
  by_tag.image = "127.0.0.1:5000/x:latest";
  EXPECT_FALSE(MakeK8sManifest(by_tag).ok());
  ManifestInput bad_volume = Scheduler();
  bad_volume.settings.volumes = {{"my_data", "/data"}};
  EXPECT_FALSE(MakeK8sManifest(bad_volume).ok());
  ManifestInput writable = Scheduler();
  writable.settings.mounts[0].read_only = false;
  Status read = ReadMountedFiles(writable);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.message().find("use --volume"), std::string::npos);
}

}  // namespace
}  // namespace staticship::deploy
