#!/usr/bin/env bash
# Bad input to `shipctl pack` must give one clear error line, a non-zero
# exit, and leave no output (final or temporary) behind.
# Usage: pack_bad_input_test.sh SHIPCTL
set -euo pipefail
shipctl=$(realpath "$1")
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/pack_bad_input.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf '\177ELF fake binary\n' >"$work/bin"
mkdir "$work/a_directory"
failures=0

expect_failure() {
  local name=$1 pattern=$2
  shift 2
  local out="$work/out-$name"
  mkdir "$out"
  set +e
  "$shipctl" pack --architecture=amd64 --out-layout="$out/layout" \
    --out-tar="$out/image.tar" --out-digest="$out/digest" "$@" \
    >"$work/stdout" 2>"$work/stderr"
  local rc=$?
  set -e
  local lines
  lines=$(wc -l <"$work/stderr")
  if [[ $rc -eq 0 ]]; then
    echo "FAIL $name: exit 0"; failures=$((failures + 1))
  elif [[ $lines -ne 1 ]]; then
    echo "FAIL $name: expected one error line, got $lines:"; cat "$work/stderr"
    failures=$((failures + 1))
  elif ! grep -q -- "$pattern" "$work/stderr"; then
    echo "FAIL $name: error does not mention '$pattern':"; cat "$work/stderr"
    failures=$((failures + 1))
  elif [[ -n $(ls -A "$out") ]]; then
    echo "FAIL $name: left output behind:"; ls -la "$out"
    failures=$((failures + 1))
  else
    echo "ok   $name: $(cat "$work/stderr")"
  fi
}

expect_failure missing "$work/nope" --binary="$work/nope"
expect_failure not_a_file "not a regular file" --binary="$work/a_directory"
expect_failure missing_extra "$work/absent.conf" --binary="$work/bin" \
  --file="0644:/etc/app.conf=$work/absent.conf"
expect_failure duplicate "duplicate path /etc/passwd" --binary="$work/bin" \
  --file="0644:/etc/passwd=$work/bin"
expect_failure escape "escapes the image root" --binary="$work/bin" \
  --file="0644:/usr/../../etc/shadow=$work/bin"
expect_failure bad_tag "invalid tag" --binary="$work/bin" --tag="-bad:tag"
expect_failure bad_repository "invalid repository" --binary="$work/bin" \
  --repository="Upper/Case"
expect_failure unknown_flag "unknown flag --colour" --binary="$work/bin" \
  --colour=blue
expect_failure bad_mode "invalid mode" --binary="$work/bin" \
  --file="07x5:/x=$work/bin"
expect_failure no_arch "no architecture" --binary="$work/bin" --architecture=
expect_failure bad_port "invalid port" --binary="$work/bin" --port=70000

# An existing good output must survive a failed run untouched.
mkdir "$work/keep"
"$shipctl" pack --quiet --architecture=amd64 --binary="$work/bin" \
  --out-digest="$work/keep/digest"
before=$(cat "$work/keep/digest")
if "$shipctl" pack --quiet --architecture=amd64 --binary="$work/missing" \
  --out-digest="$work/keep/digest" 2>/dev/null; then
  echo "FAIL keep: exit 0"; failures=$((failures + 1))
fi
if [[ $(cat "$work/keep/digest") != "$before" || $(ls -A "$work/keep" | wc -l) -ne 1 ]]; then
  echo "FAIL keep: old output changed or temp files left"; ls -la "$work/keep"
  failures=$((failures + 1))
else
  echo "ok   keep: previous output intact"
fi

[[ $failures -eq 0 ]] || { echo "$failures failure(s)"; exit 1; }
echo PASS
