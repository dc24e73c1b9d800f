#include "common/http/message.h"

#include <charconv>
#include <cstdio>

#include "common/base/strings.h"

namespace staticship::http {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

void AppendHeader(std::string_view name, std::string_view value,
                  std::string* out) {
  out->append(name);
  out->append(": ");
  out->append(value);
  out->append("\r\n");
}

void AppendContentLength(size_t n, std::string* out) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), n);
  AppendHeader("Content-Length",
               std::string_view(digits, static_cast<size_t>(end - digits)),
               out);
}

}  // namespace

namespace internal {
bool EqualsIgnoreCaseSameSize(std::string_view a, std::string_view b) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}
}  // namespace internal

bool HasToken(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = Trim(list.substr(0, comma));
    if (EqualsIgnoreCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

void Headers::Add(std::string name, std::string value) {
  items_.push_back(Header{std::move(name), std::move(value)});
}

void Headers::Set(std::string_view name, std::string value) {
  Remove(name);
  items_.push_back(Header{std::string(name), std::move(value)});
}

size_t Headers::Remove(std::string_view name) {
  size_t before = items_.size();
  std::erase_if(
      items_, [&](const Header& h) { return EqualsIgnoreCase(h.name, name); });
  return before - items_.size();
}

const std::string* Headers::Get(std::string_view name) const {
  for (const Header& h : items_) {
    if (EqualsIgnoreCase(h.name, name)) return &h.value;
  }
  return nullptr;
}

std::vector<std::string_view> Headers::GetAll(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const Header& h : items_) {
    if (EqualsIgnoreCase(h.name, name)) out.push_back(h.value);
  }
  return out;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

bool ResponseHasNoBody(std::string_view request_method, int status) {
  return request_method == "HEAD" || (status >= 100 && status < 200) ||
         status == 204 || status == 304;
}

void AppendRequestHead(const Request& request, size_t body_size,
                       std::string* out) {
  out->append(request.method);
  out->push_back(' ');
  if (!request.target.empty()) {
    out->append(request.target);
  } else {
    out->append(request.path.empty() ? std::string_view("/")
                                     : std::string_view(request.path));
    if (!request.query.empty()) {
      out->push_back('?');
      out->append(request.query);
    }
  }
  out->append(request.version_minor == 0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
  for (const Header& h : request.headers) {
    if (EqualsIgnoreCase(h.name, "content-length") ||
        EqualsIgnoreCase(h.name, "transfer-encoding")) {
      continue;
    }
    AppendHeader(h.name, h.value, out);
  }
  const std::string& m = request.method;
  if (body_size > 0 || m == "POST" || m == "PUT" || m == "PATCH") {
    AppendContentLength(body_size, out);
  }
  out->append("\r\n");
}

void AppendResponse(const Response& response, bool head_request, bool close,
                    int peer_version_minor, std::string* out) {
  std::string_view reason = response.reason.empty()
                                ? ReasonPhrase(response.status)
                                : std::string_view(response.reason);
  int status = response.status;
  if (status >= 100 && status <= 999) {
    // The common case without snprintf, which is slow (locale, varargs).
    char line[] = "HTTP/1.1 000 ";
    line[9] = static_cast<char>('0' + status / 100);
    line[10] = static_cast<char>('0' + status / 10 % 10);
    line[11] = static_cast<char>('0' + status % 10);
    out->append(line, sizeof(line) - 1);
  } else {
    char line[64];
    int n = std::snprintf(line, sizeof(line), "HTTP/1.1 %03d ", status);
    out->append(line, static_cast<size_t>(n));
  }
  out->append(reason);
  out->append("\r\n");
  for (const Header& h : response.headers) {
    if (EqualsIgnoreCase(h.name, "content-length") ||
        EqualsIgnoreCase(h.name, "transfer-encoding") ||
        EqualsIgnoreCase(h.name, "connection")) {
      continue;
    }
    AppendHeader(h.name, h.value, out);
  }
  bool no_body =
      ResponseHasNoBody(head_request ? "HEAD" : "GET", response.status);
  bool status_without_body =
      (response.status >= 100 && response.status < 200) ||
      response.status == 204;
  if (!status_without_body && response.status != 304) {
    // A proxied answer to HEAD has no body but announces the GET's length.
    const std::string* given = head_request && response.body.empty()
                                   ? response.headers.Get("content-length")
                                   : nullptr;
    if (given != nullptr) {
      AppendHeader("Content-Length", *given, out);
    } else {
      AppendContentLength(response.body.size(), out);
    }
  }
  if (close) {
    out->append("Connection: close\r\n");
  } else if (peer_version_minor == 0) {
    out->append("Connection: keep-alive\r\n");
  }
  out->append("\r\n");
  if (!no_body) out->append(response.body);
}

}  // namespace staticship::http
