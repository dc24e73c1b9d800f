// Incremental HTTP/1.0 and HTTP/1.1 parsers for requests and responses.
//
//   staticship::http::RequestParser parser({.max_header_bytes = 65536,
//                                           .max_body_bytes = 1 << 20});
//   parser.Feed(bytes_from_socket);
//   while (true) {
//     ParseStatus s = parser.Next();
//     if (s == ParseStatus::kNeedMore) break;          // read more bytes
//     if (s == ParseStatus::kError) {                  // answer and close
//       int code = HttpStatusFor(parser.error());       // 400/413/431/501/505
//       ...
//     }
//     Request r = parser.TakeMessage();                // kComplete
//   }
//
// Bytes of pipelined messages stay buffered: call Next() again after taking a
// message. After an error the parser stays in error; the connection must be
// closed, because the message boundary is lost (request smuggling defence).
//
// Network-facing and fuzzed (ci/fuzz-gateway). Rejected as kBadRequest:
// Content-Length together with Transfer-Encoding, conflicting Content-Length
// values, an invalid chunk size or chunk framing, obs-fold, bad bytes in
// names/values/request line, missing Host in HTTP/1.1 requests.
#ifndef STATICSHIP_COMMON_HTTP_PARSER_H_
#define STATICSHIP_COMMON_HTTP_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/http/message.h"

namespace staticship::http {

struct ParserLimits {
  // Start line + headers (+ trailers), including CRLFs.
  size_t max_header_bytes = 64 * 1024;
  // Decoded body bytes.
  size_t max_body_bytes = 1024 * 1024;
};

enum class ParseStatus { kNeedMore, kComplete, kError };

enum class ParseError {
  kNone,
  kBadRequest,           // malformed or ambiguous framing -> 400
  kHeaderTooLarge,       // -> 431
  kBodyTooLarge,         // -> 413
  kUnsupportedCoding,    // unknown Transfer-Encoding -> 501
  kVersionNotSupported,  // not HTTP/1.x -> 505
};

// Status code a server answers for `error` (400 for kNone).
int HttpStatusFor(ParseError error);
std::string_view ParseErrorName(ParseError error);

namespace internal {

// Shared state machine; use RequestParser or ResponseParser.
class MessageParser {
 public:
  enum class Kind { kRequest, kResponse };
  MessageParser(Kind kind, ParserLimits limits);

  void Feed(std::string_view bytes);
  ParseStatus Next();
  ParseError error() const { return error_; }
  const std::string& error_detail() const { return error_detail_; }
  // True once a message's headers have been parsed and its body is pending.
  bool in_body() const;
  // True when no bytes of a next message are buffered or parsed.
  bool idle() const;
  // Bytes buffered but not yet consumed.
  size_t buffered() const { return buffer_.size() - pos_; }

 protected:
  enum class State {
    kStartLine,
    kBodyLength,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kTrailers,
    kUntilClose,
    kDone,
    kError,
  };

  ParseStatus Fail(ParseError error, std::string detail);
  ParseStatus ParseHead();
  ParseStatus ParseStartLine(std::string_view line);
  ParseStatus ParseHeaderLine(std::string_view line);
  ParseStatus DecideFraming();
  ParseStatus ParseBody();
  void Compact();
  void ResetMessage();

  Kind kind_;
  ParserLimits limits_;
  State state_ = State::kStartLine;
  ParseError error_ = ParseError::kNone;
  std::string error_detail_;
  std::string buffer_;
  size_t pos_ = 0;        // first unconsumed byte of buffer_
  size_t scan_from_ = 0;  // where the search for the end of head resumes
  size_t remaining_ = 0;  // body or chunk bytes still expected
  size_t trailer_bytes_ = 0;
  bool eof_ = false;

  // The message being assembled (request or response fields).
  Request request_;
  Response response_;
  std::string expected_method_ = "GET";  // response parser: what it answers
};

}  // namespace internal

class RequestParser : public internal::MessageParser {
 public:
  explicit RequestParser(ParserLimits limits = {})
      : MessageParser(Kind::kRequest, limits) {}
  // Valid after Next() returned kComplete; resets for the next message.
  Request TakeMessage();
  // The head of the message being read once in_body() is true (e.g. to
  // answer "Expect: 100-continue").
  const Request& partial() const { return request_; }
};

class ResponseParser : public internal::MessageParser {
 public:
  explicit ResponseParser(ParserLimits limits = {.max_header_bytes = 64 * 1024,
                                                 .max_body_bytes = SIZE_MAX})
      : MessageParser(Kind::kResponse, limits) {}
  // The method of the request this response answers ("HEAD" responses have
  // no body). Set before each response is parsed; default GET.
  void ExpectResponseTo(std::string_view method) {
    expected_method_ = std::string(method);
  }
  // The peer closed the connection: completes a close-delimited body, else
  // Next() reports kError for a truncated message.
  void FeedEof();
  Response TakeMessage();
};

}  // namespace staticship::http

#endif  // STATICSHIP_COMMON_HTTP_PARSER_H_
