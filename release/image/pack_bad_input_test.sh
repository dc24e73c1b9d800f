#!/usr/bin/env bash
# Bad input to `shipctl pack` must give one clear error line, a non-zero
# exit, and leave no output (final or temporary) behind: no layout, tar,
# digest or SBOM.
# Usage: pack_bad_input_test.sh SHIPCTL
set -euo pipefail
shipctl=$(realpath "$1")
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/pack_bad_input.XXXXXX")
# The unprivileged case needs a directory outside /root, which uid 65534
# cannot enter.
shared=""
trap 'rm -rf "$work" ${shared:+"$shared"}' EXIT
printf '\177ELF fake binary\n' >"$work/bin"
mkdir "$work/a_directory"
# A made-up lock: these cases need some SBOM input, not the real one.
cat >"$work/deps.json" <<'JSON'
{"example": {"name": "example", "version": "1.0", "repo": "example", "use": "runtime"}}
JSON
failures=0

# What expect_failure runs, as whom, and where outputs go; the unprivileged
# case changes them.
runner=()
pack_shipctl=$shipctl
deps_json=$work/deps.json
out_root=$work

expect_failure() {
  local name=$1 pattern=$2
  shift 2
  local out="$out_root/out-$name"
  mkdir "$out"
  chmod 1777 "$out"
  set +e
  "${runner[@]}" "$pack_shipctl" pack --architecture=amd64 \
    --out-layout="$out/layout" --out-tar="$out/image.tar" \
    --out-digest="$out/digest" --out-sbom="$out/image.spdx.json" \
    --deps-json="$deps_json" "$@" >"$work/stdout" 2>"$work/stderr"
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
expect_failure bad_lock "deps.json is not a JSON object" --binary="$work/bin" \
  --deps-json="$work/bin"

# An unreadable file. Tests run as root, whom a mode of 000 does not stop, so
# shipctl runs as uid 65534 (nobody); what it needs is copied where that user
# can reach it, next to an output directory it may write.
if [[ $(id -u) -ne 0 ]]; then
  echo "skip unreadable: needs root to run shipctl as another user (uid $(id -u))"
else
  shared=$(mktemp -d /tmp/pack_bad_input_nobody.XXXXXX)
  chmod 0755 "$shared"
  install -m 0755 "$shipctl" "$shared/shipctl"
  install -m 0644 "$work/bin" "$shared/bin"
  install -m 0644 "$work/deps.json" "$shared/deps.json"
  printf 'not for nobody\n' >"$shared/secret.conf"
  chmod 0000 "$shared/secret.conf"
  runner=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  pack_shipctl=$shared/shipctl deps_json=$shared/deps.json out_root=$shared
  expect_failure unreadable \
    "cannot read input file $shared/secret.conf: Permission denied" \
    --binary="$shared/bin" --file="0644:/etc/app.conf=$shared/secret.conf"
fi

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
