// Time per memcpy and memchr call at the sizes a proxy copies and scans
// (header lines, small bodies) and a few larger ones, through the C
// library the binary links: run it from the static build and from
// --config=dynamic (glibc) to compare them on the same machine.
//
//   bazel run -c opt //toolchains/libc:string_bench
//   bazel run -c opt --config=dynamic //toolchains/libc:string_bench
//
// memcpy copies between buffers at the 16 source/destination alignments in
// turn; memchr looks for a byte that is the last of the `size` it searches,
// from the 16 alignments in turn. Each figure is the median of --rounds rounds
// of the calling thread's CPU time per call.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/base/flags.h"
#include "common/testing/thread_cpu.h"

namespace {

void* (*volatile const kMemcpy)(void*, const void*, std::size_t) = std::memcpy;
const void* (*volatile const kMemchr)(const void*, int,
                                      std::size_t) = std::memchr;

template <typename Call>
double MedianNsPerCall(std::size_t calls, int rounds, Call call) {
  std::vector<double> per_round;
  for (int r = 0; r < rounds; ++r) {
    const std::int64_t start = staticship::testing::ThreadCpuNs();
    for (std::size_t i = 0; i < calls; ++i) call(i);
    per_round.push_back(
        static_cast<double>(staticship::testing::ThreadCpuNs() - start) /
        static_cast<double>(calls));
  }
  std::sort(per_round.begin(), per_round.end());
  return per_round[per_round.size() / 2];
}

// About 64 MiB touched per round, at least 20,000 calls.
std::size_t CallsFor(std::size_t size) {
  return std::max<std::size_t>(20000, (64u << 20) / (size + 1));
}

double MemcpyNs(std::size_t size, int rounds) {
  std::vector<unsigned char> src(size + 64, 1), dst(size + 64);
  return MedianNsPerCall(CallsFor(size), rounds, [&](std::size_t i) {
    kMemcpy(dst.data() + (i & 15), src.data() + ((i >> 4) & 15), size);
  });
}

double MemchrNs(std::size_t size, int rounds) {
  // One buffer per start alignment, each with the byte only at the last
  // position searched, so that every call scans exactly `size` bytes.
  std::vector<std::vector<unsigned char>> bufs(16);
  for (std::size_t offset = 0; offset < 16; ++offset) {
    bufs[offset].assign(size + 64, 'a');
    bufs[offset][offset + size - 1] = '\n';
  }
  std::size_t wrong = 0;
  const double ns = MedianNsPerCall(CallsFor(size), rounds, [&](std::size_t i) {
    const std::size_t offset = i & 15;
    const unsigned char* start = bufs[offset].data() + offset;
    wrong += kMemchr(start, '\n', size) != start + size - 1;
  });
  if (wrong != 0) {
    // A memchr that answers wrongly fails the run instead of being timed.
    std::fprintf(stderr, "string_bench: memchr missed the byte in %zu calls\n",
                 wrong);
    std::exit(1);
  }
  return ns;
}

}  // namespace

int main(int argc, char** argv) {
  auto flags = staticship::Flags::Parse(
      staticship::ArgsFromArgv({argv + 1, argv + argc}),
      {.values = {"rounds"}});
  if (!flags.ok()) {
    std::fprintf(stderr, "string_bench: %s\n", flags.error().message.c_str());
    return 2;
  }
  auto rounds_flag = flags->GetInt("rounds");
  if (!rounds_flag.ok()) {
    std::fprintf(stderr, "string_bench: --rounds takes a number\n");
    return 2;
  }
  const int rounds =
      static_cast<int>(std::max<std::int64_t>(1, rounds_flag->value_or(7)));
  std::printf("| bytes | ns per memcpy | ns per memchr |\n|---:|---:|---:|\n");
  for (std::size_t size : {8u, 24u, 48u, 100u, 160u, 256u, 512u, 1024u, 2048u,
                           4096u, 16384u, 65536u}) {
    std::printf("| %zu | %.2f | %.2f |\n", size, MemcpyNs(size, rounds),
                MemchrNs(size, rounds));
  }
  return 0;
}
