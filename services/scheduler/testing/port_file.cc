#include "services/scheduler/testing/port_file.h"

#include <charconv>
#include <thread>

#include "common/base/file.h"

namespace staticship::scheduler::testing {

long ReadPort(const std::string& file, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (Result<std::string> text = ReadWholeFile(file); text.ok()) {
      long value = 0;
      auto [end, ec] =
          std::from_chars(text->data(), text->data() + text->size(), value);
      if (ec == std::errc() && value > 0) return value;
    }
    if (std::chrono::steady_clock::now() >= deadline) return 0;
    // Polling: the writer is another process and leaves no other signal.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace staticship::scheduler::testing
