#!/usr/bin/env bash
# Checks what the static_image and static_image_index rules produced for the test
# server: valid layouts and schemas, digest files that match index.json, an
# SBOM per image, both platforms in the index, and the arm64 binary from the
# index running under qemu-aarch64.
# Usage: image_rules_test.sh CHECK_IMAGE_PY OUTPUT...
set -euo pipefail
check_image=$(realpath "$1")
shift
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/image_rules.XXXXXX")
qemu_pid=""
trap '[[ -n $qemu_pid ]] && kill "$qemu_pid" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

zlib_sbom="" zlib_layout="" image_layout="" multi_layout="" image_digest="" multi_digest="" sboms=()
for path in "$@"; do
  case $path in
    *health_image_layout) image_layout=$path ;;
    *health_image_multiarch_layout) multi_layout=$path ;;
    *health_image.digest) image_digest=$path ;;
    *health_image_multiarch.digest) multi_digest=$path ;;
    *zlib_image.spdx.json) zlib_sbom=$path ;;
    *zlib_image_layout) zlib_layout=$path ;;
    *.spdx.json) sboms+=("$path") ;;
  esac
done
[[ -n $image_layout && -n $multi_layout && -n $image_digest && -n $multi_digest ]] \
  || fail "missing outputs in: $*"
[[ ${#sboms[@]} -eq 3 ]] || fail "expected 3 SBOMs, got ${#sboms[@]}"
[[ -n $zlib_sbom && -n $zlib_layout ]] || fail "missing zlib_image outputs"

# The aspect found @zlib in the binary's deps; the lock describes it.
/usr/bin/python3 "$check_image" "$zlib_layout" --expect-platforms 1
/usr/bin/python3 - "$zlib_sbom" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
by_name = {p["name"]: p for p in doc["packages"]}
assert "zlib" in by_name and "GoogleTest" not in by_name, sorted(by_name)
zlib = by_name["zlib"]
assert zlib["versionInfo"] and zlib["checksums"][0]["algorithm"] == "SHA256", zlib
rels = {(r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"])
        for r in doc["relationships"]}
assert ("SPDXRef-Binary", "STATIC_LINK", zlib["SPDXID"]) in rels, rels
PY
/usr/bin/python3 - "$zlib_layout" <<'PY'
import gzip, io, json, sys, tarfile
layout = sys.argv[1]
blob = lambda d: open(f"{layout}/blobs/sha256/{d[7:]}", "rb").read()
top = json.load(open(layout + "/index.json"))["manifests"][0]
manifest = json.loads(blob(top["digest"]))
layer = gzip.decompress(blob(manifest["layers"][0]["digest"]))
with tarfile.open(fileobj=io.BytesIO(layer)) as tar:
    extra = tar.getmember("usr/share/zlib_version/source.cc")
    assert extra.mode == 0o600 and extra.uid == 0, (oct(extra.mode), extra.uid)
    assert b"zlibVersion" in tar.extractfile(extra).read()
PY

/usr/bin/python3 "$check_image" "$image_layout" --expect-platforms 1
/usr/bin/python3 "$check_image" "$multi_layout" --expect-platforms 2
for layout in "$image_layout" "$multi_layout"; do
  oci-image-tool validate --type image "$layout" >"$work/v.log" 2>&1 \
    || { cat "$work/v.log"; fail "oci-image-tool $layout"; }
done
grep -q "$(cat "$image_digest")" "$image_layout/index.json" || fail "image digest file"
grep -q "$(cat "$multi_digest")" "$multi_layout/index.json" || fail "index digest file"

for sbom in "${sboms[@]}"; do
  /usr/bin/python3 - "$sbom" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["spdxVersion"] == "SPDX-2.3", sys.argv[1]
names = {p["name"] for p in doc["packages"]}
# A static musl binary: musl and libc++ from the zig SDK, no test deps.
assert "musl libc" in names, names
assert "GoogleTest" not in names, names
PY
done

# Extract the arm64 binary from the index and run it under qemu.
/usr/bin/python3 - "$multi_layout" "$work/app" <<'PY'
import gzip, io, json, sys, tarfile
layout, out = sys.argv[1], sys.argv[2]
blob = lambda d: open(f"{layout}/blobs/sha256/{d[7:]}", "rb").read()
top = json.load(open(layout + "/index.json"))["manifests"][0]
index = json.loads(blob(top["digest"]))
[arm] = [m for m in index["manifests"] if m["platform"]["architecture"] == "arm64"]
manifest = json.loads(blob(arm["digest"]))
layer = gzip.decompress(blob(manifest["layers"][0]["digest"]))
with tarfile.open(fileobj=io.BytesIO(layer)) as tar:
    member = [m for m in tar.getmembers() if m.name.startswith("usr/local/bin/")][0]
    data = tar.extractfile(member).read()
assert data[18:20] == (183).to_bytes(2, "little"), "not an aarch64 ELF"
open(out, "wb").write(data)
PY
chmod +x "$work/app"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
qemu-aarch64 "$work/app" "$port" >"$work/qemu.log" 2>&1 &
qemu_pid=$!
answer=""
for _ in $(seq 150); do
  answer=$(curl -sf --max-time 1 "http://127.0.0.1:$port/health" 2>/dev/null) && break
  sleep 0.1
done
[[ $answer == ok* ]] || { cat "$work/qemu.log"; fail "arm64 under qemu answered '$answer'"; }
echo "PASS (arm64 under qemu: $answer)"
