#include "release/policy/cvss.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace staticship::policy {
namespace {

// CVSS v3.1 Appendix A: round up to one decimal on an integer so that
// floating-point noise (4.000000001) does not push a score up a tenth.
double Roundup(double input) {
  const int64_t int_input = std::llround(input * 100000.0);
  if (int_input % 10000 == 0) return static_cast<double>(int_input) / 100000.0;
  return (std::floor(static_cast<double>(int_input) / 10000.0) + 1.0) / 10.0;
}

// Values each temporal and environmental metric may take (spec section 6):
// accepted so a full vector parses, and ignored for the base score.
const std::map<std::string, std::set<std::string>>& NonBaseMetrics() {
  static const auto* metrics = new std::map<std::string, std::set<std::string>>{
      {"E", {"X", "H", "F", "P", "U"}},
      {"RL", {"X", "U", "W", "T", "O"}},
      {"RC", {"X", "C", "R", "U"}},
      {"CR", {"X", "H", "M", "L"}},
      {"IR", {"X", "H", "M", "L"}},
      {"AR", {"X", "H", "M", "L"}},
      {"MAV", {"X", "N", "A", "L", "P"}},
      {"MAC", {"X", "L", "H"}},
      {"MPR", {"X", "N", "L", "H"}},
      {"MUI", {"X", "N", "R"}},
      {"MS", {"X", "U", "C"}},
      {"MC", {"X", "N", "L", "H"}},
      {"MI", {"X", "N", "L", "H"}},
      {"MA", {"X", "N", "L", "H"}},
  };
  return *metrics;
}

}  // namespace

Result<double> CvssV3BaseScore(std::string_view vector) {
  const std::string text(vector);
  auto fail = [&](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "CVSS vector '" + text + "': " + why);
  };
  if (vector.rfind("CVSS:3.1/", 0) != 0 && vector.rfind("CVSS:3.0/", 0) != 0) {
    return fail("does not start with CVSS:3.1/ or CVSS:3.0/");
  }
  std::map<std::string, std::string> base;
  std::set<std::string> seen;
  std::string_view rest = vector.substr(9);
  while (true) {
    const size_t slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    const size_t colon = part.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        colon + 1 == part.size()) {
      return fail("'" + std::string(part) + "' is not METRIC:VALUE");
    }
    const std::string key(part.substr(0, colon));
    const std::string value(part.substr(colon + 1));
    if (!seen.insert(key).second) return fail(key + " appears twice");
    static const std::set<std::string> kBaseKeys = {"AV", "AC", "PR", "UI",
                                                    "S",  "C",  "I",  "A"};
    if (kBaseKeys.count(key)) {
      base[key] = value;
    } else {
      auto it = NonBaseMetrics().find(key);
      if (it == NonBaseMetrics().end()) return fail("unknown metric " + key);
      if (!it->second.count(value)) {
        return fail("invalid value " + value + " for " + key);
      }
    }
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  for (const char* key : {"AV", "AC", "PR", "UI", "S", "C", "I", "A"}) {
    if (!base.count(key))
      return fail(std::string("base metric ") + key + " is missing");
  }
  const bool changed = base["S"] == "C";
  if (base["S"] != "U" && !changed) return fail("invalid value for S");

  // Section 7.4, Table 16: the metric values.
  auto pick = [&](const std::string& key,
                  const std::map<std::string, double>& values) -> double {
    auto it = values.find(base[key]);
    return it == values.end() ? -1.0 : it->second;
  };
  const double av =
      pick("AV", {{"N", 0.85}, {"A", 0.62}, {"L", 0.55}, {"P", 0.2}});
  const double ac = pick("AC", {{"L", 0.77}, {"H", 0.44}});
  const double pr = changed
                        ? pick("PR", {{"N", 0.85}, {"L", 0.68}, {"H", 0.5}})
                        : pick("PR", {{"N", 0.85}, {"L", 0.62}, {"H", 0.27}});
  const double ui = pick("UI", {{"N", 0.85}, {"R", 0.62}});
  const std::map<std::string, double> cia = {
      {"H", 0.56}, {"L", 0.22}, {"N", 0.0}};
  const double c = pick("C", cia);
  const double i = pick("I", cia);
  const double a = pick("A", cia);
  for (const auto& [key, value] : std::map<std::string, double>{{"AV", av},
                                                                {"AC", ac},
                                                                {"PR", pr},
                                                                {"UI", ui},
                                                                {"C", c},
                                                                {"I", i},
                                                                {"A", a}}) {
    if (value < 0) return fail("invalid value " + base[key] + " for " + key);
  }

  // Section 7.1: the base equations.
  const double iss = 1.0 - ((1.0 - c) * (1.0 - i) * (1.0 - a));
  const double impact =
      changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15)
              : 6.42 * iss;
  const double exploitability = 8.22 * av * ac * pr * ui;
  if (impact <= 0) return 0.0;
  if (changed) return Roundup(std::min(1.08 * (impact + exploitability), 10.0));
  return Roundup(std::min(impact + exploitability, 10.0));
}

}  // namespace staticship::policy
