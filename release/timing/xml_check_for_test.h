// A strict-enough XML well-formedness check for tests: one root element,
// matched tags, quoted attributes, no duplicate attributes, only the five
// predefined or numeric entities, no raw '<' or '&' in text. It is not a
// validating parser; it exists so the tests need no XML library.
#ifndef STATICSHIP_RELEASE_TIMING_XML_CHECK_FOR_TEST_H_
#define STATICSHIP_RELEASE_TIMING_XML_CHECK_FOR_TEST_H_

#include <cctype>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace staticship::timing::testing {

inline bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
         c == '.' || c == ':';
}

// Returns "" when well formed, else what is wrong and where.
inline std::string XmlProblem(std::string_view xml) {
  size_t i = 0;
  std::vector<std::string> open;
  int roots = 0;
  auto at = [&](const std::string& what) {
    return what + " at offset " + std::to_string(i);
  };
  auto check_entities = [&](std::string_view text) -> std::string {
    for (size_t p = 0; p < text.size(); ++p) {
      if (text[p] == '<') return at("raw '<' in text");
      if (text[p] != '&') continue;
      const size_t semi = text.find(';', p);
      if (semi == text.npos) return at("unterminated entity");
      const std::string_view name = text.substr(p + 1, semi - p - 1);
      if (name != "amp" && name != "lt" && name != "gt" && name != "quot" &&
          name != "apos" && (name.empty() || name[0] != '#')) {
        return at("unknown entity &" + std::string(name) + ";");
      }
    }
    return "";
  };
  if (xml.substr(0, 5) == "<?xml") {
    i = xml.find("?>");
    if (i == xml.npos) return "unterminated XML declaration";
    i += 2;
  }
  while (i < xml.size()) {
    const size_t lt = xml.find('<', i);
    const std::string_view text = xml.substr(i, lt - i);
    if (auto problem = check_entities(text); !problem.empty()) return problem;
    if (open.empty() &&
        text.find_first_not_of(" \t\r\n") != std::string_view::npos) {
      return at("text outside the root element");
    }
    if (lt == xml.npos) break;
    i = lt + 1;
    if (xml.substr(i, 3) == "!--") {
      i = xml.find("-->", i);
      if (i == xml.npos) return "unterminated comment";
      i += 3;
      continue;
    }
    const bool closing = i < xml.size() && xml[i] == '/';
    if (closing) ++i;
    const size_t name_start = i;
    while (i < xml.size() && IsNameChar(xml[i])) ++i;
    const std::string name(xml.substr(name_start, i - name_start));
    if (name.empty()) return at("empty tag name");
    if (closing) {
      if (open.empty() || open.back() != name)
        return at("mismatched </" + name + ">");
      open.pop_back();
      if (i >= xml.size() || xml[i] != '>') return at("bad closing tag");
      ++i;
      continue;
    }
    std::set<std::string> attributes;
    while (true) {
      while (i < xml.size() && std::isspace(static_cast<unsigned char>(xml[i])))
        ++i;
      if (i >= xml.size()) return "unterminated tag <" + name;
      if (xml[i] == '>' || xml.substr(i, 2) == "/>") break;
      const size_t attr_start = i;
      while (i < xml.size() && IsNameChar(xml[i])) ++i;
      const std::string attr(xml.substr(attr_start, i - attr_start));
      if (attr.empty()) return at("bad attribute in <" + name);
      if (!attributes.insert(attr).second)
        return at("duplicate attribute " + attr);
      if (i >= xml.size() || xml[i] != '=') return at("attribute without =");
      ++i;
      if (i >= xml.size() || (xml[i] != '"' && xml[i] != '\'')) {
        return at("unquoted attribute " + attr);
      }
      const char quote = xml[i++];
      const size_t end = xml.find(quote, i);
      if (end == xml.npos) return at("unterminated attribute " + attr);
      if (auto problem = check_entities(xml.substr(i, end - i));
          !problem.empty()) {
        return problem;
      }
      i = end + 1;
    }
    if (open.empty()) ++roots;
    if (roots > 1) return at("second root element <" + name + ">");
    if (xml[i] == '/') {
      i += 2;
    } else {
      open.push_back(name);
      ++i;
    }
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  if (roots != 1) return "no root element";
  return "";
}

}  // namespace staticship::timing::testing

#endif  // STATICSHIP_RELEASE_TIMING_XML_CHECK_FOR_TEST_H_
