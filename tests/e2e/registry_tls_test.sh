#!/usr/bin/env bash
# shipctl over TLS against the real docker-registry (https, with a CA the
# test makes), checked independently by skopeo:
#   - push the gateway image with htpasswd auth; skopeo inspect/copy
#     (--cert-dir, --creds) see the same digest; shipctl pull gives back
#     the layout byte for byte;
#   - Bearer tokens: the registry's auth.token with a token server over
#     https (ci/registry-token-server: ES256 JWT, x5c chained to rootcertbundle);
#   - refusals, each one line, exit 1 and nothing stored: an expired
#     certificate, an untrusted CA, a name mismatch, --insecure-http for a
#     non-loopback name, http against the TLS port, https against an http
#     registry.
# Transport only: pushes pass --allow-incomplete-sbom (SBOMs are sign_e2e_test's).
#
#   registry_tls_test.sh SHIPCTL IMAGE_LAYOUT_DIR
set -euo pipefail

here="$(dirname "$(realpath "${BASH_SOURCE[0]}")")"
repo="$(cd "${here}/../.." && pwd)"
PROG=registry_tls_test
# shellcheck source=ci/lib.sh
source "${repo}/ci/lib.sh"
shipctl="$(realpath "${1:?usage: registry_tls_test.sh SHIPCTL IMAGE_LAYOUT_DIR}")"
layout="$(realpath "${2:?usage: registry_tls_test.sh SHIPCTL IMAGE_LAYOUT_DIR}")"
[[ -f $layout/index.json ]] || { echo "FAIL: $2 is no image layout" >&2; exit 1; }

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
for tool in docker-registry htpasswd skopeo openssl curl ss python3; do
  command -v "${tool}" >/dev/null || fail "missing ${tool}"
done

work="$(mktemp -d "${TMPDIR:-/tmp}/registry_tls.XXXXXX")"
pids=()
cleanup() {
  local rc=$? pid
  for pid in "${pids[@]}"; do kill "${pid}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "${pid}" 2>/dev/null || true; done
  STATICSHIP_STATE="${work}/state" "${repo}/ci/registry" stop >/dev/null 2>&1 || true
  STATICSHIP_STATE="${work}/state-http" "${repo}/ci/registry" stop >/dev/null 2>&1 || true
  rm -rf -- "${work}"
  exit "${rc}"
}
trap cleanup EXIT INT TERM

layout_digest="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "${layout}/index.json")"
python3 "${here}/tls/make_certs.py" "${work}/certs"
certs="${work}/certs"
mkdir -p "${work}/cadir"
cp "${certs}/ca.crt" "${work}/cadir/ca.crt"  # alone: skopeo --cert-dir

# expect_refusal NAME PATTERN STORAGE_DIR -- shipctl args...: exit 1, one
# line on stderr matching PATTERN, nothing on stdout, nothing stored.
expect_refusal() {
  local name=$1 pattern=$2 storage=$3 out err rc
  shift 4
  set +e
  out="$("${shipctl}" "$@" 2>"${work}/err")"
  rc=$?
  set -e
  err="$(cat "${work}/err")"
  [[ ${rc} -eq 1 ]] || fail "${name}: exit ${rc}, stdout: ${out}, stderr: ${err}"
  [[ -z ${out} ]] || fail "${name}: printed ${out}"
  [[ $(wc -l <"${work}/err") -eq 1 ]] || fail "${name}: not one line: ${err}"
  grep -qF -- "${pattern}" "${work}/err" || fail "${name}: '${err}' lacks '${pattern}'"
  if [[ -n ${storage} && -n "$(find "${storage}" -type f 2>/dev/null)" ]]; then
    fail "${name}: the registry stored something"
  fi
  pass "${name}: ${err}"
}

