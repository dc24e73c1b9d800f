# Shared by the ci/ scripts: messages, deps.lock look-ups, the package list.
# Source it after setting PROG (the name messages start with):
#
#   PROG=bootstrap; source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# It sets ROOT (the workspace), LOCK and DISTDIR, and defines say, die,
# lock_fields, lock_get and package_list.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCK=${STATICSHIP_LOCK:-$ROOT/third_party/deps.lock}
DISTDIR=${STATICSHIP_DISTDIR:-$HOME/.cache/staticship/distfiles}
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
