#!/usr/bin/env bash
# The packed image must pass tools nobody here wrote: oci-image-tool, the OCI
# JSON schemas, skopeo (oci: and docker-archive:), and must be reproducible.
# Usage: pack_conformance_test.sh SHIPCTL BINARY DEPS_JSON CHECK_IMAGE_PY
set -euo pipefail
shipctl=$(realpath "$1")
binary=$(realpath "$2")
deps_json=$(realpath "$3")
check_image=$(realpath "$4")
for tool in oci-image-tool skopeo /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool"; exit 1; }
done
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/pack_conformance.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

pack() {  # pack OUT_DIR [extra flags]
  local out=$1
  shift
  mkdir -p "$out"
  "$shipctl" pack --quiet --binary="$binary" --service=app \
    --repository=staticship/app --tag=v1 --architecture=amd64 \
    --entrypoint=/usr/local/bin/app --cmd=8080 --env=LANG=C.UTF-8 \
    --port=8080 --workdir=/ --title=app --version=1.0.0 --revision=abc123 \
    --source=https://example.invalid/staticship --licenses=Apache-2.0 \
    --deps-json="$deps_json" --linked-repo=zlib --toolchain-bundle=zig_sdk \
    --tool-version=test --out-layout="$out/layout" --out-tar="$out/image.tar" \
    --out-digest="$out/digest" --out-sbom="$out/sbom.spdx.json" "$@"
}

pack "$work/a"
digest=$(cat "$work/a/digest")
[[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] || fail "digest file: $digest"

# 1. oci-image-tool (Debian's only implements --type image, which
#    autodetects and validates the layout) and the JSON schemas.
oci-image-tool validate --type image --ref name=v1 "$work/a/layout" \
  >"$work/validate.log" 2>&1 || { cat "$work/validate.log"; fail "oci-image-tool"; }
grep -q "Validation succeeded" "$work/validate.log" || fail "oci-image-tool output"
/usr/bin/python3 "$check_image" "$work/a/layout"

# 2. skopeo reads both outputs and sees the same image.
skopeo inspect "oci:$work/a/layout:v1" >"$work/oci.json"
skopeo inspect --config "oci:$work/a/layout:v1" >"$work/oci-config.json"
skopeo inspect --config "docker-archive:$work/a/image.tar" >"$work/tar-config.json"
oci_digest=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Digest"])' "$work/oci.json")
[[ $oci_digest == "$digest" ]] || fail "skopeo oci digest $oci_digest != $digest"
cmp -s "$work/oci-config.json" "$work/tar-config.json" || fail "configs differ between oci: and docker-archive:"
# Selecting the image by its RepoTags entry proves the tag is recorded.
skopeo inspect "docker-archive:$work/a/image.tar:staticship/app:v1" >/dev/null \
  || fail "docker-archive RepoTags"
skopeo copy -q "docker-archive:$work/a/image.tar" "oci:$work/copy:v1"
config_digest=$(/usr/bin/python3 -c '
import json,sys
layout=sys.argv[1]
idx=json.load(open(layout+"/index.json"))
m=json.load(open(layout+"/blobs/sha256/"+idx["manifests"][0]["digest"][7:]))
print(m["config"]["digest"])' "$work/a/layout")
[[ -f $work/copy/blobs/sha256/${config_digest#sha256:} ]] \
  || fail "skopeo copy from docker-archive changed the config ($config_digest)"
skopeo copy -q "oci:$work/a/layout:v1" "oci:$work/copy2:v1"
[[ $(skopeo inspect "oci:$work/copy2:v1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["Digest"])') == "$digest" ]] \
  || fail "skopeo copy oci->oci changed the manifest digest"
/usr/bin/python3 - "$work/oci-config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
cfg = c["config"]
assert cfg["User"] == "65532:65532", cfg
assert cfg["Entrypoint"] == ["/usr/local/bin/app"] and cfg["Cmd"] == ["8080"], cfg
assert cfg["ExposedPorts"] == {"8080/tcp": {}} and cfg["WorkingDir"] == "/", cfg
assert cfg["Env"] == ["LANG=C.UTF-8"], cfg
labels = cfg["Labels"]
for k, v in {"title": "app", "version": "1.0.0", "revision": "abc123",
             "licenses": "Apache-2.0", "created": "1970-01-01T00:00:00Z"}.items():
    assert labels["org.opencontainers.image." + k] == v, (k, labels)
assert c["created"] == "1970-01-01T00:00:00Z"
PY

# 3. The SBOM names what is linked and nothing else.
/usr/bin/python3 - "$work/a/sbom.spdx.json" "$digest" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["spdxVersion"] == "SPDX-2.3" and doc["dataLicense"] == "CC0-1.0"
assert doc["documentNamespace"].endswith("sha256-" + sys.argv[2][7:])
names = {p["name"] for p in doc["packages"]}
assert "zlib" in names and "musl libc" in names, names
assert "GoogleTest" not in names, names
rels = {(r["spdxElementId"], r["relationshipType"]) for r in doc["relationships"]}
assert ("SPDXRef-DOCUMENT", "DESCRIBES") in rels and ("SPDXRef-Binary", "STATIC_LINK") in rels
PY

# 4. Reproducible: another directory, another run, fewer threads: same bytes.
pack "$work/b" --jobs=1
cmp -s "$work/a/digest" "$work/b/digest" || fail "digest differs between runs"
cmp -s "$work/a/image.tar" "$work/b/image.tar" || fail "docker-archive differs"
cmp -s "$work/a/sbom.spdx.json" "$work/b/sbom.spdx.json" || fail "SBOM differs"
diff -r "$work/a/layout" "$work/b/layout" >/dev/null || fail "layouts differ"
# ...and SOURCE_DATE_EPOCH is honoured (it must change the digest).
SOURCE_DATE_EPOCH=1700000000 pack "$work/c"
[[ $(cat "$work/c/digest") != "$digest" ]] || fail "SOURCE_DATE_EPOCH ignored"
SOURCE_DATE_EPOCH=1700000000 /usr/bin/python3 "$check_image" "$work/c/layout" >/dev/null
grep -q '"created":"2023-11-14T22:13:20Z"' "$work/c/layout/blobs/sha256/"* \
  || fail "created does not follow SOURCE_DATE_EPOCH"
echo "PASS $digest"
