// The port files through which the benchmarks and the processes they drive
// find each other: a process writes its port once it listens (atomically,
// so a reader never sees half a number), the other side polls for it.
#ifndef STATICSHIP_SERVICES_SCHEDULER_TESTING_PORT_FILE_H_
#define STATICSHIP_SERVICES_SCHEDULER_TESTING_PORT_FILE_H_

#include <chrono>
#include <string>

namespace staticship::scheduler::testing {

// The positive number in `file`, waiting up to `timeout` for the file to
// appear (its writer may still be starting); 0 when none came in time. The
// scheduler's pid file has the same shape, so it is read the same way.
long ReadPort(const std::string& file,
              std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace staticship::scheduler::testing

#endif  // STATICSHIP_SERVICES_SCHEDULER_TESTING_PORT_FILE_H_
