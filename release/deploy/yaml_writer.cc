#include "release/deploy/yaml_writer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>

namespace staticship::deploy {
namespace {

using json = nlohmann::ordered_json;

bool IsReservedWord(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  // YAML 1.1 readers (PyYAML, go-yaml v2) still take these as bools/null.
  static constexpr std::array<const char*, 10> kWords = {
      "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"};
  return std::find(kWords.begin(), kWords.end(), text) != kWords.end();
}

// Plain (unquoted) only for words that no reader takes as anything but a
// string: a letter, '_' or '/' first, then letters, digits and _ . / -.
bool CanBePlain(const std::string& text) {
  if (text.empty() || IsReservedWord(text)) return false;
  const char first = text.front();
  if (!std::isalpha(static_cast<unsigned char>(first)) && first != '_' &&
      first != '/') {
    return false;
  }
  return std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '/' || c == '-';
  });
}

// Literal blocks keep text verbatim only if it has no control characters
// but tabs and newlines, and does not start with a space (which would need
// an explicit indentation indicator).
bool CanBeLiteralBlock(const std::string& text) {
  if (text.find('\n') == std::string::npos || text.front() == ' ' ||
      text.front() == '\n') {
    return false;
  }
  return std::none_of(text.begin(), text.end(), [](unsigned char c) {
    return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f;
  });
}

std::string Quoted(const std::string& text) {
  // A JSON string is a valid YAML double-quoted scalar.
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string Scalar(const json& value) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    return CanBePlain(text) ? text : Quoted(text);
  }
  return value.dump();
}

std::string LiteralBlock(const std::string& text, int indent) {
  size_t trailing = 0;
  while (trailing < text.size() && text[text.size() - 1 - trailing] == '\n')
    ++trailing;
  std::string out = trailing == 0 ? "|-" : trailing == 1 ? "|" : "|+";
  out += "\n";
  const std::string pad(indent, ' ');
  const std::string content = text.substr(0, text.size() - trailing);
  size_t start = 0;
  while (start <= content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    const std::string line = content.substr(start, end - start);
    out += line.empty() ? "\n" : pad + line + "\n";
    start = end + 1;
  }
  // "|+" keeps the line breaks after the last line as empty lines.
  if (trailing > 1) out.append(trailing - 1, '\n');
  return out;
}

bool IsInline(const json& value) {
  return !value.is_structured() || value.empty();
}

std::string InlineValue(const json& value, int indent) {
  if (value.is_object()) return "{}";
  if (value.is_array()) return "[]";
  if (value.is_string() &&
      CanBeLiteralBlock(value.get_ref<const std::string&>())) {
    return LiteralBlock(value.get_ref<const std::string&>(), indent);
  }
  return Scalar(value);
}

void Write(const json& value, int indent, std::string& out);

// The entries of an object, each at `indent`; the first one's indentation
// is already written when `first_inline` (an object inside a list item).
void WriteObject(const json& object, int indent, bool first_inline,
                 std::string& out) {
  bool first = true;
  for (const auto& [key, value] : object.items()) {
    if (!(first && first_inline)) out.append(indent, ' ');
    first = false;
    out += (CanBePlain(key) ? key : Quoted(key)) + ":";
    if (IsInline(value)) {
      std::string text = InlineValue(value, indent + 2);
      out += " " + text;
      if (text.back() != '\n') out += "\n";
    } else {
      out += "\n";
      Write(value, value.is_array() ? indent + 2 : indent + 2, out);
    }
  }
}

void WriteArray(const json& array, int indent, std::string& out) {
  for (const json& item : array) {
    out.append(indent, ' ');
    out += "-";
    if (IsInline(item)) {
      std::string text = InlineValue(item, indent + 2);
      out += " " + text;
      if (text.back() != '\n') out += "\n";
    } else if (item.is_object()) {
      out += " ";
      WriteObject(item, indent + 2, true, out);
    } else {
      out += "\n";
      Write(item, indent + 2, out);
    }
  }
}

void Write(const json& value, int indent, std::string& out) {
  if (value.is_object()) {
    WriteObject(value, indent, false, out);
  } else if (value.is_array()) {
    WriteArray(value, indent, out);
  } else {
    out.append(indent, ' ');
    std::string text = InlineValue(value, indent + 2);
    out += text;
    if (text.back() != '\n') out += "\n";
  }
}

}  // namespace

std::string ToYaml(const json& value) {
  std::string out;
  if (IsInline(value)) {
    std::string text = InlineValue(value, 2);
    return text.back() == '\n' ? text : text + "\n";
  }
  Write(value, 0, out);
  return out;
}

}  // namespace staticship::deploy
