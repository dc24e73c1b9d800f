// Errors as values: a Result<T> holds either a T or an Error with a message.
// C++20 has no std::expected, and exceptions across the event loop would
// hide which request failed, so every fallible call returns one of these.
#ifndef STATICSHIP_COMMON_BASE_RESULT_H_
#define STATICSHIP_COMMON_BASE_RESULT_H_

#include <string>
#include <utility>
#include <variant>

namespace staticship {

struct Error {
  std::string message;
};

inline Error MakeError(std::string message) {
  return Error{std::move(message)};
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

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace staticship

#endif  // STATICSHIP_COMMON_BASE_RESULT_H_
