#!/bin/bash
# elfcheck as static_binary_test runs it: it must fail, with a line that says
# why, on a dynamic binary and on the wrong architecture, and pass on ours.
# usage: elfcheck_cli_test.sh ELFCHECK
set -uo pipefail
elfcheck=$1
failures=0

expect() {  # expect EXIT_CODE OUTPUT_PATTERN ARGS...
  local want=$1 pattern=$2 out rc
  shift 2
  out=$("$elfcheck" "$@" 2>&1)
  rc=$?
  if [[ $rc -ne $want ]] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL: elfcheck $* exited $rc (want $want), output:" >&2
    echo "$out" >&2
    failures=$((failures + 1))
  else
    echo "ok: elfcheck $* -> $rc: $(tail -1 <<<"$out")"
  fi
}

machine=$(uname -m)
other=$([[ $machine == x86_64 ]] && echo aarch64 || echo x86_64)
expect 0 "static" --expect static --machine "$machine" "$elfcheck"
expect 1 "not fully static: PT_INTERP .*ld-linux.* DT_NEEDED .*libc\.so\.6" \
  --expect static /bin/true
expect 1 "built for $machine, expected $other" --expect static --machine "$other" "$elfcheck"
expect 1 "expected a dynamically linked binary" --expect dynamic "$elfcheck"
expect 2 "usage: elfcheck" --expect sometimes "$elfcheck"
[[ $failures -eq 0 ]]
