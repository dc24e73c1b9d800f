#!/usr/bin/env bash
# Exercises the gateway binary as an operator would: flags, the deploy
# config with no upstream, SIGHUP reload (good and bad), SIGTERM drain (and
# its drain_timeout bound).
# Usage: gateway_binary_test.sh PATH_TO_GATEWAY
set -euo pipefail

GATEWAY=$1
HERE=$(cd "$(dirname "$0")" && pwd)
DEPLOY=${DEPLOY_YAML:-$HERE/gateway.yaml}
[[ -f $DEPLOY ]] || DEPLOY=services/gateway/gateway.yaml
WORK=$(mktemp -d "${TEST_TMPDIR:-/tmp}/gwbin.XXXXXX")
PID=
UPID=
cleanup() {
  if [[ -n $PID ]] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID"; fi
  if [[ -n $UPID ]] && kill -0 "$UPID" 2>/dev/null; then kill -KILL "$UPID"; fi
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
"$GATEWAY" --check-config "$DEPLOY" >/dev/null || fail "gateway.yaml is invalid"
printf 'routes:\n  - match: /a\n    dest: nowhere\n' >"$WORK/bad.yaml"
if "$GATEWAY" --check-config "$WORK/bad.yaml" 2>"$WORK/out"; then fail "bad config accepted"; fi
grep -q "^$WORK/bad.yaml:3: " "$WORK/out" || fail "error does not name the line: $(cat "$WORK/out")"
# A zero weight is refused with one line naming the file and line.
printf 'upstreams:\n  u:\n    endpoints:\n      - { address: 127.0.0.1:1, weight: 0 }\n' >"$WORK/weight.yaml"
if "$GATEWAY" --check-config "$WORK/weight.yaml" 2>"$WORK/out"; then fail "weight 0 accepted"; fi
[[ $(wc -l <"$WORK/out") -eq 1 ]] || fail "more than one error line: $(cat "$WORK/out")"
grep -q "^$WORK/weight.yaml:4: weight must be an integer in \[1, 1000\], got '0'$" "$WORK/out" ||
  fail "weight error: $(cat "$WORK/out")"
if "$GATEWAY" --config "$WORK/bad.yaml" --listen 127.0.0.1:0 2>"$WORK/out"; then
  fail "gateway started with a bad config"
fi
grep -q "bad.yaml:3:" "$WORK/out" || fail "start error does not name the line"
# A regex RE2 cannot compile: one line with the pattern and RE2's words,
# and the gateway does not start.
printf 'routes:\n  - path_regex: "^/v1/(tasks"\n    dest: 127.0.0.1:1\n' >"$WORK/regex.yaml"
if "$GATEWAY" --check-config "$WORK/regex.yaml" 2>"$WORK/out"; then fail "bad regex accepted"; fi
[[ $(wc -l <"$WORK/out") -eq 1 ]] || fail "more than one error line: $(cat "$WORK/out")"
grep -Fqx "$WORK/regex.yaml:2: path_regex '^/v1/(tasks' is not a valid RE2 regex: missing ): ^/v1/(tasks" "$WORK/out" ||
  fail "regex error: $(cat "$WORK/out")"
if "$GATEWAY" --config "$WORK/regex.yaml" --listen 127.0.0.1:0 2>"$WORK/out"; then
  fail "gateway started with a bad regex"
fi
grep -Fq "regex.yaml:2: path_regex '^/v1/(tasks' is not a valid RE2 regex" "$WORK/out" ||
  fail "start error does not name the regex: $(cat "$WORK/out")"

# The deploy config serves /health with no upstream running.
start "$DEPLOY"
[[ $(get /health) == "200 OK" ]] || fail "/health: $(get /health)"
[[ $(get /ready) == "200 ready" ]] || fail "/ready"
[[ $(get /v1/x) == '503 {"degraded":true}' ]] || fail "/v1/x fallback (no scheduler on 8090): $(get /v1/x)"
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
# A regex route by reload; then a bad regex is refused and it keeps serving.
cat >"$WORK/gw.yaml" <<'YAML'
routes:
  - path_regex: /t/[a-z]+
    respond: { status: 200, body: regex }
  - match: /v
    respond: { status: 200, body: two }
YAML
kill -HUP "$PID"
for _ in $(seq 100); do [[ $(get /t/abc) == "200 regex" ]] && break; sleep 0.05; done
[[ $(get /t/abc) == "200 regex" ]] || fail "regex route not applied: $(get /t/abc)"
[[ $(get /t/ab1) == "404 "* ]] || fail "/t/ab1 matched /t/[a-z]+: $(get /t/ab1)"
sed -i 's|/t/\[a-z\]+|/t/[a-z|' "$WORK/gw.yaml"
kill -HUP "$PID"
for _ in $(seq 100); do grep -q "reload refused: .*RE2" "$WORK/err" && break; sleep 0.05; done
grep -q "reload refused: $WORK/gw.yaml:2: path_regex '/t/\[a-z' is not a valid RE2 regex: missing \]: \[a-z" "$WORK/err" ||
  fail "bad regex reload not reported with its line"
[[ $(get /t/abc) == "200 regex" ]] || fail "old config not kept after a bad regex reload"

# Access log: one line per request.
kill -TERM "$PID"
wait "$PID" || fail "SIGTERM exit status"
PID=
grep -q '^GET /v /v 200 - ' "$WORK/err" || fail "no access-log line"

# SIGTERM drain is bounded by drain_timeout: a request stuck on an upstream
# that never answers does not hold the exit. The stuck upstream is another
# gateway, stopped: the kernel still accepts connections for it.
printf 'routes:\n  - match: /u\n    respond: { status: 200 }\n' >"$WORK/up.yaml"
start "$WORK/up.yaml"
UPID=$PID UPORT=$PORT
kill -STOP "$UPID"
cat >"$WORK/gw.yaml" <<YAML
drain_timeout: 1s
routes:
  - match: /hang
    dest: 127.0.0.1:$UPORT
    timeout: 60s
YAML
start "$WORK/gw.yaml"
exec 4<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /hang HTTP/1.1\r\nHost: x\r\n\r\n' >&4
# In flight once the gateway holds it as a connection besides this scrape's.
for _ in $(seq 100); do
  get /metrics | grep -q '^gateway_open_connections 2$' && break
  sleep 0.05
done
sleep 0.2
t0=$(date +%s%N)
kill -TERM "$PID"
for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
ms=$((($(date +%s%N) - t0) / 1000000))
kill -0 "$PID" 2>/dev/null && fail "still draining after ${ms}ms (drain_timeout: 1s)"
wait "$PID" || fail "bounded drain exit status $?"
PID=
exec 4<&-
((ms >= 900)) || fail "drain did not wait for the in-flight request (${ms}ms)"
((ms < 3000)) || fail "drain took ${ms}ms (drain_timeout: 1s)"
kill -TERM "$UPID"
kill -CONT "$UPID"
wait "$UPID" || fail "stuck upstream's exit status $?"
UPID=
echo PASS
