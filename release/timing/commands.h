// The shiptime subcommands, separate from main() so tests can run them
// with a fixed clock and capture their output.
#ifndef STATICSHIP_RELEASE_TIMING_COMMANDS_H_
#define STATICSHIP_RELEASE_TIMING_COMMANDS_H_

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

namespace staticship::timing {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitRegression = 3;

struct Environment {
  std::chrono::system_clock::time_point now;
  int host_cpus = 0;
};

// args excludes the program name: {"report", "--records", …}.
int RunShiptime(const std::vector<std::string>& args,
                const Environment& environment, std::ostream& out,
                std::ostream& err);

}  // namespace staticship::timing

#endif  // STATICSHIP_RELEASE_TIMING_COMMANDS_H_
