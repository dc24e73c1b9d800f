#!/usr/bin/env bash
# loadgen as ci/bench-latency runs it: a JSON report from a short open-loop
# run against python3's http.server, and for bad input one error line on
# stderr, a non-zero exit and no report.
# Usage: loadgen_binary_test.sh PATH_TO_LOADGEN
set -euo pipefail

LOADGEN=$(realpath "$1")
WORK=$(mktemp -d "${TEST_TMPDIR:-/tmp}/loadgen.XXXXXX")
SERVER=
cleanup() {
  if [[ -n $SERVER ]] && kill -0 "$SERVER" 2>/dev/null; then kill "$SERVER"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# One line on stderr, exit status $1, no report written.
expect_error() {  # expect_error STATUS ARGS...
  local want=$1 rc=0
  shift
  "$LOADGEN" "$@" --report "$WORK/bad.json" >"$WORK/out" 2>"$WORK/err" || rc=$?
  [[ $rc -eq $want ]] || fail "loadgen $*: exit $rc, expected $want"
  [[ $(wc -l <"$WORK/err") -eq 1 ]] || fail "loadgen $*: stderr is not one line: $(cat "$WORK/err")"
  grep -q '^loadgen: error: ' "$WORK/err" || fail "loadgen $*: $(cat "$WORK/err")"
  [[ ! -e $WORK/bad.json ]] || fail "loadgen $*: wrote a report"
}

expect_error 2 --url http://127.0.0.1:1/ --rate many
expect_error 2 --url ftp://127.0.0.1/ --rate 10
expect_error 2 --url http://127.0.0.1:1/ --rate 10 --closed-loop
expect_error 2 --url http://127.0.0.1:1/ --rate 10 --report-typo x

# A report into a directory that does not exist is refused before the run.
rc=0
"$LOADGEN" --url http://127.0.0.1:1/ --rate 10 --report "$WORK/no/such/r.json" 2>"$WORK/err" || rc=$?
[[ $rc -eq 2 && $(wc -l <"$WORK/err") -eq 1 ]] || fail "report dir: exit $rc: $(cat "$WORK/err")"

# Nothing listening: refused before any load.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
expect_error 1 --url "http://127.0.0.1:$PORT/" --rate 10
grep -q "connect 127.0.0.1:$PORT" "$WORK/err" || fail "refusal does not name the address: $(cat "$WORK/err")"

"$LOADGEN" --help | grep -q -- '--closed-loop' || fail "--help does not list --closed-loop"

# A real run: python3's http.server on a kernel-chosen port.
cd "$WORK"
echo hello >index.html
python3 -c '
import http.server, socketserver, sys
class Quiet(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, the second
    # waits for the client'"'"'s delayed ACK, 40 ms a request.
    disable_nagle_algorithm = True
    def log_message(self, *args): pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
open("port.tmp", "w").write(str(server.server_address[1]))
__import__("os").rename("port.tmp", "port")
server.serve_forever()
' &
SERVER=$!
for _ in $(seq 200); do [[ -s port ]] && break; sleep 0.05; done
[[ -s port ]] || fail "http.server did not start"
"$LOADGEN" --url "http://127.0.0.1:$(cat port)/index.html" --rate 100 \
  --connections 2 --warmup 100ms --duration 1s --report "$WORK/r.json" >"$WORK/out" ||
  fail "loadgen run failed: $(cat "$WORK/out")"
grep -q 'open loop at 100 req/s' "$WORK/out" || fail "summary: $(cat "$WORK/out")"
python3 - "$WORK/r.json" <<'PY' || fail "report: $(cat "$WORK/r.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["mode"] == "open-loop", r["mode"]
assert r["latency_from"] == "intended send time"
assert r["target_rate"] == 100
req = r["requests"]
assert req["scheduled"] == 100, req
assert req["answered_total"] >= 100, req
assert req["ok"] == 100 and req["timeouts"] == 0 and req["errors"]["total"] == 0, req
lat = r["latency_ms"]
assert lat["count"] == 100
assert 0 < lat["min"] <= lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p99_9"] <= lat["max"], lat
assert 80 <= r["achieved_rate"] <= 120, r["achieved_rate"]
PY
echo PASS
