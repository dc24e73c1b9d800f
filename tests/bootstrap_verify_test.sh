#!/bin/bash
# ci/bootstrap must refuse a distfile whose sha256 differs from the lock,
# naming the file and both checksums, and say how to fetch a missing one.
set -euo pipefail

bootstrap=$1
dist=$(mktemp -d "${TEST_TMPDIR:-/tmp}/dist.XXXXXX")
lock="$dist/deps.lock"
printf 'pinned source bytes\n' >"$dist/demo_1.0.orig.tar.gz"
sha=$(sha256sum "$dist/demo_1.0.orig.tar.gz" | cut -d' ' -f1)
cat >"$lock" <<LOCK
# test lock
[demo]
version = 1.0
source = debian-source demo
file = demo_1.0.orig.tar.gz
sha256 = $sha
LOCK

run() { STATICSHIP_LOCK="$lock" STATICSHIP_DISTDIR="$dist" "$bootstrap" --verify-only 2>&1; }

out=$(run) || { echo "FAIL: intact file refused: $out"; exit 1; }
echo "intact: $out"

printf 'X' | dd of="$dist/demo_1.0.orig.tar.gz" bs=1 seek=3 conv=notrunc 2>/dev/null
bad=$(sha256sum "$dist/demo_1.0.orig.tar.gz" | cut -d' ' -f1)
if out=$(run); then echo "FAIL: tampered file accepted: $out"; exit 1; fi
echo "tampered: $out"
for want in "demo_1.0.orig.tar.gz" "$sha" "$bad" "run ci/bootstrap"; do
  [[ $out == *"$want"* ]] || { echo "FAIL: message lacks '$want'"; exit 1; }
done
[[ $(grep -c . <<<"$out") -eq 1 ]] || { echo "FAIL: expected one line"; exit 1; }

rm "$dist/demo_1.0.orig.tar.gz"
if out=$(run); then echo "FAIL: missing file accepted"; exit 1; fi
echo "missing: $out"
[[ $out == *"missing"* && $out == *"ci/bootstrap"* ]] || { echo "FAIL: unclear message for a missing file"; exit 1; }
echo PASS
