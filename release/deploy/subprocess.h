// Runs a helper program (runc) to completion with a deadline. The child is
// always reaped: on timeout it is killed, and a Subprocess that goes out of
// scope unwaited is killed and reaped too.
#ifndef STATICSHIP_RELEASE_DEPLOY_SUBPROCESS_H_
#define STATICSHIP_RELEASE_DEPLOY_SUBPROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/base/result.h"

namespace staticship::deploy {

struct ProcessResult {
  int exit_code = -1;  // 128+signal when killed by a signal
  std::string output;  // stdout and stderr, when captured
};

// output_fd < 0: stdout and stderr are captured into the result.
// output_fd >= 0: both go to that descriptor (for a child that leaves
// descendants holding its stdout, like `runc run --detach`).
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout,
                                 int output_fd = -1);

}  // namespace staticship::deploy

#endif  // STATICSHIP_RELEASE_DEPLOY_SUBPROCESS_H_
