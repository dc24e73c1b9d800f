#include "release/deploy/yaml_writer.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

namespace staticship::deploy {
namespace {

using json = nlohmann::ordered_json;

// yaml-cpp's view of a YAML node, as JSON, with scalars typed the way a
// YAML 1.1 reader types plain scalars (quoted ones stay strings).
json Reread(const YAML::Node& node) {
  if (node.IsMap()) {
    json out = json::object();
    for (const auto& entry : node)
      out[entry.first.as<std::string>()] = Reread(entry.second);
    return out;
  }
  if (node.IsSequence()) {
    json out = json::array();
    for (const auto& item : node) out.push_back(Reread(item));
    return out;
  }
  if (node.IsNull()) return nullptr;
  if (node.Tag() == "!") return node.Scalar();  // quoted or block: a string
  bool b = false;
  if (YAML::convert<bool>::decode(node, b)) return b;
  long long i = 0;
  if (YAML::convert<long long>::decode(node, i)) return i;
  double d = 0;
  if (YAML::convert<double>::decode(node, d)) return d;
  return node.Scalar();
}

void ExpectRoundTrip(const json& value) {
  const std::string text = ToYaml(value);
  json back = Reread(YAML::Load(text));
  EXPECT_EQ(back, value) << text;
}

TEST(ToYaml, AmbiguousStringsAreQuoted) {
  ExpectRoundTrip({{"port", "8080"},
                   {"yes", "no"},
                   {"flag", "true"},
                   {"off", "On"},
                   {"null", "~"},
                   {"float", "1.5"},
                   {"colon", "a: b"},
                   {"hash", "a #b"},
                   {"ref", "127.0.0.1:5000/x@sha256:ab"},
                   {"empty", ""},
                   {"lead", " x"},
                   {"dash", "-x"},
                   {"8080", 1}});
  EXPECT_EQ(ToYaml({{"a", "8080"}}), "a: \"8080\"\n");
  EXPECT_EQ(ToYaml({{"name", "gateway"}}), "name: gateway\n");
}

TEST(ToYaml, NumbersBoolsAndNesting) {
  json doc = {{"replicas", 1},
              {"on", true},
              {"list", {1, "two", {{"k", "v"}, {"k2", json::array()}}}},
              {"nested", {{"deeper", {{"x", json::object()}}}}},
              {"matrix", json::array({json::array({1, 2}), json::array()})}};
  ExpectRoundTrip(doc);
  EXPECT_EQ(ToYaml({{"items", {{{"a", 1}, {"b", 2}}}}}),
            "items:\n  - a: 1\n    b: 2\n");
}

TEST(ToYaml, MultiLineTextIsALiteralBlock) {
  const std::string file = "zones:\n  cn-1: {endpoints: [a:1]}\n\n# end\n";
  json doc = {{"data", {{"zones.yaml", file}}}};
  const std::string text = ToYaml(doc);
  EXPECT_NE(text.find("zones.yaml: |\n    zones:\n      cn-1:"),
            std::string::npos)
      << text;
  ExpectRoundTrip(doc);
  // Every chomping case survives.
  ExpectRoundTrip({{"none", "a\nb"}, {"one", "a\nb\n"}, {"two", "a\nb\n\n"}});
  // Text a block cannot hold verbatim is quoted instead.
  ExpectRoundTrip({{"lead", "  indented\nx\n"}, {"ctl", "a\x01\nb"}});
}

}  // namespace
}  // namespace staticship::deploy
