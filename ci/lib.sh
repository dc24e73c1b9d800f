# Shared by the ci/ scripts: messages, deps.lock look-ups, the package list.
# Source it after setting PROG (the name messages start with):
#
#   PROG=bootstrap; source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# It sets ROOT (the workspace), LOCK and DISTDIR, and defines say, die,
# lock_fields, lock_get, package_list, bazel_at, check_workspace_links and
# the daemon supervisor (daemon_*) of ci/registry and ci/remote-cache, and
# json_field, and free_port and wait_file for the benchmarks.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCK=${STATICSHIP_LOCK:-$ROOT/third_party/deps.lock}
# Bazel runs tests without HOME; ~ then comes from the password database.
DISTDIR=${STATICSHIP_DISTDIR:-$(echo ~)/.cache/staticship/distfiles}
PACKAGES_FILE=${STATICSHIP_PACKAGES:-$ROOT/ci/packages}

say() { printf '%s: %s\n' "${PROG:-ci}" "$*"; }
die() { printf '%s: error: %s\n' "${PROG:-ci}" "$*" >&2; exit 1; }

# Prints "name|field|value" for every field of every [block] of deps.lock.
lock_fields() {
  awk '
    /^[ \t]*(#|$)/ { next }
    /^\[.*\]$/ { name = substr($0, 2, length($0) - 2); next }
    { key = $0; sub(/[ \t]*=.*/, "", key); value = $0; sub(/^[^=]*=[ \t]*/, "", value); print name "|" key "|" value }
  ' "$LOCK"
}

lock_get() {  # lock_get NAME FIELD: one field of one [block]
  lock_fields | awk -F'|' -v n="$1" -v k="$2" '$1 == n && $2 == k { print $3 }'
}

# The Debian packages of ci/packages (the first word of each line).
package_list() {
  awk '!/^[ \t]*(#|$)/ { print $1 }' "$PACKAGES_FILE"
}

# Runs Bazel in an output base of its own (benchmarks, the pipeline, the
# reproducibility check), with no convenience links: links into that base
# would replace the developer's own, and `//...` there would descend into them.
bazel_at() {  # bazel_at OUTPUT_BASE COMMAND ARGS...
  local base=$1 cmd=$2
  shift 2
  case $cmd in
    build | test | run | coverage | clean) set -- --symlink_prefix=/ "$@" ;;
  esac
  bazel --output_base="$base" "$cmd" "$@"
}

# Stops with one line when the workspace holds a bazel-* link into an output
# base other than the default one (left by an older script or by hand with
# --output_base): `bazel test //...` would descend into that base's
# external repositories. Links under .bazel/ are ignored (.bazelignore).
check_workspace_links() {
  local own link target stray=()
  own=$(cd "$ROOT" && bazel info output_base 2>/dev/null) || return 0
  for link in "$ROOT"/bazel-*; do
    [[ -L $link ]] || continue
    target=$(readlink "$link")
    [[ $target == "$own"/* || $(basename "$link") == bazel-out ]] && continue
    stray+=("$link")
  done
  [[ ${#stray[@]} -eq 0 ]] ||
    die "delete ${stray[*]}: a link into another output base ($(readlink "${stray[0]}")), which \`bazel test //...\` would descend into"
}

# --- Daemons the scripts start and stop (ci/registry, ci/remote-cache) -------
# Each keeps a state file of shell assignments: PID, DIR (its temporary
# directory) and ADDR. Only the process it started, recognised by its
# command line, is ever signalled, and only a directory whose name carries
# the daemon's prefix is ever removed.

daemon_is_ours() {  # daemon_is_ours PID PATTERN: PID runs and its argv matches
  [[ -n $1 && -r /proc/$1/cmdline ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q -- "$2"
}

daemon_load() {  # daemon_load STATE_FILE: sets PID, DIR and ADDR ("" if absent)
  PID="" DIR="" ADDR=""
  # shellcheck disable=SC1090
  [[ -f $1 ]] && source "$1"
  return 0
}

daemon_save() {  # daemon_save STATE_FILE PID DIR ADDR
  mkdir -p "$(dirname "$1")"
  printf 'PID=%q\nDIR=%q\nADDR=%q\n' "$2" "$3" "$4" >"$1"
}

daemon_port() {  # daemon_port PID: the TCP port PID listens on, if any
  ss -ltnpH 2>/dev/null | awk -v pid="pid=$1," '
    index($0, pid) { n = split($4, a, ":"); print a[n]; exit }'
}

daemon_wait_port() {  # daemon_wait_port PID: prints its port once it listens (10 s at most)
  local i port
  for ((i = 0; i < 200; i++)); do
    kill -0 "$1" 2>/dev/null || return 1
    port=$(daemon_port "$1")
    [[ -n $port ]] && { echo "$port"; return 0; }
    sleep 0.05
  done
  return 1
}

# Stops the daemon of STATE_FILE with SIGNAL (KILL after 5 s), removes its
# directory if the name starts with DIR_PREFIX, and the state file.
daemon_stop() {  # daemon_stop STATE_FILE PATTERN SIGNAL DIR_PREFIX
  local i
  daemon_load "$1"
  if daemon_is_ours "$PID" "$2"; then
    kill "-$3" "$PID" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      daemon_is_ours "$PID" "$2" || break
      sleep 0.05
    done
    if daemon_is_ours "$PID" "$2"; then kill -KILL "$PID" 2>/dev/null || true; fi
  fi
  if [[ -n $DIR && $(basename "$DIR") == "$4".* && -d $DIR ]]; then rm -rf -- "$DIR"; fi
  rm -f -- "$1"
}

# Reads one top-level field of a JSON report (shipctl --report, inspect);
# a missing field is an error, not an empty string.
json_field() {  # json_field FILE KEY
  python3 - "$1" "$2" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
if sys.argv[2] not in doc:
    sys.exit("%s: no field %r" % (sys.argv[1], sys.argv[2]))
value = doc[sys.argv[2]]
print(" ".join(map(str, value)) if isinstance(value, list) else value)
PY
}

# --- For benchmarks that start servers -------------------------------------

free_port() {  # a TCP port on 127.0.0.1 that the kernel reports free
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_file() {  # wait_file FILE: until it is non-empty (10 s at most)
  local _
  for _ in $(seq 1 500); do [[ -s $1 ]] && return 0; sleep 0.02; done
  echo "${PROG:-ci}: timed out waiting for $1" >&2
  return 1
}
