// What one ECDSA P-256 operation costs shipctl, on the thread's own CPU
// clock (run it -c opt; docs/PERFORMANCE.md, "Publishing: TLS and
// signing"):
//
//   ecdsa_bench [--ops 200] [--rounds 5]
//
//   sign               PrivateKey::Sign with a key already used once, as a
//                      push signs its three payloads with one key
//   verify, fresh key  PublicKey::FromDer then Verify, as the verify gate
//                      checks each layer with a key of its own thread's
//   verify, same key   Verify with one key again and again
//
// Each line is the least over the rounds of the mean ms per operation
// (other processes only ever add time). Every signature must be the one
// that verified before timing began (they are deterministic), every
// verification must hold, and a tampered message must not verify, so a
// broken key fails the run instead of timing it. Linked with mimalloc, as
// the static shipctl is.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "common/base/flags.h"
#include "common/testing/thread_cpu.h"
#include "release/signing/keys.h"
#include "release/signing/random.h"

namespace staticship::signing {
namespace {

using staticship::testing::ThreadCpuNs;

// The least over `rounds` of the mean ms per call of `op`; -1 when a call
// returns false.
double LeastMsPerOp(int rounds, int ops, const std::function<bool()>& op) {
  double least = -1;
  for (int round = 0; round < rounds; ++round) {
    const int64_t start = ThreadCpuNs();
    for (int i = 0; i < ops; ++i) {
      if (!op()) return -1;
    }
    const double ms = static_cast<double>(ThreadCpuNs() - start) / 1e6 / ops;
    least = least < 0 ? ms : std::min(least, ms);
  }
  return least;
}

int Main(int argc, char** argv) {
  auto flags = Flags::Parse(ArgsFromArgv({argv + 1, argv + argc}),
                            {.values = {"ops", "rounds"}});
  if (!flags.ok()) {
    std::fprintf(stderr, "ecdsa_bench: %s\n", flags.message().c_str());
    return 2;
  }
  auto ops_flag = flags->GetInt("ops");
  auto rounds_flag = flags->GetInt("rounds");
  if (!ops_flag.ok() || !rounds_flag.ok()) {
    std::fprintf(stderr, "ecdsa_bench: --ops and --rounds take integers\n");
    return 2;
  }
  const int ops =
      static_cast<int>(std::max<int64_t>(1, ops_flag->value_or(200)));
  const int rounds =
      static_cast<int>(std::max<int64_t>(1, rounds_flag->value_or(5)));

  auto random = RandomSource::Create();
  if (!random.ok()) {
    std::fprintf(stderr, "ecdsa_bench: %s\n", random.message().c_str());
    return 1;
  }
  auto key = PrivateKey::Generate(**random);
  if (!key.ok()) {
    std::fprintf(stderr, "ecdsa_bench: %s\n", key.message().c_str());
    return 1;
  }
  const std::string message = "{\"critical\":{\"image\":{}}}";
  auto signature = key->Sign(message, **random);
  if (!signature.ok() || !key->Public().Verify(message, *signature) ||
      key->Public().Verify(message + " ", *signature)) {
    std::fprintf(stderr, "ecdsa_bench: the generated key does not verify\n");
    return 1;
  }
  const std::string der = key->Public().der();

  struct Case {
    const char* name;
    std::function<bool()> op;
  };
  const std::vector<Case> cases = {
      // Signatures are deterministic (RFC 6979): each must be the first.
      {"sign",
       [&] {
         auto s = key->Sign(message, **random);
         return s.ok() && *s == *signature;
       }},
      {"verify, fresh key",
       [&] {
         auto fresh = PublicKey::FromDer(der);
         return fresh.ok() && fresh->Verify(message, *signature);
       }},
      {"verify, same key",
       [&] { return key->Public().Verify(message, *signature); }},
  };
  std::printf("ECDSA P-256, %d operations per round, least of %d rounds\n", ops,
              rounds);
  for (const Case& c : cases) {
    const double ms = LeastMsPerOp(rounds, ops, c.op);
    if (ms < 0) {
      std::fprintf(stderr, "ecdsa_bench: %s failed\n", c.name);
      return 1;
    }
    std::printf("%-18s %7.3f ms\n", c.name, ms);
  }
  return 0;
}

}  // namespace
}  // namespace staticship::signing

int main(int argc, char** argv) {
  return staticship::signing::Main(argc, argv);
}
