// Package identities as SBOMs and vulnerability feeds write them: package
// URLs (purl, github.com/package-url/purl-spec) and CPE 2.3 names.
#ifndef STATICSHIP_RELEASE_POLICY_PACKAGE_ID_H_
#define STATICSHIP_RELEASE_POLICY_PACKAGE_ID_H_

#include <map>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace staticship::policy {

// pkg:type/namespace/name@version?qualifiers#subpath, every part
// percent-decoded. The type is lower case; so are namespace and name for
// the types whose spec says they are case-insensitive (deb, github,
// bitbucket, gitlab, pypi, apk), so equal packages compare equal.
struct PackageUrl {
  std::string type;
  std::string namespace_;  // "debian"; may be empty; segments joined by '/'
  std::string name;
  std::string version;                            // empty when absent
  std::map<std::string, std::string> qualifiers;  // keys lower case
  std::string subpath;

  // type/namespace/name: what a feed names when it names a package.
  std::string Identity() const;
  // The whole purl in canonical form (sorted qualifiers, decoded values
  // re-encoded), so two spellings of one package compare equal.
  std::string Canonical() const;
};

Result<PackageUrl> ParsePackageUrl(std::string_view text);

// The fields of a CPE 2.3 formatted string
// (cpe:2.3:part:vendor:product:version:...) that identify a release.
struct Cpe {
  std::string part;  // a, o, h
  std::string vendor;
  std::string product;
  std::string version;  // "*" (any) and "-" (not applicable) kept as is
};

// Lower-cases and unescapes (\: \. ...) each field; fewer than six fields
// or another prefix is an error.
Result<Cpe> ParseCpe23(std::string_view text);

}  // namespace staticship::policy

#endif  // STATICSHIP_RELEASE_POLICY_PACKAGE_ID_H_
