// One command-line grammar for every staticship binary and subcommand, so a
// flag is spelt the same way wherever it is given:
//
//   --name=value, --name value   a flag that takes a value; repeatable, Get()
//                                is the last value and GetAll() every one
//   --name, --no-name            a switch: on, off
//   anything else                a positional argument (where the command
//                                takes any)
//
// An unknown flag, a switch given "=value" and a value flag without a value
// are errors returned by Parse(), never ignored: a misspelt flag must not
// silently become a default.
#ifndef STATICSHIP_COMMON_BASE_FLAGS_H_
#define STATICSHIP_COMMON_BASE_FLAGS_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace staticship {

struct FlagSpec {
  // Every member has a default, so a designated initializer may leave any
  // out (gcc warns about a member without one).
  std::set<std::string> values{};    // flags that take a value
  std::set<std::string> switches{};  // flags that are on or off
  bool positionals = false;          // whether other arguments are accepted
};

class Flags {
 public:
  static Result<Flags> Parse(std::span<const std::string> args,
                             const FlagSpec& spec);

  // Whether the flag was given at all (a switch: either way).
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // The last value of a value flag.
  std::optional<std::string> Get(const std::string& name) const;
  std::string GetOr(const std::string& name, std::string fallback) const;
  // Every value of a repeatable flag, in command-line order.
  std::vector<std::string> GetAll(const std::string& name) const;
  // A switch: the last of --name (true) and --no-name (false) given.
  bool GetBool(const std::string& name, bool fallback = false) const;
  // The value; "--name is required" when absent or empty.
  Result<std::string> Require(const std::string& name) const;
  // The value as a number; nullopt when absent, an error when not a number.
  Result<std::optional<std::int64_t>> GetInt(const std::string& name) const;
  Result<std::optional<double>> GetDouble(const std::string& name) const;

  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
};

// argv as strings (main's argv + 1, or a subcommand's arguments).
std::vector<std::string> ArgsFromArgv(std::span<char* const> argv);

// A command line as the release tools take it: "@FILE" arguments expanded
// (see ExpandParamFiles), then parsed.
Result<Flags> ParseCommandLine(std::span<char* const> argv,
                               const FlagSpec& spec);

// How every shipctl subcommand starts: ParseCommandLine with `spec` plus
// a --help switch. --help prints `usage` to stdout (exit status 0); a bad
// command line prints "COMMAND: why" and the usage to stderr (status 2).
// Either way `flags` is empty and the command returns `exit_code`.
struct ParsedCommand {
  std::optional<Flags> flags;
  int exit_code = 0;
};
ParsedCommand ParseCommand(std::string_view command,
                           std::span<char* const> argv, FlagSpec spec,
                           std::string_view usage);

// A command's failure: prints "COMMAND: message" to stderr and gives the
// exit status 1, so that `return fail(why);` ends the command.
class CommandFailure {
 public:
  explicit CommandFailure(std::string_view command) : command_(command) {}
  int operator()(std::string_view message) const;

 private:
  std::string command_;
};

// Replaces each "@path" argument with the lines of that file, Bazel's
// "multiline" params file format (one argument a line, no quoting), which it
// uses for long command lines.
Result<std::vector<std::string>> ExpandParamFiles(
    std::span<const std::string> args);

// "250ms", "10s", "2m", or a bare number of seconds.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

}  // namespace staticship

#endif  // STATICSHIP_COMMON_BASE_FLAGS_H_
