#!/usr/bin/env bash
# The packed image must pass tools nobody here wrote (image_conformance_test.sh:
# oci-image-tool, the OCI JSON schemas, skopeo on oci: and docker-archive:),
# carry the settings it was packed with, and be reproducible.
# Usage: pack_conformance_test.sh SHIPCTL BINARY DEPS_JSON CHECK_IMAGE_PY
#          CHECK_SBOM_PY IMAGE_CONFORMANCE_SH
set -euo pipefail
shipctl=$(realpath "$1")
binary=$(realpath "$2")
deps_json=$(realpath "$3")
check_image=$(realpath "$4")
check_sbom=$(realpath "$5")
conformance=$(realpath "$6")
command -v skopeo >/dev/null || { echo "missing tool: skopeo"; exit 1; }
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
    --out-digest="$out/image.digest" --out-sbom="$out/image.spdx.json" "$@"
}

pack "$work/a"
digest=$(cat "$work/a/image.digest")

# 1-3. Conformance, skopeo, and an SBOM that says what deps.json says of
#      what the binary links (zlib, as the flags claim) and of the SDK's
#      runtime (musl, libc++).
"$conformance" "$check_image" "$check_sbom" "$deps_json" staticship/app:v1 \
  "$work/a/layout" "$work/a/image.tar" "$work/a/image.digest" "$work/a/image.spdx.json" \
  -- --expect-repo=zlib --expect-bundle=zig_sdk

# The config carries every setting given to pack.
skopeo inspect --config "oci:$work/a/layout:v1" >"$work/oci-config.json"
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

# shipctl inspect reports what skopeo and Python's tarfile read independently.
"$shipctl" inspect --layout "$work/a/layout" --report "$work/inspect.json" >"$work/inspect.out"
cmp -s "$work/inspect.json" "$work/inspect.out" || fail "inspect: --report differs from stdout"
skopeo inspect --raw "oci:$work/a/layout:v1" >"$work/manifest.json"
/usr/bin/python3 - "$work/inspect.json" "$work/manifest.json" "$work/a/layout" "$digest" <<'PY'
import gzip, json, os, sys, tarfile
facts, manifest, layout, digest = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4]
assert facts["manifest_digest"] == digest, facts
assert facts["platform"] == "linux/amd64", facts
assert facts["exposed_ports"] == ["8080/tcp"], facts
assert facts["layers"] == len(manifest["layers"]), facts
assert facts["compressed_bytes"] == sum(l["size"] for l in manifest["layers"]), facts
files = raw = 0
for l in manifest["layers"]:
    blob = os.path.join(layout, "blobs", *l["digest"].split(":"))
    data = gzip.open(blob).read()
    raw += len(data)
    with gzip.open(blob) as f, tarfile.open(fileobj=f) as t:
        files += sum(1 for m in t.getmembers() if m.isfile())
assert facts["uncompressed_bytes"] == raw and facts["files"] == files, (facts, raw, files)
assert facts["shared_libs"] == 0, facts  # a static binary
PY
# ... and refuses a layout whose blob was tampered with.
cp -r "$work/a/layout" "$work/tampered"
layer=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][0]["digest"].split(":")[1])' "$work/manifest.json")
chmod -R u+w "$work/tampered"
printf 'x' >>"$work/tampered/blobs/sha256/$layer"
if "$shipctl" inspect --layout "$work/tampered" >/dev/null 2>"$work/inspect.err"; then
  fail "inspect accepted a tampered layer"
fi
grep -q "$layer" "$work/inspect.err" || fail "inspect's error does not name the bad blob: $(cat "$work/inspect.err")"

# 4. Reproducible: another directory, another run, fewer threads: same bytes.
pack "$work/b" --jobs=1
cmp -s "$work/a/image.digest" "$work/b/image.digest" || fail "digest differs between runs"
cmp -s "$work/a/image.tar" "$work/b/image.tar" || fail "docker-archive differs"
cmp -s "$work/a/image.spdx.json" "$work/b/image.spdx.json" || fail "SBOM differs"
diff -r "$work/a/layout" "$work/b/layout" >/dev/null || fail "layouts differ"
# ...and SOURCE_DATE_EPOCH is honoured (it must change the digest).
SOURCE_DATE_EPOCH=1700000000 pack "$work/c"
[[ $(cat "$work/c/image.digest") != "$digest" ]] || fail "SOURCE_DATE_EPOCH ignored"
SOURCE_DATE_EPOCH=1700000000 /usr/bin/python3 "$check_image" "$work/c/layout" >/dev/null
grep -q '"created":"2023-11-14T22:13:20Z"' "$work/c/layout/blobs/sha256/"* \
  || fail "created does not follow SOURCE_DATE_EPOCH"
echo "PASS $digest"