# run_registry NAME CERT KEY [AUTH_YAML]: a docker-registry with that
# certificate on a kernel-chosen port; sets ADDR and STORAGE.
run_registry() {
  local name=$1 cert=$2 key=$3 auth=${4:-} dir="${work}/$1" pid port
  mkdir -p "${dir}/storage"
  cat >"${dir}/config.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${dir}/storage
http:
  addr: 127.0.0.1:0
  tls:
    certificate: ${cert}
    key: ${key}
${auth}
YAML
  setsid docker-registry serve "${dir}/config.yml" >"${dir}/log" 2>&1 </dev/null &
  pid=$!
  pids+=("${pid}")
  port="$(daemon_wait_port "${pid}")" || { cat "${dir}/log" >&2; fail "${name} registry did not start"; }
  ADDR="127.0.0.1:${port}" STORAGE="${dir}/storage"
}

# --- push over https with htpasswd, checked by skopeo ------------------------
export STATICSHIP_STATE="${work}/state"
eval "$("${repo}/ci/registry" start)"
[[ -r ${STATICSHIP_REGISTRY_CA:-} ]] || fail "ci/registry start exported no CA"
main_storage="$(dirname "${STATICSHIP_REGISTRY_AUTH_FILE}")/storage"
creds="$(cat "${STATICSHIP_REGISTRY_AUTH_FILE}")"
cert_dir="$(dirname "${STATICSHIP_REGISTRY_CA}")"
ref="${STATICSHIP_REGISTRY}/tls/gateway"
tls=(--ca-cert "${STATICSHIP_REGISTRY_CA}" --auth-file "${STATICSHIP_REGISTRY_AUTH_FILE}")
out="$("${shipctl}" push --allow-incomplete-sbom --layout "${layout}" --ref "${ref}:v1" "${tls[@]}" --report "${work}/push.json")"
[[ "$(json_field "${work}/push.json" digest)" == "${layout_digest}" ]] || fail "push: ${out}"
[[ "$(json_field "${work}/push.json" blobs_uploaded)" -ge 2 ]] || fail "push uploaded no blobs: ${out}"
pass "push over https: ${layout_digest}"
inspected="$(skopeo inspect --cert-dir "${cert_dir}" --creds "${creds}" "docker://${ref}:v1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["Digest"])')"
[[ ${inspected} == "${layout_digest}" ]] || fail "skopeo inspect says ${inspected}"
skopeo copy -q --src-cert-dir "${cert_dir}" --src-creds "${creds}" \
  "docker://${ref}@${layout_digest}" "oci:${work}/skopeo:v1"
copied="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "${work}/skopeo/index.json")"
[[ ${copied} == "${layout_digest}" ]] || fail "skopeo copy got ${copied}"
pass "skopeo (--cert-dir, --creds) inspects and copies ${inspected}"

tag="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"])' "${layout}/index.json")"
"${shipctl}" pull --ref "${ref}:${tag}@${layout_digest}" --out-layout "${work}/pulled" "${tls[@]}" >/dev/null
diff -r "${layout}" "${work}/pulled" >/dev/null || fail "pulled layout differs from the pushed one"
pass "shipctl pull gives back the layout byte for byte"
expect_refusal "pull into an existing directory" "already exists" "" -- \
  pull --ref "${ref}@${layout_digest}" --out-layout "${work}/pulled" "${tls[@]}"

# --- refusals ------------------------------------------------------------------
expect_refusal "http against the TLS port" "speaks https, not plain http" "" -- \
  push --allow-incomplete-sbom --layout "${layout}" --ref "${ref}-http:v1" --insecure-http --auth-file "${STATICSHIP_REGISTRY_AUTH_FILE}"
[[ ! -e "${main_storage}/docker/registry/v2/repositories/tls/gateway-http" ]] || fail "http push stored a repository"
expect_refusal "--insecure-http for a non-loopback name" "only for a loopback registry" "" -- \
  push --allow-incomplete-sbom --layout "${layout}" --ref "registry.invalid:5000/tls/gateway:v1" --insecure-http
expect_refusal "--ca-cert that is not a certificate" "--ca-cert: " "" -- \
  push --allow-incomplete-sbom --layout "${layout}" --ref "${ref}:v2" --ca-cert "${STATICSHIP_REGISTRY_AUTH_FILE}"

