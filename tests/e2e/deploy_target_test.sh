#!/usr/bin/env bash
# What static_service() gives every service to release it by hand:
# `bazel run //services/gateway:gateway_deploy` against the real docker-registry and
# runc. Deploys (signed, and verified against the default policy before
# anything is pulled), checks /health, deploys again unverified when told
# (replaces), is refused by a policy that trusts another key (the running
# one stays), undeploys, and checks that nothing is left; a missing registry
# is one clear line.
#
#   deploy_target_test.sh DEPLOY_SCRIPT
set -euo pipefail

deploy=$(realpath "$1")
here="$(dirname "$(realpath "${BASH_SOURCE[0]}")")"
repo="$(cd "${here}/../.." && pwd)"
port=8080  # the gateway image's own listen port

fail() { echo "FAIL: $*" >&2; exit 1; }
[[ "$(id -u)" == 0 ]] || fail "needs root (runc)"
if ss -ltnH "sport = :${port}" | grep -q .; then fail "port ${port} is busy"; fi

work="$(mktemp -d "${TMPDIR:-/tmp}/deploy_target.XXXXXX")"
export STATICSHIP_STATE="${work}/state"
export STATICSHIP_KEYS="${work}/keys"
cleanup() {
  local rc=$?
  "${deploy}" --undeploy >/dev/null 2>&1 || true
  "${repo}/ci/registry" stop >/dev/null 2>&1 || true
  rm -rf -- "${work}"
  exit "${rc}"
}
trap cleanup EXIT INT TERM

# No registry given: one line that says what to do, nothing deployed.
if (unset STATICSHIP_REGISTRY; "${deploy}" 2>"${work}/err"); then fail "deployed without a registry"; fi
grep -q "no registry: pass --registry" "${work}/err" || fail "unclear error: $(cat "${work}/err")"

eval "$("${repo}/ci/registry" start)"
"${deploy}" | tee "${work}/first.out"
grep -q "healthy on http://127.0.0.1:${port}/health" "${work}/first.out" || fail "first deploy not healthy"
grep -q "^deploy: .*@sha256:[0-9a-f]\{64\} passes .*policy.yaml$" "${work}/first.out" ||
  fail "first deploy was not verified against the default policy"
[[ -f "${STATICSHIP_KEYS}/pipeline.key" && -f "${STATICSHIP_KEYS}/pipeline.pub" ]] || fail "no key made"
[[ $(curl -fsS --max-time 2 "http://127.0.0.1:${port}/health") == OK ]] || fail "/health after deploy"

"${deploy}" --tag again --insecure-skip-verify 2>"${work}/second.err" | tee "${work}/second.out"
grep -q "stopped the previous staticship-gateway" "${work}/second.out" || fail "second deploy did not replace the first"
grep -q "warning: --insecure-skip-verify" "${work}/second.err" || fail "no warning when unverified"
[[ $(runc list -q | grep -c '^staticship-staticship-gateway$') == 1 ]] || fail "not exactly one container"

# A policy that trusts only another key: refused before anything is pulled
# or stopped, with the reason; the running deploy answers as before.
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkey -pubout -out "${work}/other.pub"
printf 'trusted_keys: [other.pub]\nrequired_attestations: [slsaprovenance, spdx]\n' >"${work}/other.yaml"
if "${deploy}" --tag refused --policy "${work}/other.yaml" >"${work}/refused.out" 2>"${work}/refused.err"; then
  fail "deployed an image signed by an untrusted key"
fi
grep -q "^deploy: refused sha256:[0-9a-f]\{64\}: signature" "${work}/refused.err" ||
  fail "unclear refusal: $(cat "${work}/refused.err")"
grep -q "stopped the previous" "${work}/refused.out" && fail "the refused deploy stopped the running one"
[[ $(curl -fsS --max-time 2 "http://127.0.0.1:${port}/health") == OK ]] || fail "/health after the refusal"

"${deploy}" --undeploy
if runc list -q | grep -q 'staticship-gateway'; then fail "container left behind"; fi
if curl -fsS --max-time 1 "http://127.0.0.1:${port}/health" >/dev/null 2>&1; then fail "still answering"; fi
echo PASS
