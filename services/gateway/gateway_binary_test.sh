#!/usr/bin/env bash
# Exercises the gateway binary as an operator would: flags, the deploy
# config with no upstream, SIGHUP reload (good and bad), SIGTERM drain.
# Usage: gateway_binary_test.sh PATH_TO_GATEWAY
set -euo pipefail

GATEWAY=$1
HERE=$(cd "$(dirname "$0")" && pwd)
DEPLOY=${DEPLOY_YAML:-$HERE/deploy.yaml}
[[ -f $DEPLOY ]] || DEPLOY=services/gateway/deploy.yaml
WORK=$(mktemp -d "${TEST_TMPDIR:-/tmp}/gwbin.XXXXXX")
PID=
cleanup() {
  if [[ -n $PID ]] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; [[ -f $WORK/err ]] && sed 's/^/  stderr: /' "$WORK/err" >&2; exit 1; }

# GET PATH -> prints "STATUS BODY" (HTTP/1.0 over bash's /dev/tcp).
get() {
  local reply
  exec 3<>"/dev/tcp/127.0.0.1/$PORT"
  printf 'GET %s HTTP/1.0\r\n\r\n' "$1" >&3
  reply=$(timeout 5 cat <&3 | tr -d '\r')
  exec 3<&-
  local status body
  status=$(head -1 <<<"$reply" | cut -d' ' -f2)
  body=$(sed '1,/^$/d' <<<"$reply")
  echo "$status $body"
}

start() {  # start CONFIG: runs the gateway on a kernel-chosen port
  # The file must exist before the loop reads it: the background shell may
  # not have opened its redirection yet, and a failing sed under `set -e`
  # would end the test without a word.
  : >"$WORK/err"
  "$GATEWAY" --config "$1" --listen 127.0.0.1:0 2>>"$WORK/err" &
  PID=$!
  for _ in $(seq 100); do
    PORT=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/err")
    [[ -n $PORT ]] && return 0
    kill -0 "$PID" 2>/dev/null || fail "gateway exited at start"
    sleep 0.05
  done
  fail "gateway did not report its port"
}

# Flags.
"$GATEWAY" --version | grep -q '^gateway ' || fail "--version"
"$GATEWAY" --check-config "$DEPLOY" >/dev/null || fail "deploy.yaml is invalid"
printf 'routes:\n  - match: /a\n    dest: nowhere\n' >"$WORK/bad.yaml"
if "$GATEWAY" --check-config "$WORK/bad.yaml" 2>"$WORK/out"; then fail "bad config accepted"; fi
grep -q "^$WORK/bad.yaml:3: " "$WORK/out" || fail "error does not name the line: $(cat "$WORK/out")"
if "$GATEWAY" --config "$WORK/bad.yaml" --listen 127.0.0.1:0 2>"$WORK/out"; then
  fail "gateway started with a bad config"
fi
grep -q "bad.yaml:3:" "$WORK/out" || fail "start error does not name the line"

# The deploy config serves /health with no upstream running.
start "$DEPLOY"
[[ $(get /health) == "200 OK" ]] || fail "/health: $(get /health)"
[[ $(get /ready) == "200 ready" ]] || fail "/ready"
[[ $(get /api/x) == '503 {"degraded":true}' ]] || fail "/api/x fallback: $(get /api/x)"
kill -TERM "$PID"
wait "$PID" || fail "SIGTERM exit status $?"
PID=

# Reload: a good file is applied, a bad one refused while the old serves.
cat >"$WORK/gw.yaml" <<'YAML'
routes:
  - match: /v
    respond: { status: 200, body: one }
YAML
start "$WORK/gw.yaml"
[[ $(get /v) == "200 one" ]] || fail "/v before reload: $(get /v)"
sed -i 's/body: one/body: two/' "$WORK/gw.yaml"
kill -HUP "$PID"
for _ in $(seq 100); do [[ $(get /v) == "200 two" ]] && break; sleep 0.05; done
[[ $(get /v) == "200 two" ]] || fail "reload not applied: $(get /v)"
printf 'routes:\n  - match: /v\n    respond: { status: 99 }\n' >"$WORK/gw.yaml"
kill -HUP "$PID"
for _ in $(seq 100); do grep -q "reload refused" "$WORK/err" && break; sleep 0.05; done
grep -q "reload refused: $WORK/gw.yaml:3: " "$WORK/err" || fail "bad reload not reported with its line"
[[ $(get /v) == "200 two" ]] || fail "old config not kept after a bad reload"

# Access log: one line per request.
kill -TERM "$PID"
wait "$PID" || fail "SIGTERM exit status"
PID=
grep -q '^GET /v /v 200 - ' "$WORK/err" || fail "no access-log line"
echo PASS
