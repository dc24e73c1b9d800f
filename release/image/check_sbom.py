#!/usr/bin/env python3
"""Checks an SPDX 2.3 JSON SBOM written by `shipctl pack` against the image
digest and the dependency lock as Bazel generates it (deps.json, from
third_party/deps.lock), so no fact of the lock is repeated in a test.

Usage: check_sbom.py SBOM DEPS_JSON DIGEST [--expect-repo=REPO]...
                     [--expect-bundle=LOCK_ID]
  --expect-repo      a Bazel repository the binary links (its lock entry
                     must be in the SBOM)
  --expect-bundle    the toolchain input whose runtime parts (musl, libc++
                     in the zig SDK) every static binary carries
"""
import json
import re
import sys


def fail(message):
    sys.exit("FAIL: %s: %s" % (sys.argv[1], message))


def spdx_id(lock_id):
    # As release/sbom/spdx.cc names a lock entry's package.
    return "SPDXRef-Package-" + re.sub(r"[^A-Za-z0-9.-]", "-", lock_id)


def array_of_objects(value, where, keys):
    """SPDX 2.3 JSON types these fields as arrays, even with one element."""
    if not isinstance(value, list):
        fail("%s is a %s, not an array: %r" % (where, type(value).__name__, value))
    for item in value:
        if not isinstance(item, dict):
            fail("%s holds a %s: %r" % (where, type(item).__name__, item))
        for key in keys:
            if not isinstance(item.get(key), str):
                fail("%s item has no string %s: %r" % (where, key, item))


def locator(package, ref_type):
    return [r["referenceLocator"] for r in package.get("externalRefs", [])
            if r["referenceType"] == ref_type]


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    sbom_path, deps_path, digest = sys.argv[1:4]
    expect_repos, expect_bundle = set(), ""
    for arg in sys.argv[4:]:
        if arg.startswith("--expect-repo="):
            expect_repos.add(arg.split("=", 1)[1])
        elif arg.startswith("--expect-bundle="):
            expect_bundle = arg.split("=", 1)[1]
        else:
            sys.exit("unknown argument " + arg)
    with open(sbom_path) as f:
        doc = json.load(f)
    with open(deps_path) as f:
        lock = json.load(f)

    if doc.get("spdxVersion") != "SPDX-2.3" or doc.get("dataLicense") != "CC0-1.0":
        fail("not SPDX-2.3 / CC0-1.0")
    if not doc["documentNamespace"].endswith("sha256-" + digest[len("sha256:"):]):
        fail("documentNamespace %s does not follow digest %s" % (doc["documentNamespace"], digest))
    creators = doc["creationInfo"]["creators"]
    if not isinstance(creators, list) or not creators or not all(isinstance(c, str) for c in creators):
        fail("creationInfo.creators must be a non-empty array of strings: %r" % (creators,))
    array_of_objects(doc["packages"], "packages", ["SPDXID", "name", "downloadLocation"])
    array_of_objects(doc["relationships"], "relationships",
                     ["spdxElementId", "relationshipType", "relatedSpdxElement"])
    if "files" in doc:
        array_of_objects(doc["files"], "files", [])
    for p in doc["packages"]:
        if "checksums" in p:
            array_of_objects(p["checksums"], p["SPDXID"] + ".checksums",
                             ["algorithm", "checksumValue"])
        if "externalRefs" in p:
            array_of_objects(p["externalRefs"], p["SPDXID"] + ".externalRefs",
                             ["referenceCategory", "referenceType", "referenceLocator"])
    packages = {p["SPDXID"]: p for p in doc["packages"]}
    image = packages.get("SPDXRef-Image")
    pinned = "@" + digest.replace(":", "%3A")
    if not image or not any(pinned in purl for purl in locator(image, "purl")):
        fail("the image package has no pkg:oci purl with digest %s" % digest)

    rels = {(r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"])
            for r in doc["relationships"]}
    for rel in [("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image"),
                ("SPDXRef-Image", "CONTAINS", "SPDXRef-Binary")]:
        if rel not in rels:
            fail("missing relationship %s" % (rel,))

    # Every package described from the lock says what the lock says.
    expected = set()
    for lock_id, entry in lock.items():
        use = entry.get("use", "")
        if entry.get("repo") in expect_repos or (
                expect_bundle and entry.get("bundled_in") == expect_bundle and use == "runtime"):
            expected.add(lock_id)
        package = packages.get(spdx_id(lock_id))
        if package is None:
            continue
        if use != "runtime":
            fail("%s (use = %s) is in the SBOM" % (lock_id, use))
        if ("SPDXRef-Binary", "STATIC_LINK", package["SPDXID"]) not in rels:
            fail("no STATIC_LINK to %s" % lock_id)
        for field, key in [("name", "project_name"), ("versionInfo", "version"),
                           ("licenseDeclared", "license"),
                           ("downloadLocation", "download_location")]:
            if package.get(field) != entry.get(key):
                fail("%s: %s is %r, deps.lock has %s = %r"
                     % (lock_id, field, package.get(field), key, entry.get(key)))
        if entry.get("sha256") and package.get("checksums") != [
                {"algorithm": "SHA256", "checksumValue": entry["sha256"]}]:
            fail("%s: checksums %r, deps.lock sha256 %s"
                 % (lock_id, package.get("checksums"), entry["sha256"]))
        for ref_type, key in [("purl", "purl"), ("cpe23Type", "cpe")]:
            if entry.get(key) and locator(package, ref_type) != [entry[key]]:
                fail("%s: %s %r, deps.lock has %r"
                     % (lock_id, ref_type, locator(package, ref_type), entry[key]))
    missing = sorted(i for i in expected if spdx_id(i) not in packages)
    if missing:
        fail("linked but not in the SBOM: %s" % ", ".join(missing))
    print("ok   SBOM %s: %d packages, %d from the lock" % (
        sbom_path, len(packages), sum(1 for i in lock if spdx_id(i) in packages)))


if __name__ == "__main__":
    main()
