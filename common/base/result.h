// Errors as values: a Result<T> holds either a T or an Error, which carries a
// code and a message. C++20 has no std::expected, and exceptions across the
// event loop would hide which request failed, so every fallible call returns
// one of these.
//
// The code is what callers decide on (retry, answer 409, try the next
// member); the message is for people and may be reworded or prefixed with
// context at any layer. Nothing may parse a message to recover a code:
// WithContext adds context and keeps the code.
#ifndef STATICSHIP_COMMON_BASE_RESULT_H_
#define STATICSHIP_COMMON_BASE_RESULT_H_

#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace staticship {

// The canonical codes of absl::StatusCode (and gRPC), with the same numbers,
// so that their documented meanings apply unchanged.
enum class ErrorCode {
  kOk = 0,  // only what code() says of a success; never an Error's code
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// "NOT_FOUND", ...: absl's spelling, for logs and machine-readable output.
constexpr std::string_view ErrorCodeName(ErrorCode code) {
  // Indexed by the enum's value, which runs from 0 to 16 without gaps.
  constexpr std::string_view kNames[] = {
      "OK",
      "CANCELLED",
      "UNKNOWN",
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION",
      "ABORTED",
      "OUT_OF_RANGE",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DATA_LOSS",
      "UNAUTHENTICATED",
  };
  static_assert(std::size(kNames) ==
                static_cast<size_t>(ErrorCode::kUnauthenticated) + 1);
  const auto index = static_cast<size_t>(code);
  // A value cast from outside the enum reads as unknown.
  return index < std::size(kNames) ? kNames[index] : "UNKNOWN";
}

struct Error {
  ErrorCode code = ErrorCode::kUnknown;
  std::string message;
};

// An error nobody needs to tell apart from others.
inline Error MakeError(std::string message) {
  return Error{ErrorCode::kUnknown, std::move(message)};
}

// An error whose kind some caller decides on. kOk becomes kUnknown: an
// Error that claimed success would pass every `code() == kOk` check.
inline Error MakeError(ErrorCode code, std::string message) {
  if (code == ErrorCode::kOk) code = ErrorCode::kUnknown;
  return Error{code, std::move(message)};
}

// "context: message", with the code kept: the way to pass an error up.
inline Error WithContext(Error error, std::string_view context) {
  error.message.insert(0, std::string(context) + ": ");
  return error;
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT: implicit
  Result(Error error) : data_(std::move(error)) {}  // NOLINT: implicit

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(data_); }
  const std::string& message() const { return error().message; }
  // kOk for a value, so `r.code() == ErrorCode::kX` needs no ok() first.
  ErrorCode code() const { return ok() ? ErrorCode::kOk : error().code; }

 private:
  std::variant<T, Error> data_;
};

// Result<void> equivalent: success carries nothing.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  static Status Ok() { return Status(); }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const std::string& message() const { return error_.message; }
  const Error& error() const { return error_; }
  ErrorCode code() const { return ok_ ? ErrorCode::kOk : error_.code; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace staticship

#endif  // STATICSHIP_COMMON_BASE_RESULT_H_