http_env="$(STATICSHIP_STATE="${work}/state-http" "${repo}/ci/registry" start --http)"
http_registry="$(sed -n 's/^export STATICSHIP_REGISTRY=//p' <<<"${http_env}")"
http_auth="$(sed -n 's/^export STATICSHIP_REGISTRY_AUTH_FILE=//p' <<<"${http_env}")"
grep -q '^unset STATICSHIP_REGISTRY_CA$' <<<"${http_env}" || fail "http registry exports a CA"
expect_refusal "https against a plain-http registry" "answered plain http, not TLS" \
  "$(dirname "${http_auth}")/storage" -- \
  push --allow-incomplete-sbom --layout "${layout}" --ref "${http_registry}/tls/gateway:v1" --auth-file "${http_auth}"
"${shipctl}" push --allow-incomplete-sbom --layout "${layout}" --ref "${http_registry}/tls/gateway:v1" --auth-file "${http_auth}" \
  --insecure-http >/dev/null || fail "--insecure-http push to the loopback http registry"
pass "--insecure-http reaches the loopback http registry"

for bad in expired untrusted wrongname; do
  run_registry "${bad}" "${certs}/${bad}.crt" "${certs}/${bad}.key"
  case ${bad} in
    expired) pattern="[tls] certificate for 127.0.0.1 expired 2021-01-01" ;;
    untrusted) pattern="[tls] certificate for 127.0.0.1 not trusted (unknown CA \"CN=other CA\"" ;;
    wrongname) pattern="[tls] certificate for 127.0.0.1: name mismatch (it is for registry.invalid)" ;;
  esac
  expect_refusal "${bad} certificate" "${pattern}" "${STORAGE}" -- \
    push --allow-incomplete-sbom --layout "${layout}" --ref "${ADDR}/tls/gateway:v1" --ca-cert "${certs}/ca.crt"
done

# --- Bearer tokens from a token server over https ----------------------------------
printf '%s\n' "${creds}" >"${work}/token-creds"
python3 "${repo}/ci/registry-token-server" "${certs}/good.crt" "${certs}/good.key" \
  "${certs}/signer.crt" "${certs}/signer.key" "${work}/token-creds" "${work}/token-port" \
  2>"${work}/token.log" &
pids+=("$!")
wait_file "${work}/token-port"
realm="https://127.0.0.1:$(cat "${work}/token-port")/token"
run_registry bearer "${certs}/good.crt" "${certs}/good.key" "auth:
  token:
    realm: ${realm}
    service: staticship-registry
    issuer: staticship-token
    rootcertbundle: ${certs}/signer.crt"
challenge="$(curl -s --cacert "${certs}/ca.crt" -o /dev/null -D - "https://${ADDR}/v2/" | tr -d '\r' | grep -i '^www-authenticate:')"
grep -q "Bearer realm=\"${realm}\"" <<<"${challenge}" || fail "registry does not challenge with the realm: ${challenge}"
out="$("${shipctl}" push --allow-incomplete-sbom --layout "${layout}" --ref "${ADDR}/tls/bearer:v1" --ca-cert "${certs}/ca.crt" \
  --auth-file "${STATICSHIP_REGISTRY_AUTH_FILE}" --report "${work}/bearer.json")"
[[ "$(json_field "${work}/bearer.json" digest)" == "${layout_digest}" ]] || fail "bearer push: ${out}"
grep -q "^token: staticship repository:tls/bearer:pull,push" "${work}/token.log" ||
  fail "no token was issued: $(cat "${work}/token.log")"
inspected="$(SSL_CERT_FILE="${certs}/ca.crt" skopeo inspect --cert-dir "${work}/cadir" --creds "${creds}" \
  "docker://${ADDR}/tls/bearer:v1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Digest"])')"
[[ ${inspected} == "${layout_digest}" ]] || fail "skopeo inspect (bearer) says ${inspected}"
pass "Bearer over https: pushed ${layout_digest}, skopeo agrees"
STATICSHIP_REGISTRY_USER=staticship STATICSHIP_REGISTRY_PASSWORD=Wrong-Pa55 expect_refusal \
  "bearer with a wrong password" "401 Unauthorized: the registry rejected the credentials" "" -- \
  push --allow-incomplete-sbom --layout "${layout}" --ref "${ADDR}/tls/bearer-bad:v1" --ca-cert "${certs}/ca.crt"
echo PASS
