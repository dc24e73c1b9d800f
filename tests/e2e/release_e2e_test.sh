#!/usr/bin/env bash
# End-to-end release test with the real tools: Debian's docker-registry,
# skopeo and runc. Needs root (runc). Pushes an image layout, pulls it back
# with skopeo and compares digests, deploys two services with runc, checks
# /health, replaces one, undeploys both and checks that nothing is left
# (container, bundle, process), and that a wrong password fails with the
# clear line without showing the password.
#
#   release_e2e_test.sh SHIPCTL [HEALTH_SERVER_BINARY] [LAYOUT_DIR]
#
# Without HEALTH_SERVER_BINARY it builds testdata/health_server.cc with the
# host g++ -static; without LAYOUT_DIR it packs one with umoci
# (make_test_layout.sh).
set -euo pipefail

# realpath: under bazel test the script is a runfiles symlink to the source
# tree, whose ci/registry the test starts.
here="$(dirname "$(realpath "${BASH_SOURCE[0]}")")"
repo="$(cd "${here}/../.." && pwd)"
shipctl="$(realpath "${1:?usage: release_e2e_test.sh SHIPCTL [BINARY] [LAYOUT]}")"
binary="${2:-}"
layout="${3:-}"

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

[[ "$(id -u)" == 0 ]] || fail "needs root (runc)"
for tool in runc skopeo docker-registry htpasswd curl ss; do
  command -v "${tool}" >/dev/null || fail "missing ${tool}"
done

work="$(mktemp -d "${TMPDIR:-/tmp}/release_e2e.XXXXXX")"
export STATICSHIP_STATE="${work}/state"
state_dir="${work}/run"
names=(e2e-a e2e-b e2e-bad)
cleanup() {
  local rc=$?
  for name in "${names[@]}"; do
    "${shipctl}" undeploy --name "${name}" --state-dir "${state_dir}" --grace 1s >/dev/null 2>&1 || true
  done
  "${repo}/ci/registry" stop >/dev/null 2>&1 || true
  rm -rf -- "${work}"
  exit "${rc}"
}
trap cleanup EXIT INT TERM

if [[ -z "${binary}" ]]; then
  g++ -std=c++20 -O2 -static -o "${work}/health_server" "${here}/testdata/health_server.cc"
  binary="${work}/health_server"
fi
if [[ -z "${layout}" ]]; then
  command -v umoci >/dev/null || fail "missing umoci"
  "${here}/make_test_layout.sh" "${work}/layout" "${binary}" v1 >/dev/null
  layout="${work}/layout"
fi
layout_digest="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "${layout}/index.json")"

