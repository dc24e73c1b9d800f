// A CpuProfile as pprof's profile.proto (github.com/google/pprof,
// proto/profile.proto), gzipped as `go tool pprof` expects:
//
//   sample_type  [samples/count, cpu/nanoseconds], the default "cpu"
//   sample       location ids leaf first; values [count, count * period];
//                label thread = the thread's name
//   location     one per distinct address: the interrupted pc for the leaf,
//                return address - 1 for callers (inside the call
//                instruction, so pprof shows the calling line)
//   mapping      the executable mappings of /proc/self/maps holding a
//                sampled address, the program's first (pprof takes mapping
//                1 as the main binary), each with its GNU build id; a
//                mapping starts where its object's executable segment
//                starts, not at the page boundary below it (lld does not
//                page-align segments, and `go tool pprof` takes the
//                segment's address as the mapping's start)
//   function     what `namer` names (the program's own .symtab), mangled
//                as pprof expects to demangle it; such mappings say
//                has_functions
//   period_type  cpu/nanoseconds, period 1e9/hz; time_nanos, duration_nanos
//   comment      what the profile cost (setup, teardown, handler time)
//
// Debian's `go tool pprof` symbolizes only from DWARF, which our default
// builds do not keep, so the profile names the program's functions itself
// whenever the running binary has a .symtab; pprof then needs no binary to
// name them. Addresses it cannot name are left to pprof, which symbolizes
// them from the binary or symbol file matched by build id, and
// `-symbolize=force` with a --config=symbols binary adds line numbers.
#ifndef STATICSHIP_COMMON_DIAGNOSTICS_PPROF_ENCODER_H_
#define STATICSHIP_COMMON_DIAGNOSTICS_PPROF_ENCODER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "common/base/result.h"
#include "common/diagnostics/cpu_profiler.h"

namespace staticship::diagnostics {

// The function holding a code address, spelt as the binary's symbol table
// has it (mangled); "" when unknown.
using FunctionNamer = std::function<std::string(uint64_t address)>;

// The uncompressed protobuf bytes.
std::string EncodeProfileProto(const CpuProfile& profile,
                               const FunctionNamer& namer = nullptr);
// What /debug/pprof/profile serves.
Result<std::string> EncodeGzippedProfile(const CpuProfile& profile,
                                         const FunctionNamer& namer = nullptr);

}  // namespace staticship::diagnostics

#endif  // STATICSHIP_COMMON_DIAGNOSTICS_PPROF_ENCODER_H_
