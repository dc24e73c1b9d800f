#!/usr/bin/env bash
# umoci unpacks the packed image into a runc bundle; runc starts the binary
# as the image's user (65532) and it answers /health on loopback.
# Usage: runc_run_test.sh SHIPCTL HTTP_BINARY [--dynamic-libs]
# The binary must take the port as argv[1] and answer with its uid. With
# --dynamic-libs a dynamically linked binary is packed with its loader and
# libraries, and must start from the image alone just the same.
set -euo pipefail
shipctl=$(realpath "$1")
binary=$(realpath "$2")
extra=("${@:3}")
for tool in umoci runc curl /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool"; exit 1; }
done
[[ $(id -u) -eq 0 ]] || { echo "runc needs root here"; exit 1; }
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/runc_run.XXXXXX")
container="staticship-image-test-$$"
cleanup() {
  runc kill "$container" KILL >/dev/null 2>&1 || true
  for _ in $(seq 50); do
    runc delete --force "$container" >/dev/null 2>&1 && break
    sleep 0.1
  done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -f $work/container.log ]] && cat "$work/container.log"; exit 1; }

# A free loopback port, chosen by the kernel.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

"$shipctl" pack --quiet --binary="$binary" --service=health --repository=test/health \
  --tag=t --architecture=amd64 --cmd="$port" --out-layout="$work/layout" \
  "${extra[@]}"
umoci unpack --image "$work/layout:t" "$work/bundle" >/dev/null

# Share the host network namespace so the test can reach the port on
# loopback; the rest of umoci's config (user, args, mounts) is the image's.
/usr/bin/python3 - "$work/bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
c = json.load(open(path))
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
c["process"]["terminal"] = False
assert c["process"]["user"]["uid"] == 65532 and c["process"]["user"]["gid"] == 65532, c["process"]["user"]
open(path, "w").write(json.dumps(c))
PY
[[ $(stat -c '%a %u' "$work/bundle/rootfs/tmp") == "1777 0" ]] || fail "/tmp mode"
[[ $(stat -c '%a %u' "$work/bundle/rootfs/home/nonroot") == "700 65532" ]] || fail "/home/nonroot"

runc run --detach --bundle "$work/bundle" "$container" \
  >"$work/container.log" 2>&1 </dev/null || fail "runc run"
answer=""
for _ in $(seq 100); do
  answer=$(curl -sf --max-time 1 "http://127.0.0.1:$port/health" 2>/dev/null) && break
  sleep 0.05
done
[[ $answer == "ok uid=65532 gid=65532" ]] || fail "health answered '$answer'"
[[ -f $work/bundle/rootfs/tmp/health_server.started ]] || fail "/tmp not writable by nonroot"
echo "PASS: $answer"
