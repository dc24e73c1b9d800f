// Escaping for XML text and attribute values (JUnit and SVG output).
#ifndef STATICSHIP_RELEASE_TIMING_XML_ESCAPE_H_
#define STATICSHIP_RELEASE_TIMING_XML_ESCAPE_H_

#include <string>
#include <string_view>

namespace staticship::timing {

// Escapes markup characters and drops control characters that XML 1.0
// cannot carry at all, so a stray byte in a service name cannot break CI.
std::string XmlEscape(std::string_view text);

}  // namespace staticship::timing

#endif  // STATICSHIP_RELEASE_TIMING_XML_ESCAPE_H_
