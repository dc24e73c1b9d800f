# The admin listener's checks against a real service binary, shared by the
# services' admin tests (services/*/admin_test.sh), which source this file
# after setting WORK (a temporary directory) and then call the checks in
# turn; each ends the test with one FAIL line on the first thing wrong.
#
#   admin_start BINARY ARGS...        the service with --admin-listen 127.0.0.1:0;
#                                     sets PID, PUBLIC and ADMIN (ports)
#   admin_check_off_by_default BINARY ARGS...
#   admin_check_refuses_public_port BINARY ARGS...
#   admin_check_public_has_no_debug
#   admin_check_vars SERVICE
#   admin_check_threads
#   admin_check_profile BINARY FUNCTION LOAD   (LOAD: a shell function that
#                                     sends requests until $WORK/stop exists)
#   admin_check_trace "SPAN..." LOAD
#   admin_check_process_metrics
#   admin_stop
#
# Needs curl, python3, ss and Debian's golang-go (`go tool pprof`).

PID=
LOAD_PID=
# `go` wants a home for its settings; Bazel gives tests none.
export HOME=${HOME:-$WORK}


# For the caller's EXIT trap. set -e holds in traps too: nothing here may
# fail.
admin_cleanup() {
  if [[ -n $LOAD_PID ]]; then kill "$LOAD_PID" 2>/dev/null || true; fi
  if [[ -n $PID ]]; then kill -KILL "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}

fail() {
  echo "FAIL: $*" >&2
  [[ -f $WORK/err ]] && sed 's/^/  stderr: /' "$WORK/err" | tail -20 >&2
  exit 1
}

# The ports the process listens on, one per line (its workers share one).
listening_ports() {
  ss -ltnpH 2>/dev/null | { grep "pid=$1," || true; } | awk '{print $4}' |
    sed 's/.*://' | sort -u
}

admin_start() {
  : >"$WORK/err"
  "$@" --admin-listen 127.0.0.1:0 2>>"$WORK/err" &
  PID=$!
  for _ in $(seq 200); do
    # (Nothing read yet is no error: grep's status is not the point.)
    PUBLIC=$( (grep -v 'admin listening' "$WORK/err" || true) |
      sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' | head -1)
    ADMIN=$(sed -n 's/.*admin listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
      "$WORK/err" | head -1)
    [[ -n $PUBLIC && -n $ADMIN ]] && return 0
    kill -0 "$PID" 2>/dev/null || fail "the service exited at start"
    sleep 0.05
  done
  fail "the service did not report its two ports"
}

admin_stop() {
  kill -TERM "$PID"
  wait "$PID" || fail "exit status $? after SIGTERM"
  PID=
}

admin_check_off_by_default() {
  : >"$WORK/err"
  "$@" 2>>"$WORK/err" &
  PID=$!
  local port=
  for _ in $(seq 200); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/err" | head -1)
    [[ -n $port ]] && break
    kill -0 "$PID" 2>/dev/null || fail "the service exited at start"
    sleep 0.05
  done
  [[ -n $port ]] || fail "the service did not report its port"
  grep -q 'admin listening' "$WORK/err" && fail "an admin listener without --admin-listen"
  [[ $(listening_ports "$PID") == "$port" ]] ||
    fail "listens on $(listening_ports "$PID" | tr '\n' ' ')besides $port"
  PUBLIC=$port
  admin_check_public_has_no_debug
  admin_stop
}

admin_check_refuses_public_port() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  : >"$WORK/err"
  if timeout 20 "$@" --listen "127.0.0.1:$port" --admin-listen "127.0.0.1:$port" \
      2>"$WORK/err"; then
    fail "started with the admin listener on the public port"
  fi
  [[ $(wc -l <"$WORK/err") -eq 1 ]] || fail "not one error line"
  grep -q "port $port is the public port" "$WORK/err" || fail "unclear error"
}

status_of() {  # status_of URL: the status code; the body in $WORK/body
  curl -s -o "$WORK/body" -w '%{http_code}' "$1"
}

admin_check_public_has_no_debug() {
  local path
  for path in /debug/ /debug/pprof/profile?seconds=1 /debug/threads \
      /debug/vars /debug/trace?seconds=1; do
    [[ $(status_of "http://127.0.0.1:$PUBLIC$path") == 404 ]] ||
      fail "the public port answers $path: $(head -c 200 "$WORK/body")"
  done
}

# Each loop's lag probe first fires one probe interval (100 ms) after start;
# on a loaded machine that can be after the first request, so wait for it
# (up to 5 s) rather than race it.
wait_for_lag_samples() {
  local _
  for _ in $(seq 50); do
    [[ $(status_of "http://127.0.0.1:$ADMIN/debug/vars") == 200 ]] || fail "/debug/vars"
    python3 -c 'import json, sys
loops = json.load(open(sys.argv[1]))["event_loop_lag"]["loops"]
sys.exit(0 if loops and all(l["samples"] > 0 for l in loops) else 1)' \
      "$WORK/body" 2>/dev/null && return 0
    sleep 0.1
  done
}

admin_check_vars() {  # admin_check_vars SERVICE
  [[ $(listening_ports "$PID" | wc -l) -eq 2 ]] || fail "not two listening ports"
  wait_for_lag_samples
  python3 - "$WORK/body" "$1" "$PID" "${STATICSHIP_REVISION:-unknown}" <<'PY' || fail "/debug/vars: $(head -c 300 "$WORK/body")"
import json, sys
v = json.load(open(sys.argv[1]))
service, pid, revision = sys.argv[2], int(sys.argv[3]), sys.argv[4]
def need(cond, what):
    if not cond:
        sys.exit("missing or wrong: " + what)
need(v["service"] == service and v["pid"] == pid, "service, pid")
for field in ["uptime_seconds", "start_time_unix_seconds", "rss_bytes",
              "virtual_memory_bytes", "threads", "open_fds", "max_fds"]:
    need(isinstance(v.get(field), (int, float)), field)
need(v["rss_bytes"] > 0 and v["threads"] >= 3, "rss_bytes, threads")
need(all(isinstance(v["cpu_seconds"][k], (int, float)) for k in ("user", "system")), "cpu_seconds")
heap = v["heap"]
b = v["build"]
# The static build links mimalloc, the dynamic one keeps glibc's malloc.
expected = {"static": "mimalloc", "dynamic": "glibc"}.get(b["linkage"])
need(heap["allocator"] == expected, "heap.allocator for a %s build" % b["linkage"])
need(len(heap) >= 4 and all(isinstance(x, int) for k, x in heap.items() if k != "allocator"), "heap figures")
lag = v["event_loop_lag"]
need(len(lag["loops"]) >= 1 and lag["probe_interval_ms"] > 0, "event_loop_lag.loops")
need(all(l["samples"] > 0 for l in lag["loops"]), "event_loop_lag samples")
for field in ["version", "compiler", "cxx_library", "libc", "architecture"]:
    need(isinstance(b[field], str) and b[field], "build." + field)
need(b["commit"] == revision, "build.commit from STATICSHIP_REVISION")
need(len(b["build_id"]) == 40, "build.build_id")
need(b["libc"].startswith("glibc" if b["linkage"] == "dynamic" else "musl"), "build.libc")
need(v["profiler"]["running"] is False and v["trace"]["available"] is True, "profiler, trace")
PY
}

admin_check_threads() {
  [[ $(status_of "http://127.0.0.1:$ADMIN/debug/threads") == 200 ]] || fail "/debug/threads"
  local tid count=0
  for tid in $(ls "/proc/$PID/task"); do
    grep -q "^thread $tid \"" "$WORK/body" || fail "thread $tid missing from /debug/threads"
    count=$((count + 1))
  done
  grep -q "^# $count threads of pid $PID " "$WORK/body" || fail "/debug/threads header: $(head -1 "$WORK/body")"
  grep -q "no answer" "$WORK/body" && fail "a thread did not answer: $(cat "$WORK/body")"
  grep -q "^  #0 " "$WORK/body" || fail "no frames"
  grep -q "admin-0" "$WORK/body" || fail "the admin thread is not named"
  return 0
}

start_load() {  # start_load FUNCTION: runs it in the background until stopped
  rm -f "$WORK/stop"
  "$1" &
  LOAD_PID=$!
}
stop_load() {
  touch "$WORK/stop"
  wait "$LOAD_PID" || true
  LOAD_PID=
}

admin_check_profile() {  # admin_check_profile BINARY FUNCTION LOAD
  local binary=$1 function=$2
  start_load "$3"
  curl -s -D "$WORK/profile.head" -o "$WORK/cpu.pb.gz" \
    "http://127.0.0.1:$ADMIN/debug/pprof/profile?seconds=3" &
  local first=$!
  sleep 0.5
  # One at a time: a second one meanwhile is refused with one clear line.
  [[ $(status_of "http://127.0.0.1:$ADMIN/debug/pprof/profile?seconds=1") == 409 ]] ||
    fail "a second profile was not refused"
  grep -q "already being taken" "$WORK/body" || fail "409 without a reason"
  wait "$first" || fail "curl of the profile"
  stop_load
  grep -q "^HTTP/1.1 200" "$WORK/profile.head" || fail "profile: $(head -1 "$WORK/profile.head")"
  go tool pprof -raw "$binary" "$WORK/cpu.pb.gz" >"$WORK/raw.txt" 2>&1 ||
    fail "go tool pprof -raw: $(tail -3 "$WORK/raw.txt")"
  local id
  id=$(file -bL "$binary" | sed -n 's/.*BuildID\[sha1\]=\([0-9a-f]*\).*/\1/p')
  [[ -n $id ]] || fail "no build id in $binary"
  grep -q "$id" "$WORK/raw.txt" || fail "the profile's mappings lack the build id $id"
  go tool pprof -top -nodecount=10000 "$binary" "$WORK/cpu.pb.gz" >"$WORK/top.txt" 2>&1 ||
    fail "go tool pprof -top: $(tail -3 "$WORK/top.txt")"
  grep -q "$function" "$WORK/top.txt" ||
    fail "$function is not in the profile: $(head -30 "$WORK/top.txt")"
}

admin_check_trace() {  # admin_check_trace "SPAN..." LOAD
  start_load "$2"
  [[ $(status_of "http://127.0.0.1:$ADMIN/debug/trace?seconds=2") == 200 ]] ||
    { stop_load; fail "/debug/trace: $(head -c 200 "$WORK/body")"; }
  stop_load
  python3 - "$WORK/body" "$PID" "$1" <<'PY' || fail "/debug/trace"
import json, sys
doc = json.load(open(sys.argv[1]))
pid, wanted = int(sys.argv[2]), set(sys.argv[3].split())
names, threads = set(), set()
for e in doc["traceEvents"]:
    if e["ph"] == "M":
        threads.add(e["tid"])
        continue
    if e["ph"] != "X" or e["pid"] != pid or e["dur"] < 0 or e["ts"] < 0:
        sys.exit("bad event %r" % e)
    if e["tid"] not in threads:
        sys.exit("event on an unnamed thread %r" % e)
    names.add(e["name"])
if not wanted <= names:
    sys.exit("spans missing: %s (have %s)" % (sorted(wanted - names), sorted(names)))
PY
}

admin_check_process_metrics() {
  [[ $(status_of "http://127.0.0.1:$PUBLIC/metrics") == 200 ]] || fail "/metrics"
  local name
  for name in process_cpu_seconds_total process_resident_memory_bytes \
      process_virtual_memory_bytes process_open_fds process_max_fds \
      process_start_time_seconds process_threads; do
    grep -q "^$name [0-9]" "$WORK/body" || fail "/metrics has no $name"
    grep -q "^# TYPE $name " "$WORK/body" || fail "/metrics has no TYPE for $name"
  done
}
