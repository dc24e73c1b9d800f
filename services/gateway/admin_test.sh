#!/usr/bin/env bash
# The gateway's admin listener through real sockets (common/diagnostics):
# none without --admin-listen, never on the public port; /debug/vars,
# /debug/threads, a CPU profile that `go tool pprof` reads and that names
# the gzip handler burning the CPU, a trace with every span of a proxied
# request; and the process_* metrics on /metrics.
# Usage: admin_test.sh PATH_TO_GATEWAY PATH_TO_ADMIN_CHECKS
set -euo pipefail

GATEWAY=$1
WORK=$(mktemp -d "${TEST_TMPDIR:-/tmp}/gwadmin.XXXXXX")
# shellcheck source=common/diagnostics/testing/admin_checks.sh
source "$2"
UPSTREAM_PID=
stop_upstream() {
  if [[ -n $UPSTREAM_PID ]]; then
    kill -KILL "$UPSTREAM_PID" 2>/dev/null || true
    wait "$UPSTREAM_PID" 2>/dev/null || true
  fi
}
trap 'stop_upstream; admin_cleanup' EXIT

# An upstream (the gateway binary itself, answering from a respond route)
# so that a proxied request has its upstream span.
cat >"$WORK/upstream.yaml" <<'YAML'
listen: 127.0.0.1:0
workers: 1
access_log: false
routes:
  - match: /up
    respond: { status: 200, body: up }
YAML
# The file exists before the child starts: the loop below may read it
# before the child's own redirection has created it.
: >"$WORK/upstream.err"
"$GATEWAY" --config "$WORK/upstream.yaml" 2>>"$WORK/upstream.err" &
UPSTREAM_PID=$!
for _ in $(seq 200); do
  UPSTREAM=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/upstream.err")
  [[ -n $UPSTREAM ]] && break
  sleep 0.05
done
[[ -n $UPSTREAM ]] || fail "the upstream gateway did not start"

# /burn answers 100 KB of text gzipped at level 9: the gateway's CPU goes
# to MaybeGzip and zlib.
python3 - "$WORK/gateway.yaml" "$UPSTREAM" <<'PY'
import random, sys
random.seed(7)
words = ["alpha", "beta", "gamma", "delta", "kappa", "sigma", "omega"]
body = " ".join(random.choice(words) + str(random.randint(0, 999)) for _ in range(14000))
open(sys.argv[1], "w").write(f"""listen: 127.0.0.1:0
workers: 2
access_log: false
upstreams:
  up: {{ endpoints: [127.0.0.1:{sys.argv[2]}] }}
routes:
  - match: /up
    dest: up
  - match: /burn
    respond: {{ status: 200, body: '{body}', content_type: text/plain }}
gzip: {{ min_bytes: 1024, level: 9 }}
""")
PY

burn() {
  while [[ ! -e $WORK/stop ]]; do
    curl -s -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PUBLIC/burn" || true
  done
}
proxy() {
  while [[ ! -e $WORK/stop ]]; do
    curl -s -o /dev/null "http://127.0.0.1:$PUBLIC/up" || true
  done
}

admin_check_off_by_default "$GATEWAY" --config "$WORK/gateway.yaml"
admin_check_refuses_public_port "$GATEWAY" --config "$WORK/gateway.yaml"

export STATICSHIP_REVISION=0123456789abcdef0123456789abcdef01234567
admin_start "$GATEWAY" --config "$WORK/gateway.yaml"
admin_check_public_has_no_debug
admin_check_vars gateway
admin_check_threads
admin_check_profile "$GATEWAY" "staticship::gateway::MaybeGzip" burn
admin_check_trace "accept parse route upstream respond request" proxy
admin_check_process_metrics
admin_stop
echo "PASS"
