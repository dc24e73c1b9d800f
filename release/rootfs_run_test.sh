#!/bin/bash
# Runs a service binary alone in an empty root file system and checks that it
# answers /health: proof that it needs nothing from the host at run time.
#
# usage: rootfs_run_test.sh BINARY PORT DATA_FILES SERVICE_ARGS...
#   DATA_FILES: colon-separated files placed at /etc/<service>/<basename>
#   ("-" for none),
#   where the image puts them too.
set -euo pipefail

binary=$1 port=$2 data=$3
shift 3
service=$(basename "$binary")

if [[ $(id -u) -ne 0 ]]; then
  echo "rootfs_run_test: needs root (unshare --root and a network namespace)" >&2
  exit 1
fi

root=$(mktemp -d "${TEST_TMPDIR:-/tmp}/rootfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/local/bin" "$root/tmp" "$root/etc/$service"
chmod 1777 "$root/tmp"
cp "$binary" "$root/usr/local/bin/$service"
IFS=: read -r -a files <<<"$data"
for f in "${files[@]}"; do
  [[ -n "$f" && "$f" != "-" ]] && cp "$f" "$root/etc/$service/"
done

echo "rootfs contents:"
(cd "$root" && find . | sort)

# A private network namespace keeps the fixed service port from colliding
# with anything else on the machine; the probe runs inside it.
unshare --net bash -euo pipefail -c '
  root=$1 service=$2 port=$3
  shift 3
  ip link set lo up
  unshare --root="$root" --wd=/ "/usr/local/bin/$service" "$@" >"$root.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    if body=$(curl -fsS --max-time 1 "http://127.0.0.1:$port/health" 2>/dev/null); then
      echo "health: $body"
      kill "$pid"; wait "$pid" || true
      exit 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "rootfs_run_test: $service did not answer /health on port $port; its output:" >&2
  cat "$root.log" >&2
  kill "$pid" 2>/dev/null || true
  exit 1
' _ "$root" "$service" "$port" "$@"
