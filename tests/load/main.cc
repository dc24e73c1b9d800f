// loadgen: an open-loop HTTP/1.1 load generator (see README.md).
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "common/base/file.h"
#include "common/base/flags.h"
#include "tests/load/load_options.h"
#include "tests/load/load_report.h"
#include "tests/load/load_run.h"

int main(int argc, char** argv) {
  using namespace staticship;
  Result<load::LoadOptions> options =
      load::ParseLoadOptions(ArgsFromArgv({argv + 1, argv + argc}));
  if (!options.ok()) {
    std::fprintf(stderr, "loadgen: error: %s (see loadgen --help)\n",
                 options.message().c_str());
    return 2;
  }
  if (options->help) {
    std::fputs(load::LoadUsage().c_str(), stdout);
    return 0;
  }
  // Checked before the run, which may take minutes, rather than after it.
  if (!options->report_path.empty()) {
    const std::filesystem::path dir =
        std::filesystem::absolute(options->report_path).parent_path();
    if (!std::filesystem::is_directory(dir)) {
      std::fprintf(stderr, "loadgen: error: --report: no directory %s\n",
                   dir.c_str());
      return 2;
    }
  }
  // A server that resets a connection must cost one counted error, not the
  // process.
  ::signal(SIGPIPE, SIG_IGN);
  Result<load::LoadResult> result = load::RunLoad(*options);
  if (!result.ok()) {
    std::fprintf(stderr, "loadgen: error: %s\n", result.message().c_str());
    return 1;
  }
  std::fputs(load::ReportText(*options, *result).c_str(), stdout);
  if (!options->report_path.empty()) {
    Status written = WriteFileAtomically(options->report_path,
                                         load::ReportJson(*options, *result));
    if (!written.ok()) {
      std::fprintf(stderr, "loadgen: error: %s\n", written.message().c_str());
      return 1;
    }
  }
  return 0;
}
