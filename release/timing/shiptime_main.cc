// shiptime: turns Bazel profiles and tool timings into records, and records
// into the static-against-dynamic report. See docs/timing.md.
#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "release/timing/commands.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const staticship::timing::Environment environment{
      std::chrono::system_clock::now(),
      static_cast<int>(std::thread::hardware_concurrency())};
  return staticship::timing::RunShiptime(args, environment, std::cout,
                                         std::cerr);
}
