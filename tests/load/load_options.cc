#include "tests/load/load_options.h"

#include <charconv>
#include <optional>
#include <tuple>

#include "common/base/file.h"
#include "common/base/flags.h"

namespace staticship::load {
namespace {

constexpr int kMaxConnections = 20000;
constexpr int kMaxThreads = 64;
constexpr double kMaxRate = 10e6;

Status ParseUrl(const std::string& url, LoadOptions* out) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--url: '" + url + "' is not an http:// URL");
  }
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  out->target = slash == std::string_view::npos
                    ? std::string("/")
                    : std::string(rest.substr(slash));
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--url: '" + url + "' has an unclosed '['");
    }
    out->host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() == ':') port_text = after.substr(1);
  } else {
    const size_t colon = authority.rfind(':');
    out->host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos)
      port_text = authority.substr(colon + 1);
  }
  if (out->host.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--url: '" + url + "' names no host");
  }
  if (!port_text.empty()) {
    int port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(),
                                     port_text.data() + port_text.size(), port);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() ||
        port < 1 || port > 65535) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--url: '" + url + "' has a bad port");
    }
    out->port = static_cast<uint16_t>(port);
  }
  return Status::Ok();
}

Status ParseHeader(const std::string& text, LoadOptions* out) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--header: '" + text + "' is not 'Name: value'");
  }
  size_t value_start = colon + 1;
  while (value_start < text.size() && text[value_start] == ' ') ++value_start;
  out->headers.emplace_back(text.substr(0, colon), text.substr(value_start));
  return Status::Ok();
}

// A duration flag, if given; `allow_zero` for the warm-up.
Status GetDuration(const Flags& flags, const std::string& name, bool allow_zero,
                   std::chrono::milliseconds* out) {
  std::optional<std::string> text = flags.Get(name);
  if (!text) return Status::Ok();
  Result<std::chrono::milliseconds> value = ParseDuration(*text);
  if (!value.ok()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--" + name + ": " + value.message());
  }
  if (!allow_zero && value->count() == 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--" + name + " must be more than 0");
  }
  *out = *value;
  return Status::Ok();
}

Status GetCount(const Flags& flags, const std::string& name, int lo, int hi,
                int* out) {
  Result<std::optional<int64_t>> value = flags.GetInt(name);
  if (!value.ok()) return value.error();
  if (!*value) return Status::Ok();
  if (**value < lo || **value > hi) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--" + name + " must be in [" + std::to_string(lo) + ", " +
                         std::to_string(hi) + "], not " +
                         std::to_string(**value));
  }
  *out = static_cast<int>(**value);
  return Status::Ok();
}

}  // namespace

std::string LoadUsage() {
  return "usage: loadgen --url http://HOST[:PORT][/PATH] (--rate R | "
         "--closed-loop)\n"
         "               [--connections C (16)] [--threads T (1)]\n"
         "               [--duration D (10s)] [--warmup D (1s)] "
         "[--timeout D (2s)]\n"
         "               [--method M (GET)] [--body TEXT | --body-file FILE]\n"
         "               [--header 'Name: value']... [--report FILE.json]\n"
         "  --rate R       requests per second, evenly spaced over the run,\n"
         "                 each timed from when it was due to be sent\n"
         "  --closed-loop  each connection sends as soon as it is answered\n"
         "  durations: 250ms, 10s, 2m\n";
}

Result<LoadOptions> ParseLoadOptions(std::span<const std::string> args) {
  Result<Flags> flags = Flags::Parse(
      args,
      {.values = {"url", "rate", "connections", "threads", "duration", "warmup",
                  "timeout", "method", "body", "body-file", "header", "report"},
       .switches = {"closed-loop", "help"}});
  if (!flags.ok())
    return MakeError(ErrorCode::kInvalidArgument, flags.message());
  LoadOptions options;
  if (flags->GetBool("help")) {
    options.help = true;
    return options;
  }
  Result<std::string> url = flags->Require("url");
  if (!url.ok()) return MakeError(ErrorCode::kInvalidArgument, url.message());
  if (Status s = ParseUrl(*url, &options); !s.ok()) return s.error();

  const bool closed_loop = flags->GetBool("closed-loop");
  Result<std::optional<double>> rate = flags->GetDouble("rate");
  if (!rate.ok()) return rate.error();
  if (closed_loop == rate->has_value()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "give exactly one of --rate R and --closed-loop");
  }
  if (*rate) {
    if (**rate <= 0 || **rate > kMaxRate) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--rate must be more than 0 and at most 10000000");
    }
    options.rate = **rate;
  }
  if (Status s = GetCount(*flags, "connections", 1, kMaxConnections,
                          &options.connections);
      !s.ok()) {
    return s.error();
  }
  if (Status s = GetCount(*flags, "threads", 1, kMaxThreads, &options.threads);
      !s.ok()) {
    return s.error();
  }
  if (options.threads > options.connections) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--threads (" + std::to_string(options.threads) +
                         ") must not exceed --connections (" +
                         std::to_string(options.connections) + ")");
  }
  for (auto [name, allow_zero, out] :
       {std::tuple{"duration", false, &options.duration},
        std::tuple{"warmup", true, &options.warmup},
        std::tuple{"timeout", false, &options.timeout}}) {
    if (Status s = GetDuration(*flags, name, allow_zero, out); !s.ok()) {
      return s.error();
    }
  }
  options.method = flags->GetOr("method", options.method);
  if (options.method.empty() ||
      options.method.find_first_of(" \r\n") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--method: '" + options.method + "' is not a method");
  }
  if (flags->Has("body") && flags->Has("body-file")) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "give at most one of --body and --body-file");
  }
  options.body = flags->GetOr("body", "");
  if (std::optional<std::string> file = flags->Get("body-file")) {
    Result<std::string> body = ReadWholeFile(*file);
    if (!body.ok()) return WithContext(body.error(), "--body-file");
    options.body = std::move(*body);
  }
  for (const std::string& header : flags->GetAll("header")) {
    if (Status s = ParseHeader(header, &options); !s.ok()) return s.error();
  }
  options.report_path = flags->GetOr("report", "");
  return options;
}

}  // namespace staticship::load
