#!/bin/bash
# A real full disk and a real read-only data dir, not injected errors: the
# scheduler's --data-dir is a 1 MiB tmpfs in a private mount namespace.
#   full:      POST answers 503 naming the cause and stores nothing; reads
#              keep working; one log line when writes fail, one when they
#              recover; once space is freed, tasks are accepted again;
#   kill -9:   after a restart every task that got 201 is there, none that
#              got 503;
#   read-only: the scheduler starts, serves what it recovered, and answers
#              POST with 503.
# usage: full_disk_test.sh SCHEDULER_BINARY
set -euo pipefail

scheduler=$(readlink -f "$1")
if [[ $(id -u) -ne 0 ]]; then
  echo "full_disk_test: needs root (a tmpfs mount in a private namespace)" >&2
  exit 1
fi
if [[ -z "${FULL_DISK_TEST_IN_NAMESPACE:-}" ]]; then
  FULL_DISK_TEST_IN_NAMESPACE=1 exec unshare --mount --propagation private \
    "$(readlink -f "$0")" "$scheduler"
fi

work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/full_disk.XXXXXX")
data=$work/data
mkdir "$data"
mount -t tmpfs -o size=1m tmpfs "$data"
pid=""
stop() {  # signal, then reap quietly: bash reports "Killed" otherwise
  { kill "$1" "$pid" && wait "$pid"; } 2>/dev/null || true
}
cleanup() {
  [[ -n "$pid" ]] && stop -KILL
  umount "$data" 2>/dev/null || true
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "--- scheduler log:" >&2
  cat "$work/log" >&2 || true
  exit 1
}

# Nothing listens on the discard port: tasks fail their one attempt and end
# dead, which writes state records too, as a busy scheduler would.
printf 'zones:\n  z1: { endpoints: [127.0.0.1:9], path: /dispatch }\n' >"$work/zones.yaml"

start() {
  : >"$work/port"
  "$scheduler" --data-dir "$data/state" --zones "$work/zones.yaml" \
    --listen 127.0.0.1:0 --port-file "$work/port" >>"$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    [[ -s "$work/port" ]] && break
    kill -0 "$pid" 2>/dev/null || fail "the scheduler exited at start"
    sleep 0.05
  done
  port=$(cat "$work/port")
  [[ -n "$port" ]] || fail "no port file"
}

# Prints the status code; the body goes to $work/body.
request() {
  curl -sS -o "$work/body" -w '%{http_code}' "$@"
}

post() {
  printf '{"id":"%s","zone_id":"z1","max_retries":0,"payload":"%s"}' \
    "$1" "$payload" >"$work/task.json"
  request -X POST --data-binary "@$work/task.json" \
    "http://127.0.0.1:$port/v1/tasks"
}

payload=$(head -c 30000 /dev/zero | tr '\0' x)
start
# Leave about 160 KiB: a few tasks fit, the rest do not.
head -c $((1024 * 1024 - 160 * 1024)) /dev/zero >"$data/filler" || true

accepted=() refused=()
for i in $(seq 1 12); do
  code=$(post "t$i")
  case "$code" in
    201) accepted+=("t$i") ;;
    503)
      refused+=("t$i")
      grep -q '"error":.*No space left on device' "$work/body" ||
        fail "503 without the cause: $(cat "$work/body")"
      ;;
    *) fail "POST t$i answered $code: $(cat "$work/body")" ;;
  esac
done
echo "disk full: accepted ${accepted[*]}; refused ${refused[*]}"
((${#accepted[@]} > 0)) || fail "no task fitted before the disk was full"
((${#refused[@]} > 0)) || fail "the disk never filled up"

for id in "${accepted[@]}"; do
  [[ $(request "http://127.0.0.1:$port/v1/tasks/$id") == 200 ]] ||
    fail "GET $id while the disk is full"
done
for id in "${refused[@]}"; do
  [[ $(request "http://127.0.0.1:$port/v1/tasks/$id") == 404 ]] ||
    fail "$id got 503 but is stored: $(cat "$work/body")"
done
[[ $(request "http://127.0.0.1:$port/v1/tasks?limit=100") == 200 ]] ||
  fail "list while the disk is full"
[[ $(request "http://127.0.0.1:$port/metrics") == 200 ]] ||
  fail "metrics while the disk is full"
[[ $(request "http://127.0.0.1:$port/health") == 503 ]] ||
  fail "/health should say degraded: $(cat "$work/body")"
# One line per change of state, not one per refused task (a small record can
# still fit after a large one failed, so the state may flip more than once).
lines=$(grep -c 'write-ahead log cannot be written' "$work/log" || true)
((lines >= 1 && lines < ${#refused[@]})) ||
  fail "$lines log lines for ${#refused[@]} refused tasks"

rm "$data/filler"
[[ $(post t-after) == 201 ]] || fail "not accepted after space was freed: $(cat "$work/body")"
accepted+=(t-after)
[[ $(request "http://127.0.0.1:$port/health") == 200 ]] || fail "/health after recovery"
grep -q 'write-ahead log is writable again' "$work/log" || fail "no recovery line"

stop -KILL
start
for id in "${accepted[@]}"; do
  [[ $(request "http://127.0.0.1:$port/v1/tasks/$id") == 200 ]] ||
    fail "$id got 201 but is gone after kill -9"
done
for id in "${refused[@]}"; do
  [[ $(request "http://127.0.0.1:$port/v1/tasks/$id") == 404 ]] ||
    fail "$id got 503 but came back after kill -9"
done
echo "after kill -9: all ${#accepted[@]} accepted tasks there, no refused one"

stop -TERM
mount -o remount,ro "$data"
start
for id in "${accepted[@]}"; do
  [[ $(request "http://127.0.0.1:$port/v1/tasks/$id") == 200 ]] ||
    fail "GET $id with a read-only data dir"
done
code=$(post t-readonly)
[[ $code == 503 ]] || fail "POST with a read-only data dir answered $code"
grep -q 'Read-only file system' "$work/body" ||
  fail "503 without the cause: $(cat "$work/body")"
grep -q 'data dir not writable' "$work/log" || fail "no log line for the read-only dir"
echo "read-only data dir: reads served, POST 503: $(cat "$work/body")"
echo PASS
