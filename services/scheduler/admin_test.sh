#!/usr/bin/env bash
# The scheduler's admin listener through real sockets (common/diagnostics):
# none without --admin-listen, never on the public port; /debug/vars,
# /debug/threads, a CPU profile that `go tool pprof` reads and that names
# the submission parser burning the CPU, a trace with every span of a task
# (submit, queue, dispatch, outcome); and the process_* metrics on /metrics.
# Usage: admin_test.sh PATH_TO_SCHEDULER PATH_TO_ADMIN_CHECKS
set -euo pipefail

SCHEDULER=$1
WORK=$(mktemp -d "${TEST_TMPDIR:-/tmp}/schedadmin.XXXXXX")
# shellcheck source=common/diagnostics/testing/admin_checks.sh
source "$2"
trap admin_cleanup EXIT

# One zone whose game server is down: every task is dispatched, fails to
# connect, and is retried, which is all a trace needs.
DEAD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'zones:\n  z1: { endpoints: [127.0.0.1:%s], path: /dispatch }\n' "$DEAD" >"$WORK/zones.yaml"
# 600 KB of JSON for a zone that does not exist: parsed in full, then
# refused (400), so the CPU goes to ParseSubmitRequest.
python3 -c 'import json; print(json.dumps({"zone_id": "nowhere", "payload": list(range(100000))}))' >"$WORK/big.json"

ARGS=(--listen 127.0.0.1:0 --zones "$WORK/zones.yaml" --fsync off --workers 4
  --drain-grace-ms 2000)

parse() {
  while [[ ! -e $WORK/stop ]]; do
    curl -s -o /dev/null -X POST --data-binary "@$WORK/big.json" \
      "http://127.0.0.1:$PUBLIC/v1/tasks" || true
  done
}
tasks() {
  while [[ ! -e $WORK/stop ]]; do
    curl -s -o /dev/null -X POST -d '{"zone_id":"z1","payload":{},"backoff_ms":50}' \
      "http://127.0.0.1:$PUBLIC/v1/tasks" || true
  done
}

admin_check_off_by_default "$SCHEDULER" --data-dir "$WORK/off" "${ARGS[@]}"
admin_check_refuses_public_port "$SCHEDULER" --data-dir "$WORK/refused" \
  --zones "$WORK/zones.yaml"

export STATICSHIP_REVISION=0123456789abcdef0123456789abcdef01234567
admin_start "$SCHEDULER" --data-dir "$WORK/data" "${ARGS[@]}"
admin_check_public_has_no_debug
admin_check_vars scheduler
admin_check_threads
admin_check_profile "$SCHEDULER" "staticship::scheduler::ParseSubmitRequest" parse
admin_check_trace "accept parse submit queue dispatch outcome" tasks
admin_check_process_metrics
admin_stop
echo "PASS"
