#include "common/http/parser.h"

#include <utility>

#include "common/base/strings.h"

namespace staticship::http {
namespace {

constexpr std::string_view kCrlf = "\r\n";
// 16 hex digits overflow size_t arithmetic checks below; real chunks are far
// smaller, so longer sizes are rejected outright.
constexpr size_t kMaxChunkSizeDigits = 15;
constexpr size_t kMaxContentLengthDigits = 18;
// Browsers send 10-15 headers, API clients and upstreams fewer.
constexpr size_t kTypicalHeaderCount = 12;

bool IsTokenChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// field-value = *( VCHAR / obs-text / SP / HTAB ); CR, LF and NUL never.
bool IsFieldValue(std::string_view s) {
  for (unsigned char c : s) {
    if (c == '\t') continue;
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

// request-target: visible ASCII only (no spaces, no controls, no obs-text).
bool IsTargetChar(unsigned char c) { return c > 0x20 && c < 0x7f; }

bool ParseDecimal(std::string_view s, size_t* out) {
  if (s.empty() || s.size() > kMaxContentLengthDigits) return false;
  size_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  *out = v;
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses "HTTP/1.x"; returns the minor version or -1 (not HTTP at all) or
// -2 (HTTP, but not 1.0/1.1).
int ParseVersion(std::string_view v) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.') return -1;
  if (v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9') return -1;
  if (v[5] != '1' || (v[7] != '0' && v[7] != '1')) return -2;
  return v[7] - '0';
}

}  // namespace

int HttpStatusFor(ParseError error) {
  switch (error) {
    case ParseError::kHeaderTooLarge:
      return 431;
    case ParseError::kBodyTooLarge:
      return 413;
    case ParseError::kUnsupportedCoding:
      return 501;
    case ParseError::kVersionNotSupported:
      return 505;
    case ParseError::kNone:
    case ParseError::kBadRequest:
      break;
  }
  return 400;
}

std::string_view ParseErrorName(ParseError error) {
  switch (error) {
    case ParseError::kNone:
      return "none";
    case ParseError::kBadRequest:
      return "bad request";
    case ParseError::kHeaderTooLarge:
      return "header too large";
    case ParseError::kBodyTooLarge:
      return "body too large";
    case ParseError::kUnsupportedCoding:
      return "not implemented";
    case ParseError::kVersionNotSupported:
      return "version not supported";
  }
  return "unknown";
}

namespace internal {

MessageParser::MessageParser(Kind kind, ParserLimits limits)
    : kind_(kind), limits_(limits) {}

void MessageParser::Feed(std::string_view bytes) {
  if (state_ == State::kError) return;
  buffer_.append(bytes);
}

bool MessageParser::in_body() const {
  return state_ != State::kStartLine && state_ != State::kDone &&
         state_ != State::kError;
}

bool MessageParser::idle() const {
  return state_ == State::kStartLine && buffered() == 0;
}

ParseStatus MessageParser::Fail(ParseError error, std::string detail) {
  state_ = State::kError;
  error_ = error;
  error_detail_ = std::move(detail);
  return ParseStatus::kError;
}

void MessageParser::Compact() {
  // Amortised: only move bytes once the consumed prefix dominates.
  if (pos_ > 0 && (pos_ == buffer_.size() || pos_ > buffer_.size() / 2)) {
    buffer_.erase(0, pos_);
    scan_from_ = scan_from_ > pos_ ? scan_from_ - pos_ : 0;
    pos_ = 0;
  }
}

void MessageParser::ResetMessage() {
  request_ = Request{};
  response_ = Response{};
  remaining_ = 0;
  trailer_bytes_ = 0;
  state_ = State::kStartLine;
}

ParseStatus MessageParser::Next() {
  if (state_ == State::kError) return ParseStatus::kError;
  if (state_ == State::kDone) return ParseStatus::kComplete;
  if (state_ == State::kStartLine) {
    ParseStatus s = ParseHead();
    if (s != ParseStatus::kComplete) return s;
  }
  return ParseBody();
}

ParseStatus MessageParser::ParseHead() {
  // Tolerate empty lines before a message (RFC 9112 2.2), left by clients
  // that add CRLF after a POST body.
  while (buffer_.size() - pos_ >= 2 && buffer_[pos_] == '\r' &&
         buffer_[pos_ + 1] == '\n') {
    pos_ += 2;
  }
  if (scan_from_ < pos_) scan_from_ = pos_;
  size_t end = buffer_.find("\r\n\r\n", scan_from_);
  if (end == std::string::npos) {
    size_t pending = buffer_.size() - pos_;
    if (pending > limits_.max_header_bytes) {
      return Fail(ParseError::kHeaderTooLarge, "header section too large");
    }
    scan_from_ = buffer_.size() >= 3 ? buffer_.size() - 3 : 0;
    if (scan_from_ < pos_) scan_from_ = pos_;
    if (eof_ && pending > 0) {
      return Fail(ParseError::kBadRequest, "connection closed inside header");
    }
    Compact();
    return ParseStatus::kNeedMore;
  }
  size_t head_len = end + 4 - pos_;
  if (head_len > limits_.max_header_bytes) {
    return Fail(ParseError::kHeaderTooLarge, "header section too large");
  }
  std::string_view head(buffer_.data() + pos_, end + 2 - pos_);
  pos_ = end + 4;
  scan_from_ = pos_;

  size_t line_end = head.find(kCrlf);
  ParseStatus s = ParseStartLine(head.substr(0, line_end));
  if (s == ParseStatus::kError) return s;
  head.remove_prefix(line_end + 2);
  while (!head.empty()) {
    line_end = head.find(kCrlf);
    s = ParseHeaderLine(head.substr(0, line_end));
    if (s == ParseStatus::kError) return s;
    head.remove_prefix(line_end + 2);
  }
  return DecideFraming();
}

ParseStatus MessageParser::ParseStartLine(std::string_view line) {
  if (line.find('\n') != std::string_view::npos ||
      line.find('\r') != std::string_view::npos) {
    return Fail(ParseError::kBadRequest, "bare CR or LF in start line");
  }
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) {
    return Fail(ParseError::kBadRequest, "malformed start line");
  }
  if (kind_ == Kind::kRequest) {
    size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos ||
        line.find(' ', sp2 + 1) != std::string_view::npos) {
      return Fail(ParseError::kBadRequest, "malformed request line");
    }
    std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = line.substr(sp2 + 1);
    if (!IsToken(method)) return Fail(ParseError::kBadRequest, "bad method");
    if (target.empty()) return Fail(ParseError::kBadRequest, "empty target");
    for (unsigned char c : target) {
      if (!IsTargetChar(c)) {
        return Fail(ParseError::kBadRequest, "bad byte in request target");
      }
    }
    int minor = ParseVersion(version);
    if (minor == -1) return Fail(ParseError::kBadRequest, "bad HTTP version");
    if (minor == -2) {
      return Fail(ParseError::kVersionNotSupported, "unsupported version");
    }
    std::string_view origin = target;
    if (target.substr(0, 7) == "http://" || target.substr(0, 8) == "https://") {
      // absolute-form (sent to proxies): keep only the path and query.
      size_t authority = target.find("//") + 2;
      size_t slash = target.find_first_of("/?", authority);
      origin = slash == std::string_view::npos ? std::string_view("/")
                                               : target.substr(slash);
    } else if (target != "*" && target.front() != '/') {
      return Fail(ParseError::kBadRequest, "bad request target form");
    }
    request_.method.assign(method);
    request_.target.assign(target);
    size_t q = origin.find('?');
    std::string_view path = origin.substr(0, q);
    if (path.empty()) path = "/";
    request_.path.assign(path);
    if (q != std::string_view::npos) {
      request_.query.assign(origin.substr(q + 1));
    }
    request_.version_minor = minor;
    return ParseStatus::kComplete;
  }
  // status-line = HTTP-version SP status-code SP [ reason-phrase ]
  int minor = ParseVersion(line.substr(0, sp1));
  if (minor < 0) return Fail(ParseError::kBadRequest, "bad HTTP version");
  std::string_view rest = line.substr(sp1 + 1);
  if (rest.size() < 3) return Fail(ParseError::kBadRequest, "bad status");
  int status = 0;
  for (int i = 0; i < 3; ++i) {
    char c = rest[static_cast<size_t>(i)];
    if (c < '0' || c > '9') return Fail(ParseError::kBadRequest, "bad status");
    status = status * 10 + (c - '0');
  }
  if (status < 100) return Fail(ParseError::kBadRequest, "bad status");
  if (rest.size() > 3 && rest[3] != ' ') {
    return Fail(ParseError::kBadRequest, "bad status");
  }
  response_.status = status;
  response_.version_minor = minor;
  if (rest.size() > 4) {
    response_.reason.assign(rest.substr(4));
  } else {
    response_.reason.clear();
  }
  if (!IsFieldValue(response_.reason)) {
    return Fail(ParseError::kBadRequest, "bad reason phrase");
  }
  return ParseStatus::kComplete;
}

ParseStatus MessageParser::ParseHeaderLine(std::string_view line) {
  if (line.empty()) return Fail(ParseError::kBadRequest, "empty header line");
  if (line.front() == ' ' || line.front() == '\t') {
    return Fail(ParseError::kBadRequest, "obsolete line folding");
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return Fail(ParseError::kBadRequest, "header line without colon");
  }
  std::string_view name = line.substr(0, colon);
  // Whitespace before the colon must be rejected (RFC 9112 5.1).
  if (!IsToken(name)) return Fail(ParseError::kBadRequest, "bad header name");
  std::string_view value = Trim(line.substr(colon + 1));
  if (!IsFieldValue(value)) {
    return Fail(ParseError::kBadRequest, "bad byte in header value");
  }
  Headers& headers =
      kind_ == Kind::kRequest ? request_.headers : response_.headers;
  // One allocation for a typical header section instead of a chain of
  // regrowths (1, 2, 4, 8...), each moving every header already parsed.
  if (headers.empty()) headers.Reserve(kTypicalHeaderCount);
  headers.Add(std::string(name), std::string(value));
  return ParseStatus::kComplete;
}

ParseStatus MessageParser::DecideFraming() {
  const Headers& headers =
      kind_ == Kind::kRequest ? request_.headers : response_.headers;
  int minor = kind_ == Kind::kRequest ? request_.version_minor
                                      : response_.version_minor;

  // One pass over the headers, without collecting them in vectors: this
  // runs for every request and response a proxy handles.
  bool keep_alive = minor >= 1;
  size_t hosts = 0;
  size_t te_count = 0;
  std::string_view te;
  bool has_length = false;
  size_t length = 0;
  for (const Header& h : headers) {
    std::string_view name = h.name;
    // Cheap pre-filter on the length of the names looked for below.
    if (name.size() != 4 && name.size() != 10 && name.size() != 14 &&
        name.size() != 17) {
      continue;
    }
    if (EqualsIgnoreCase(name, "connection")) {
      if (HasToken(h.value, "close")) keep_alive = false;
      if (minor == 0 && HasToken(h.value, "keep-alive")) keep_alive = true;
    } else if (EqualsIgnoreCase(name, "host")) {
      ++hosts;
    } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
      if (te_count++ == 0) te = h.value;
    } else if (EqualsIgnoreCase(name, "content-length")) {
      // A list "5, 5" is allowed when all members agree (RFC 9110 8.6).
      std::string_view v = h.value;
      while (true) {
        size_t comma = v.find(',');
        size_t n = 0;
        if (!ParseDecimal(Trim(v.substr(0, comma)), &n)) {
          return Fail(ParseError::kBadRequest, "invalid Content-Length");
        }
        if (has_length && n != length) {
          return Fail(ParseError::kBadRequest, "conflicting Content-Length");
        }
        has_length = true;
        length = n;
        if (comma == std::string_view::npos) break;
        v.remove_prefix(comma + 1);
      }
    }
  }

  if (kind_ == Kind::kRequest) {
    if (hosts > 1) return Fail(ParseError::kBadRequest, "duplicate Host");
    if (minor >= 1 && hosts == 0) {
      return Fail(ParseError::kBadRequest, "missing Host");
    }
  }

  bool no_body = kind_ == Kind::kResponse &&
                 ResponseHasNoBody(expected_method_, response_.status);
  if (kind_ == Kind::kResponse) {
    response_.keep_alive = keep_alive;
  } else {
    request_.keep_alive = keep_alive;
  }

  if (te_count > 0) {
    if (has_length) {
      return Fail(ParseError::kBadRequest,
                  "both Content-Length and Transfer-Encoding");
    }
    if (minor == 0) {
      // HTTP/1.0 has no chunked coding; a proxy might frame it differently.
      return Fail(ParseError::kBadRequest, "Transfer-Encoding in HTTP/1.0");
    }
    if (te_count != 1 || !EqualsIgnoreCase(Trim(te), "chunked")) {
      return Fail(ParseError::kUnsupportedCoding,
                  "unsupported Transfer-Encoding");
    }
    if (no_body) {
      state_ = State::kDone;
      return ParseStatus::kComplete;
    }
    if (kind_ == Kind::kRequest) request_.was_chunked = true;
    state_ = State::kChunkSize;
    return ParseStatus::kComplete;
  }
  if (no_body) {
    state_ = State::kDone;
    return ParseStatus::kComplete;
  }
  if (has_length) {
    if (length > limits_.max_body_bytes) {
      return Fail(ParseError::kBodyTooLarge, "body too large");
    }
    remaining_ = length;
    state_ = State::kBodyLength;
    return ParseStatus::kComplete;
  }
  if (kind_ == Kind::kRequest) {
    state_ = State::kDone;  // no body
    return ParseStatus::kComplete;
  }
  response_.keep_alive = false;  // body delimited by close
  state_ = State::kUntilClose;
  return ParseStatus::kComplete;
}

ParseStatus MessageParser::ParseBody() {
  std::string& body = kind_ == Kind::kRequest ? request_.body : response_.body;
  while (true) {
    size_t avail = buffer_.size() - pos_;
    switch (state_) {
      case State::kBodyLength:
      case State::kChunkData: {
        size_t take = remaining_ < avail ? remaining_ : avail;
        body.append(buffer_, pos_, take);
        pos_ += take;
        remaining_ -= take;
        if (remaining_ > 0) {
          if (eof_) return Fail(ParseError::kBadRequest, "truncated body");
          Compact();
          return ParseStatus::kNeedMore;
        }
        state_ =
            state_ == State::kBodyLength ? State::kDone : State::kChunkDataEnd;
        break;
      }
      case State::kChunkDataEnd: {
        if (avail < 2) {
          if (eof_) return Fail(ParseError::kBadRequest, "truncated chunk");
          Compact();
          return ParseStatus::kNeedMore;
        }
        if (buffer_[pos_] != '\r' || buffer_[pos_ + 1] != '\n') {
          return Fail(ParseError::kBadRequest, "chunk not followed by CRLF");
        }
        pos_ += 2;
        state_ = State::kChunkSize;
        break;
      }
      case State::kChunkSize: {
        size_t eol = buffer_.find(kCrlf, pos_);
        if (eol == std::string::npos) {
          // The line (without CRLF) may be 1024 bytes: only more than that
          // plus a possible '\r' proves it too long, whatever the split.
          if (avail > 1025) {
            return Fail(ParseError::kBadRequest, "chunk size line too long");
          }
          if (eof_) return Fail(ParseError::kBadRequest, "truncated chunk");
          Compact();
          return ParseStatus::kNeedMore;
        }
        std::string_view line(buffer_.data() + pos_, eol - pos_);
        if (line.size() > 1024) {
          return Fail(ParseError::kBadRequest, "chunk size line too long");
        }
        size_t digits = 0;
        size_t size = 0;
        while (digits < line.size() && HexValue(line[digits]) >= 0) {
          size = size * 16 + static_cast<size_t>(HexValue(line[digits]));
          ++digits;
          if (digits > kMaxChunkSizeDigits) {
            return Fail(ParseError::kBadRequest, "chunk size too long");
          }
        }
        if (digits == 0) return Fail(ParseError::kBadRequest, "bad chunk size");
        std::string_view ext = line.substr(digits);
        if (!ext.empty()) {
          // Only ";ext" (optionally after whitespace) may follow the size.
          std::string_view trimmed = Trim(ext);
          if (trimmed.empty() || trimmed.front() != ';' ||
              !IsFieldValue(trimmed)) {
            return Fail(ParseError::kBadRequest, "bad chunk size");
          }
        }
        pos_ = eol + 2;
        if (size > limits_.max_body_bytes ||
            body.size() > limits_.max_body_bytes - size) {
          return Fail(ParseError::kBodyTooLarge, "body too large");
        }
        if (size == 0) {
          state_ = State::kTrailers;
        } else {
          remaining_ = size;
          state_ = State::kChunkData;
        }
        break;
      }
      case State::kTrailers: {
        size_t eol = buffer_.find(kCrlf, pos_);
        if (eol == std::string::npos) {
          if (avail > limits_.max_header_bytes) {
            return Fail(ParseError::kHeaderTooLarge, "trailers too large");
          }
          if (eof_) return Fail(ParseError::kBadRequest, "truncated trailers");
          Compact();
          return ParseStatus::kNeedMore;
        }
        std::string_view line(buffer_.data() + pos_, eol - pos_);
        trailer_bytes_ += line.size() + 2;
        if (trailer_bytes_ > limits_.max_header_bytes) {
          return Fail(ParseError::kHeaderTooLarge, "trailers too large");
        }
        pos_ = eol + 2;
        if (line.empty()) {
          state_ = State::kDone;
          break;
        }
        // Trailers are validated like headers but dropped: forwarding them
        // would let a client inject fields after the checks above.
        if (line.front() == ' ' || line.front() == '\t') {
          return Fail(ParseError::kBadRequest, "obsolete line folding");
        }
        size_t colon = line.find(':');
        if (colon == std::string_view::npos ||
            !IsToken(line.substr(0, colon)) ||
            !IsFieldValue(line.substr(colon + 1))) {
          return Fail(ParseError::kBadRequest, "bad trailer");
        }
        break;
      }
      case State::kUntilClose: {
        if (body.size() + avail > limits_.max_body_bytes) {
          return Fail(ParseError::kBodyTooLarge, "body too large");
        }
        body.append(buffer_, pos_, avail);
        pos_ += avail;
        Compact();
        if (!eof_) return ParseStatus::kNeedMore;
        state_ = State::kDone;
        break;
      }
      case State::kDone:
        Compact();
        return ParseStatus::kComplete;
      case State::kStartLine:
      case State::kError:
        return Fail(ParseError::kBadRequest, "internal parser state");
    }
  }
}

}  // namespace internal

Request RequestParser::TakeMessage() {
  Request out = std::move(request_);
  ResetMessage();
  return out;
}

void ResponseParser::FeedEof() { eof_ = true; }

Response ResponseParser::TakeMessage() {
  Response out = std::move(response_);
  ResetMessage();
  return out;
}

}  // namespace staticship::http
