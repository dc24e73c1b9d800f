#!/usr/bin/env bash
# umoci unpacks an image into a runc bundle; runc starts its entrypoint as
# the image's user (65532) and it answers /health.
# Usage: runc_run_test.sh SHIPCTL HTTP_BINARY [--dynamic-libs]
#        runc_run_test.sh --image PORT OUTPUT...
# The first form packs a test binary that takes the port as argv[1] and
# answers with its uid; with --dynamic-libs a dynamically linked binary is
# packed with its loader and libraries, and must start from the image alone
# just the same. The second takes a static_image's outputs ($(rootpaths)) as
# built, with its own Cmd, and PORT is where the service answers /health.
set -euo pipefail
for tool in umoci runc curl nsenter /usr/bin/python3; do
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

if [[ $1 == --image ]]; then
  port=$2
  layout=""
  for path in "${@:3}"; do
    [[ -d $path ]] && layout=$(realpath "$path")
  done
  [[ -n $layout ]] || fail "no layout directory in: ${*:3}"
  tag=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"])' "$layout/index.json")
  expect_answer=""
else
  shipctl=$(realpath "$1")
  binary=$(realpath "$2")
  # The container has its own network namespace: any port is free.
  port=8080 layout=$work/layout tag=t
  "$shipctl" pack --quiet --binary="$binary" --service=health \
    --repository=test/health --tag="$tag" --architecture=amd64 --cmd="$port" \
    --out-layout="$layout" "${@:3}"
  expect_answer="ok uid=65532 gid=65532"
fi
umoci unpack --image "$layout:$tag" "$work/bundle" >/dev/null

# The rest of umoci's config (user, args, mounts, namespaces) is the image's;
# the service keeps a private network namespace, so a fixed service port
# cannot collide with anything on the host, and the probe runs inside it.
/usr/bin/python3 - "$work/bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
c = json.load(open(path))
c["process"]["terminal"] = False
assert any(n["type"] == "network" for n in c["linux"]["namespaces"]), c["linux"]
assert c["process"]["user"]["uid"] == 65532 and c["process"]["user"]["gid"] == 65532, c["process"]["user"]
open(path, "w").write(json.dumps(c))
PY
[[ $(stat -c '%a %u' "$work/bundle/rootfs/tmp") == "1777 0" ]] || fail "/tmp mode"
[[ $(stat -c '%a %u' "$work/bundle/rootfs/home/nonroot") == "700 65532" ]] || fail "/home/nonroot"

runc run --detach --bundle "$work/bundle" "$container" \
  >"$work/container.log" 2>&1 </dev/null || fail "runc run"
pid=$(runc state "$container" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
nsenter --target "$pid" --net ip link set lo up
answer=""
for _ in $(seq 100); do
  answer=$(nsenter --target "$pid" --net curl -sf --max-time 1 "http://127.0.0.1:$port/health" 2>/dev/null) && break
  answer=""
  kill -0 "$pid" 2>/dev/null || fail "the container exited"
  sleep 0.1
done
[[ -n $answer ]] || fail "no answer on /health, port $port"
# Seen by the kernel, whatever the service prints.
for id in Uid Gid; do
  read -r -a ids <<<"$(awk -v k="$id:" '$1 == k { print $2, $3, $4, $5 }' "/proc/$pid/status")"
  [[ ${ids[*]} == "65532 65532 65532 65532" ]] || fail "$id of the service: ${ids[*]}"
done
if [[ -n $expect_answer ]]; then
  [[ $answer == "$expect_answer" ]] || fail "health answered '$answer'"
  [[ -f $work/bundle/rootfs/tmp/health_server.started ]] || fail "/tmp not writable by nonroot"
fi
echo "PASS: $tag answered /health on $port as 65532:65532: $answer"
