#include "release/deploy/cgroup_limits.h"

#include <fstream>
#include <set>
#include <tuple>

namespace staticship::deploy {
namespace {

namespace fs = std::filesystem;

std::set<std::string> Words(const fs::path& file) {
  std::set<std::string> words;
  std::ifstream in(file);
  for (std::string word; in >> word;) words.insert(word);
  return words;
}

}  // namespace

std::vector<std::string> MissingLimitControllers(const fs::path& cgroup_root,
                                                 bool memory, bool cpu) {
  std::vector<std::string> missing;
  std::error_code ec;
  const fs::path unified = cgroup_root / "cgroup.controllers";
  if (fs::exists(unified, ec)) {
    const std::set<std::string> controllers = Words(unified);
    for (auto [wanted, flag, name] : {std::tuple{memory, "--memory", "memory"},
                                      std::tuple{cpu, "--cpus", "cpu"}}) {
      if (wanted && !controllers.contains(name)) {
        missing.push_back(std::string(flag) + " needs the cgroup v2 '" + name +
                          "' controller, which " + unified.string() +
                          " does not list");
      }
    }
    return missing;
  }
  if (memory) {
    const fs::path limit = cgroup_root / "memory" / "memory.limit_in_bytes";
    if (!fs::exists(limit, ec)) {
      missing.push_back("--memory needs the cgroup v1 memory controller, and " +
                        limit.string() + " does not exist");
    }
  }
  if (cpu) {
    const fs::path quota = cgroup_root / "cpu" / "cpu.cfs_quota_us";
    const fs::path joint = cgroup_root / "cpu,cpuacct" / "cpu.cfs_quota_us";
    if (!fs::exists(quota, ec) && !fs::exists(joint, ec)) {
      missing.push_back(
          "--cpus needs the cgroup v1 cpu controller with CFS quotas, and " +
          quota.string() + " does not exist");
    }
  }
  return missing;
}

}  // namespace staticship::deploy
