#include "common/http/client.h"

#include <cstdlib>

#include "common/http/parser.h"
#include "common/http/tls_context.h"
#include "common/http/tls_stream.h"

namespace staticship::http {
namespace {

std::string HostHeader(const Url& url) {
  std::string host =
      url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  if (url.port != (url.tls ? 443 : 80)) host += ":" + std::to_string(url.port);
  return host;
}

}  // namespace

Result<Url> ParseUrl(std::string_view url) {
  Url out;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
    out.tls = true;
    out.port = 443;
  } else {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "unsupported URL (only http:// and https://): " + std::string(url));
  }
  size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  out.target =
      slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (out.target.front() == '?') out.target.insert(0, "/");
  if (authority.empty())
    return MakeError(ErrorCode::kInvalidArgument,
                     "URL without host: " + std::string(url));
  std::string_view port;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return MakeError(ErrorCode::kInvalidArgument, "bad IPv6 URL");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return MakeError(ErrorCode::kInvalidArgument, "bad URL port");
      port = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty())
    return MakeError(ErrorCode::kInvalidArgument,
                     "URL without host: " + std::string(url));
  if (!port.empty()) {
    unsigned value = 0;
    if (port.size() > 5)
      return MakeError(ErrorCode::kInvalidArgument, "bad URL port");
    for (char c : port) {
      if (c < '0' || c > '9')
        return MakeError(ErrorCode::kInvalidArgument, "bad URL port");
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535)
      return MakeError(ErrorCode::kInvalidArgument, "bad URL port");
    out.port = static_cast<uint16_t>(value);
  }
  return out;
}

std::string ResolveLocation(std::string_view base_url,
                            std::string_view location) {
  if (location.substr(0, 7) == "http://" ||
      location.substr(0, 8) == "https://") {
    return std::string(location);
  }
  size_t scheme_end = base_url.find("://");
  size_t path_start = scheme_end == std::string_view::npos
                          ? 0
                          : base_url.find('/', scheme_end + 3);
  std::string_view origin = base_url.substr(0, path_start);
  if (!location.empty() && location.front() == '/') {
    return std::string(origin) + std::string(location);
  }
  // Relative path: replace the last segment of the base path.
  std::string_view path = path_start == std::string_view::npos
                              ? std::string_view("/")
                              : base_url.substr(path_start);
  path = path.substr(0, path.find('?'));
  path = path.substr(0, path.rfind('/') + 1);
  return std::string(origin) + std::string(path) + std::string(location);
}

bool IsRetryable(const Error& error) {
  return error.code == ErrorCode::kUnavailable ||
         error.code == ErrorCode::kDeadlineExceeded;
}

Client::Client(ClientOptions options) : options_(std::move(options)) {}

Client::~Client() = default;

size_t Client::idle_connections() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [key, streams] : idle_) n += streams.size();
  return n;
}

std::unique_ptr<Stream> Client::TakeIdle(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = idle_.find(key);
  while (it != idle_.end() && !it->second.empty()) {
    std::unique_ptr<Stream> stream = std::move(it->second.back());
    it->second.pop_back();
    if (stream->IdleAndOpen()) return stream;
  }
  return nullptr;
}

void Client::ReturnIdle(const std::string& key,
                        std::unique_ptr<Stream> stream) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::unique_ptr<Stream>>& streams = idle_[key];
  if (streams.size() >= options_.max_idle_per_host) return;
  streams.push_back(std::move(stream));
}

Result<std::shared_ptr<TlsContext>> Client::Tls() {
  std::lock_guard<std::mutex> lock(mu_);
  if (tls_ == nullptr) tls_ = options_.tls;
  if (tls_ == nullptr) {
    Result<std::shared_ptr<TlsContext>> system =
        TlsContext::FromSystemStore(std::getenv);
    if (!system.ok()) return system.error();
    tls_ = *system;
  }
  return tls_;
}

Result<std::unique_ptr<Stream>> Client::Open(const Url& url,
                                             Clock::time_point deadline) {
  Result<UniqueFd> fd = ConnectTcp(url.host, url.port, deadline);
  if (!fd.ok()) return fd.error();
  if (!url.tls) {
    return std::unique_ptr<Stream>(new PlainStream(std::move(*fd)));
  }
  Result<std::shared_ptr<TlsContext>> tls = Tls();
  if (!tls.ok()) return tls.error();
  Result<std::unique_ptr<TlsStream>> stream =
      TlsStream::Handshake(std::move(*fd), *tls, url.host, url.port, deadline);
  if (!stream.ok()) return stream.error();
  return std::unique_ptr<Stream>(std::move(*stream));
}

namespace {

// The pool's key for `url`'s origin: http and https apart.
std::string PoolKey(const Url& url) {
  return (url.tls ? "https://" : "http://") + url.host + ":" +
         std::to_string(url.port);
}

}  // namespace

