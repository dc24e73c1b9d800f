#include "services/gateway/forwarding.h"

#include <charconv>

#include "common/base/strings.h"

namespace staticship::gateway {
namespace {

constexpr std::string_view kHopByHop[] = {"connection",
                                          "keep-alive",
                                          "proxy-connection",
                                          "proxy-authenticate",
                                          "proxy-authorization",
                                          "te",
                                          "trailer",
                                          "transfer-encoding",
                                          "upgrade"};

void AppendHeaderLine(std::string_view name, std::string_view value,
                      std::string* out) {
  out->append(name);
  out->append(": ");
  out->append(value);
  out->append("\r\n");
}

}  // namespace

HopByHop::HopByHop(const http::Headers& headers) {
  for (const http::Header& h : headers) {
    if (!http::EqualsIgnoreCase(h.name, "connection")) continue;
    std::string_view list = h.value;
    while (!list.empty()) {
      size_t comma = list.find(',');
      std::string_view token = Trim(list.substr(0, comma));
      if (!token.empty()) {
        if (count_ < first_.size()) {
          first_[count_++] = token;
        } else {
          more_.emplace_back(token);
        }
      }
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
}

bool HopByHop::operator()(std::string_view name) const {
  for (std::string_view h : kHopByHop) {
    if (http::EqualsIgnoreCase(name, h)) return true;
  }
  for (size_t i = 0; i < count_; ++i) {
    if (http::EqualsIgnoreCase(first_[i], name)) return true;
  }
  for (const std::string& token : more_) {
    if (http::EqualsIgnoreCase(token, name)) return true;
  }
  return false;
}

bool IsHopByHop(std::string_view name, const http::Headers& headers) {
  return HopByHop(headers)(name);
}

void RemoveHopByHop(http::Headers* headers) {
  HopByHop hop_by_hop(*headers);
  headers->RemoveIf([&](const http::Header& h) { return hop_by_hop(h.name); });
}

void AppendForwardedRequest(const http::Request& in, const ForwardedFrom& from,
                            std::string* out) {
  std::string& bytes = *out;
  bytes.reserve(bytes.size() + in.method.size() + in.target.size() + 256 +
                in.body.size());
  bytes.append(in.method);
  bytes.push_back(' ');
  if (!in.target.empty() && in.target.front() == '/') {
    bytes.append(in.target);
  } else {
    bytes.append(in.path);
    if (!in.query.empty()) {
      bytes.push_back('?');
      bytes.append(in.query);
    }
  }
  bytes.append(" HTTP/1.1\r\n");
  HopByHop hop_by_hop(in.headers);
  const std::string* xff = nullptr;
  bool has_host = false;
  bool has_proto = false;
  for (const http::Header& h : in.headers) {
    if (http::EqualsIgnoreCase(h.name, "x-forwarded-for")) {
      if (xff == nullptr) xff = &h.value;
      continue;
    }
    // The body is re-framed below.
    if (http::EqualsIgnoreCase(h.name, "content-length") ||
        hop_by_hop(h.name)) {
      continue;
    }
    if (http::EqualsIgnoreCase(h.name, "host")) has_host = true;
    if (http::EqualsIgnoreCase(h.name, "x-forwarded-proto")) has_proto = true;
    AppendHeaderLine(h.name, h.value, &bytes);
  }
  if (!from.generated_request_id.empty()) {
    AppendHeaderLine("X-Request-Id", from.generated_request_id, &bytes);
  }
  bytes.append("X-Forwarded-For: ");
  if (xff != nullptr) {
    bytes.append(*xff);
    bytes.append(", ");
  }
  bytes.append(from.peer);
  bytes.append("\r\n");
  if (!has_proto) bytes.append("X-Forwarded-Proto: http\r\n");
  if (!has_host) AppendHeaderLine("Host", from.upstream_host, &bytes);
  const std::string& m = in.method;
  if (!in.body.empty() || m == "POST" || m == "PUT" || m == "PATCH") {
    char digits[24];
    auto [end, ec] =
        std::to_chars(digits, digits + sizeof(digits), in.body.size());
    AppendHeaderLine(
        "Content-Length",
        std::string_view(digits, static_cast<size_t>(end - digits)), &bytes);
  }
  bytes.append("\r\n");
  bytes.append(in.body);
}

}  // namespace staticship::gateway
