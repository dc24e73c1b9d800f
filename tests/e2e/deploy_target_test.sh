#!/usr/bin/env bash
# What static_service() gives every service to release it by hand:
# `bazel run //services/gateway:gateway_deploy` against the real docker-registry and
# runc. Deploys, checks /health, deploys again (replaces), undeploys, and
# checks that nothing is left; a missing registry is one clear line.
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
[[ $(curl -fsS --max-time 2 "http://127.0.0.1:${port}/health") == OK ]] || fail "/health after deploy"

"${deploy}" --tag again | tee "${work}/second.out"
grep -q "stopped the previous staticship-gateway" "${work}/second.out" || fail "second deploy did not replace the first"
[[ $(runc list -q | grep -c '^staticship-staticship-gateway$') == 1 ]] || fail "not exactly one container"

"${deploy}" --undeploy
if runc list -q | grep -q 'staticship-gateway'; then fail "container left behind"; fi
if curl -fsS --max-time 1 "http://127.0.0.1:${port}/health" >/dev/null 2>&1; then fail "still answering"; fi
echo PASS