Status Client::Preconnect(std::string_view url_text) {
  Result<Url> url = ParseUrl(url_text);
  if (!url.ok()) return url.error();
  Result<std::unique_ptr<Stream>> opened =
      Open(*url, Clock::now() + options_.connect_timeout);
  if (!opened.ok()) return opened.error();
  ReturnIdle(PoolKey(*url), std::move(*opened));
  return Status::Ok();
}

Result<Response> Client::Send(const ClientRequest& request) {
  Result<Url> url = ParseUrl(request.url);
  if (!url.ok()) return url.error();
  bool retry_fresh = false;
  Result<Response> r = SendOnce(request, *url, true, &retry_fresh);
  if (!r.ok() && retry_fresh)
    return SendOnce(request, *url, false, &retry_fresh);
  return r;
}

Result<Response> Client::SendOnce(const ClientRequest& request, const Url& url,
                                  bool allow_reuse, bool* retry_fresh) {
  *retry_fresh = false;
  auto timeout =
      request.timeout.count() > 0 ? request.timeout : options_.timeout;
  Clock::time_point deadline = Clock::now() + timeout;
  // For people: "host:port"; the pool also tells http from https.
  std::string key = url.host + ":" + std::to_string(url.port);
  std::string pool_key = PoolKey(url);

  std::unique_ptr<Stream> stream;
  if (allow_reuse) stream = TakeIdle(pool_key);
  const bool reused = stream != nullptr;
  if (!reused) {
    auto connect_deadline =
        std::min(deadline, Clock::now() + options_.connect_timeout);
    Result<std::unique_ptr<Stream>> opened = Open(url, connect_deadline);
    if (!opened.ok()) return opened.error();
    stream = std::move(*opened);
  }

  Request wire;
  wire.method = request.method;
  wire.target = url.target;
  wire.headers = request.headers;
  if (!wire.headers.Has("host")) wire.headers.Add("Host", HostHeader(url));
  if (!wire.headers.Has("user-agent") && !options_.user_agent.empty()) {
    wire.headers.Add("User-Agent", options_.user_agent);
  }
  std::string head;  // the body is sent from `request` without a copy
  AppendRequestHead(wire, request.body.size(), &head);
  Status sent = stream->WriteAll(head, deadline);
  if (sent.ok()) sent = stream->WriteAll(request.body, deadline);
  // A server may answer early (413, 401) and close while we still send; its
  // answer is then waiting in our receive buffer, so read before failing.
  bool send_failed = !sent.ok();

  ResponseParser parser(
      ParserLimits{.max_header_bytes = options_.max_response_header,
                   .max_body_bytes = options_.max_response_body});
  parser.ExpectResponseTo(request.method);
  bool got_bytes = false;
  char buf[64 * 1024];
  while (true) {
    ParseStatus s = parser.Next();
    if (s == ParseStatus::kComplete) {
      Response resp = parser.TakeMessage();
      if (resp.status >= 100 && resp.status < 200 && resp.status != 101) {
        continue;  // interim response; the final one follows
      }
      bool reusable = resp.keep_alive && parser.idle() &&
                      !HasToken(request.headers.Get("connection")
                                    ? *request.headers.Get("connection")
                                    : std::string_view(),
                                "close");
      if (reusable) ReturnIdle(pool_key, std::move(stream));
      return resp;
    }
    if (s == ParseStatus::kError) {
      if (send_failed) return sent.error();
      return TaggedError(
          ErrorCode::kInternal, "protocol",
          "bad response from " + key + ": " + parser.error_detail());
    }
    Result<size_t> n = stream->Read(buf, sizeof(buf), deadline);
    if (!n.ok()) {
      if (send_failed) return sent.error();
      if (n.code() == ErrorCode::kDeadlineExceeded) {
        return TimeoutError("waiting for response from " + key);
      }
      return n.error();
    }
    if (*n > 0) {
      got_bytes = true;
      parser.Feed(std::string_view(buf, *n));
      continue;
    }
    // EOF (or reset): completes a close-delimited body, otherwise truncation.
    parser.FeedEof();
    if (parser.Next() == ParseStatus::kComplete) continue;
    *retry_fresh = reused && !got_bytes;
    if (send_failed) return sent.error();
    return UnavailableError(
        "reset", "connection to " + key + " closed before a complete response");
  }
}

Result<Response> Client::Get(std::string_view url) {
  ClientRequest r;
  r.url = std::string(url);
  return Send(r);
}

Result<Response> Client::Post(std::string_view url, std::string body,
                              std::string_view content_type) {
  ClientRequest r;
  r.method = "POST";
  r.url = std::string(url);
  r.body = std::move(body);
  r.headers.Add("Content-Type", std::string(content_type));
  return Send(r);
}

}  // namespace staticship::http
