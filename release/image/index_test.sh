#!/usr/bin/env bash
# `shipctl index` over an amd64 and an arm64 image: one layout whose image
# index lists both platforms, accepted by the OCI schemas, oci-image-tool and
# skopeo (which picks each platform's image), and whose arm64 binary runs
# under qemu-aarch64.
# Usage: index_test.sh SHIPCTL AMD64_BINARY ARM64_BINARY CHECK_IMAGE_PY
# ARM64_BINARY: a static aarch64 HTTP test server taking the port as argv[1]
# (release/image/testdata/health_server built for arm64).
set -euo pipefail
shipctl=$(realpath "$1")
amd64=$(realpath "$2")
arm64=$(realpath "$3")
check_image=$(realpath "$4")
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/index_test.XXXXXX")
qemu_pid=""
trap '[[ -n $qemu_pid ]] && kill "$qemu_pid" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$shipctl" pack --quiet --binary="$amd64" --service=app --architecture=amd64 \
  --out-layout="$work/amd64"
"$shipctl" pack --quiet --binary="$arm64" --service=app --architecture=arm64 \
  --variant=v8 --out-layout="$work/arm64"
# Input order must not matter.
"$shipctl" index --quiet --layout="$work/arm64" --layout="$work/amd64" --tag=multi \
  --out-layout="$work/multi" --out-digest="$work/digest"
"$shipctl" index --quiet --layout="$work/amd64" --layout="$work/arm64" --tag=multi \
  --out-layout="$work/multi2" --out-digest="$work/digest2"
cmp -s "$work/digest" "$work/digest2" || fail "index depends on input order"

/usr/bin/python3 "$check_image" "$work/multi" --expect-platforms 2
oci-image-tool validate --type image --ref name=multi "$work/multi" >"$work/v.log" 2>&1 \
  || { cat "$work/v.log"; fail "oci-image-tool"; }
for arch in amd64 arm64; do
  got=$(skopeo --override-arch "$arch" inspect --config "oci:$work/multi:multi" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["architecture"])')
  [[ $got == "$arch" ]] || fail "skopeo picked $got for $arch"
done
skopeo inspect --raw "oci:$work/multi:multi" | grep -q '"variant":"v8"' || fail "variant"

# The same platform twice is an error, and leaves no output.
if "$shipctl" index --quiet --layout="$work/amd64" --layout="$work/amd64" \
  --out-layout="$work/dup" 2>"$work/err"; then
  fail "duplicate platform accepted"
fi
grep -q "two images for platform linux/amd64" "$work/err" || fail "$(cat "$work/err")"
[[ ! -e $work/dup ]] || fail "partial output left"

# The arm64 binary out of the index runs under qemu.
# (Extracted with Python, not umoci: umoci unpack needs chown, which a
# sandboxed test cannot do.)
bin="$work/app"
/usr/bin/python3 - "$work/arm64" "$bin" <<'PY'
import gzip, io, json, sys, tarfile
layout, out = sys.argv[1], sys.argv[2]
blob = lambda d: open(f"{layout}/blobs/sha256/{d[7:]}", "rb").read()
top = json.load(open(layout + "/index.json"))["manifests"][0]
manifest = json.loads(blob(top["digest"]))
layer = gzip.decompress(blob(manifest["layers"][0]["digest"]))
with tarfile.open(fileobj=io.BytesIO(layer)) as tar:
    open(out, "wb").write(tar.extractfile("usr/local/bin/app").read())
PY
chmod +x "$bin"
if ! command -v qemu-aarch64 >/dev/null; then fail "qemu-aarch64 missing"; fi
machine=$(/usr/bin/python3 -c 'import sys; d=open(sys.argv[1],"rb").read(20); print(int.from_bytes(d[18:20],"little"))' "$bin")
if [[ $machine == 183 ]]; then
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  qemu-aarch64 "$bin" "$port" >"$work/qemu.log" 2>&1 &
  qemu_pid=$!
  answer=""
  for _ in $(seq 100); do
    answer=$(curl -sf --max-time 1 "http://127.0.0.1:$port/health" 2>/dev/null) && break
    sleep 0.1
  done
  [[ $answer == ok* ]] || fail "arm64 binary under qemu answered '$answer'"
  echo "arm64 under qemu: $answer"
else
  # Only a host-only run without a cross toolchain may skip this, explicitly.
  [[ ${ALLOW_FAKE_ARM64:-0} == 1 ]] || fail "$arm64 is not an aarch64 binary"
  echo "NOTE: ALLOW_FAKE_ARM64=1: qemu run skipped"
fi
echo "PASS $(cat "$work/digest")"