alive() {  # pid -> true while it runs (a zombie whose parent has not reaped it does not count)
  [[ -r "/proc/$1/stat" && "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]]
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- registry ---------------------------------------------------------------
eval "$("${repo}/ci/registry" start)"
[[ -n "${STATICSHIP_REGISTRY:-}" && -r "${STATICSHIP_REGISTRY_AUTH_FILE:-}" ]] || fail "ci/registry start printed no address"
[[ "$(stat -c %a "${STATICSHIP_REGISTRY_AUTH_FILE}")" == 600 ]] || fail "credentials file is not 0600"
registry_pid="$(sed -n 's/^PID=//p' "${STATICSHIP_STATE}/registry.env")"
pass "registry on ${STATICSHIP_REGISTRY}"
repo_ref="${STATICSHIP_REGISTRY}/e2e/health"
# https, verified against the CA ci/registry made (alone in its directory,
# which is what skopeo's --cert-dir wants).
[[ -r "${STATICSHIP_REGISTRY_CA:-}" ]] || fail "ci/registry start printed no CA"
tls=(--ca-cert "${STATICSHIP_REGISTRY_CA}")
cert_dir="$(dirname "${STATICSHIP_REGISTRY_CA}")"
password="$(cut -d: -f2- "${STATICSHIP_REGISTRY_AUTH_FILE}")"

# --- push -------------------------------------------------------------------
echo '{"spdxVersion":"SPDX-2.3","name":"e2e"}' >"${work}/image.spdx.json"
out="$("${shipctl}" push --layout "${layout}" --ref "${repo_ref}:v1" --allow-incomplete-sbom "${tls[@]}" \
  --auth-file "${STATICSHIP_REGISTRY_AUTH_FILE}" --sbom "${work}/image.spdx.json" --report "${work}/push.json")"
echo "${out}"
pushed="$(grep -o "^${repo_ref}@sha256:[0-9a-f]\{64\}$" <<<"${out}")" || fail "push printed no REF@digest"
[[ "${pushed#*@}" == "${layout_digest}" ]] || fail "pushed digest ${pushed#*@} != layout ${layout_digest}"
# The report is what scripts read: the same digest, and the figures.
/usr/bin/python3 - "${work}/push.json" "${layout_digest}" <<'PY' || fail "push --report: $(cat "${work}/push.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["command"] == "push" and r["digest"] == sys.argv[2], r
assert r["sbom_digest"].startswith("sha256:") and r["duration_ms"] >= 0, r
assert r["blobs_uploaded"] + r["blobs_present"] > 0, r
PY
grep -q '^push: [0-9]\+ ms$' <<<"${out}" || fail "push printed no duration"
[[ "${out}" != *"${password}"* ]] || fail "push output shows the password"
pass "push ${pushed}"

again="$("${shipctl}" push --layout "${layout}" --ref "${repo_ref}:v1" --allow-incomplete-sbom "${tls[@]}" --auth-file "${STATICSHIP_REGISTRY_AUTH_FILE}")"
grep -q '^push: 0 blobs uploaded' <<<"${again}" || fail "second push uploaded blobs: ${again}"
pass "second push uploads nothing"

# --- pull back with skopeo ----------------------------------------------------
creds="$(cat "${STATICSHIP_REGISTRY_AUTH_FILE}")"
inspected="$(skopeo inspect --cert-dir "${cert_dir}" --creds "${creds}" "docker://${repo_ref}:v1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["Digest"])')"
[[ "${inspected}" == "${layout_digest}" ]] || fail "skopeo inspect says ${inspected}"
skopeo copy -q --src-cert-dir "${cert_dir}" --src-creds "${creds}" "docker://${repo_ref}@${layout_digest}" "oci:${work}/pulled:v1"
copied="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "${work}/pulled/index.json")"
[[ "${copied}" == "${layout_digest}" ]] || fail "skopeo copy got ${copied}"
sbom_tag="sha256-${layout_digest#sha256:}.sbom"
skopeo inspect --raw --cert-dir "${cert_dir}" --creds "${creds}" "docker://${repo_ref}:${sbom_tag}" | grep -q 'text/spdx+json' ||
  fail "SBOM is not attached under ${sbom_tag}"
pass "skopeo sees ${inspected}, SBOM under :${sbom_tag}"

# --- wrong password ------------------------------------------------------------
set +e
bad_out="$(STATICSHIP_REGISTRY_USER=staticship STATICSHIP_REGISTRY_PASSWORD='Wrong-Pa55-e2e' \
  "${shipctl}" push --layout "${layout}" --ref "${repo_ref}:v1" --allow-incomplete-sbom "${tls[@]}" 2>&1)"
bad_rc=$?
set -e
[[ ${bad_rc} -ne 0 ]] || fail "push with a wrong password succeeded"
grep -q '401 Unauthorized: the registry rejected the credentials' <<<"${bad_out}" || fail "no clear 401 line: ${bad_out}"
[[ "${bad_out}" != *Wrong-Pa55-e2e* ]] || fail "the wrong password was printed"
[[ "$(wc -l <<<"${bad_out}")" -eq 1 ]] || fail "401 is more than one line: ${bad_out}"
pass "wrong password: ${bad_out}"

# --- deploy two services ---------------------------------------------------------
port_a="$(free_port)" port_b="$(free_port)"
deploy() {  # name port [extra flags]
  local name="$1" port="$2"
  shift 2
  "${shipctl}" deploy --ref "${repo_ref}@${layout_digest}" --name "${name}" --port "${port}" \
    --state-dir "${state_dir}" --auth-file "${STATICSHIP_REGISTRY_AUTH_FILE}" "${tls[@]}" \
    --insecure-skip-verify "$@"
}
# This image was pushed unsigned: deploy refuses it unless told, by name,
# not to verify (the signed path is tests/e2e:sign_e2e_test's).
if "${shipctl}" deploy --ref "${repo_ref}@${layout_digest}" --name e2e-a --port "${port_a}" \
  --state-dir "${state_dir}" --auth-file "${STATICSHIP_REGISTRY_AUTH_FILE}" "${tls[@]}" \
  >"${work}/unverified.out" 2>&1; then
  fail "deployed with neither --policy nor --insecure-skip-verify"
fi
[[ $(wc -l <"${work}/unverified.out") -eq 1 ]] && grep -q "^deploy: no --policy: " "${work}/unverified.out" ||
  fail "unclear refusal without --policy: $(cat "${work}/unverified.out")"
[[ ! -e "${state_dir}/e2e-a" ]] || fail "a bundle was written without --policy"
pass "no --policy: $(cat "${work}/unverified.out")"
out_a="$(deploy e2e-a "${port_a}" --report "${work}/deploy.json")"
echo "${out_a}"
grep -q '^deploy: [0-9]\+ ms$' <<<"${out_a}" || fail "deploy printed no duration"
/usr/bin/python3 - "${work}/deploy.json" "${layout_digest}" "${port_a}" <<'PY' || fail "deploy --report: $(cat "${work}/deploy.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["command"] == "deploy" and r["name"] == "e2e-a", r
assert r["digest"] == sys.argv[2] and r["port"] == int(sys.argv[3]), r
assert r["duration_ms"] >= r["pull_unpack_ms"] >= 0, r
assert "verify_ms" not in r, r  # --insecure-skip-verify: nothing verified
PY
deploy e2e-b "${port_b}"
for port in "${port_a}" "${port_b}"; do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${port}/health")" == 200 ]] ||
    fail "/health on ${port} does not answer 200"
done
pid_a="$(runc state staticship-e2e-a | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')"
[[ "$(stat -c %u "/proc/${pid_a}")" == 65532 ]] || fail "service does not run as uid 65532"
grep -q '^CapEff:\s*0\+$' "/proc/${pid_a}/status" || fail "service has effective capabilities"
grep -q '^NoNewPrivs:\s*1$' "/proc/${pid_a}/status" || fail "noNewPrivileges is not set"
pass "two services healthy on ${port_a} and ${port_b}, uid 65532, no capabilities"

out_re="$(deploy e2e-a "${port_a}")"
grep -q 'stopped the previous e2e-a' <<<"${out_re}" || fail "second deploy did not replace the first"
alive "${pid_a}" && fail "the replaced container's process is still running"
[[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${port_a}/health")" == 200 ]] || fail "replacement is not healthy"
[[ "$(runc list -q | grep -c '^staticship-e2e-a$')" == 1 ]] || fail "not exactly one e2e-a container"
pass "redeploy replaced e2e-a"

# --- a deploy that never gets healthy is cleaned up ---------------------------
set +e
bad_deploy="$(deploy e2e-bad "$(free_port)" --health /nope --timeout 2s 2>&1)"
bad_deploy_rc=$?
set -e
[[ ${bad_deploy_rc} -ne 0 ]] || fail "deploy with a failing health check succeeded"
grep -q 'health_server: listening' <<<"${bad_deploy}" || fail "failed deploy did not show the container log: ${bad_deploy}"
runc list -q | grep -q '^staticship-e2e-bad$' && fail "failed deploy left its container"
[[ ! -e "${state_dir}/e2e-bad" ]] || fail "failed deploy left its bundle"
pass "unhealthy deploy failed and cleaned up"

# --- undeploy leaves nothing ---------------------------------------------------------
pid_a="$(runc state staticship-e2e-a | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')"
pid_b="$(runc state staticship-e2e-b | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')"
"${shipctl}" undeploy --name e2e-a --state-dir "${state_dir}"
"${shipctl}" undeploy --name e2e-b --state-dir "${state_dir}"
runc list -q | grep -q '^staticship-e2e-' && fail "runc still lists a container"
leftover="$(find "${state_dir}" -mindepth 1 -maxdepth 1 2>/dev/null)"
[[ -z "${leftover}" ]] || fail "bundles left in ${state_dir}: ${leftover}"
for pid in "${pid_a}" "${pid_b}"; do
  alive "${pid}" && fail "process ${pid} survived undeploy"
done
ss -ltnH | awk '{print $4}' | grep -Eq ":(${port_a}|${port_b})$" && fail "a port is still listening"
pass "undeploy left no container, bundle or process"

# --- registry stop --------------------------------------------------------------------
registry_dir="$(dirname "${STATICSHIP_REGISTRY_AUTH_FILE}")"
"${repo}/ci/registry" stop >/dev/null
alive "${registry_pid}" && fail "registry process ${registry_pid} survived stop"
[[ ! -e "${registry_dir}" ]] || fail "registry dir ${registry_dir} survived stop"
pass "registry stopped and removed"
echo "PASS"
