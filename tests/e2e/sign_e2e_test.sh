#!/usr/bin/env bash
# Signing, attestation and the verification gate against the real
# docker-registry (plain http on loopback, `ci/registry start --http --basic-auth`, so that
# curl can tamper with it directly, and --insecure-http; TLS and Bearer tokens are
# registry_tls_test's and the pipeline's) and runc: keygen, push --sign-key
# with SBOM and provenance, independent checks (check_signatures.py:
# python3-cryptography, python3-securesystemslib), then a good image passes
# `shipctl verify` and deploys, and each tampering is refused in one line
# naming the rule and the digest, with nothing started:
#   a signature from another key, an attestation about another digest, an
#   SBOM that drops a linked package, a disallowed license, a known
#   vulnerable package (release/policy's test feed), a tag re-pushed to an
#   unsigned image, and a layer blob replaced in the registry's storage.
#
#   sign_e2e_test.sh SHIPCTL HEALTH_SERVER DEPS_JSON OSV_FEED_FILE...
set -euo pipefail

here="$(dirname "$(realpath "${BASH_SOURCE[0]}")")"
repo="$(cd "${here}/../.." && pwd)"
shipctl="$(realpath "$1")"
binary="$(realpath "$2")"
deps_json="$(realpath "$3")"
feed="$(dirname "$(realpath "$4")")"

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

[[ "$(id -u)" == 0 ]] || fail "needs root (runc)"
for tool in runc docker-registry htpasswd curl; do
  command -v "${tool}" >/dev/null || fail "missing ${tool}"
done

work="$(mktemp -d "${TMPDIR:-/tmp}/sign_e2e.XXXXXX")"
export STATICSHIP_STATE="${work}/state"
state_dir="${work}/run"
unset COSIGN_PASSWORD
cleanup() {
  local rc=$?
  for name in sign-good sign-bad; do
    "${shipctl}" undeploy --name "${name}" --state-dir "${state_dir}" --grace 1s >/dev/null 2>&1 || true
  done
  "${repo}/ci/registry" stop >/dev/null 2>&1 || true
  rm -rf -- "${work}"
  exit "${rc}"
}
trap cleanup EXIT INT TERM

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

eval "$("${repo}/ci/registry" start --http --basic-auth)"
registry="${STATICSHIP_REGISTRY}"
auth="${STATICSHIP_REGISTRY_AUTH_FILE}"
storage="$(dirname "${auth}")/storage"
creds="$(cat "${auth}")"
pass "registry on ${registry}"

# --- keys ----------------------------------------------------------------------
printf 'release-Pa55-e2e\n' >"${work}/password"
"${shipctl}" keygen --out-prefix "${work}/release" --password-file "${work}/password"
"${shipctl}" keygen --out-prefix "${work}/other"
[[ "$(stat -c %a "${work}/release.key")" == 600 ]] || fail "release.key is not 0600"
head -1 "${work}/release.key" | grep -qx -- '-----BEGIN ENCRYPTED PRIVATE KEY-----' || fail "release.key is not encrypted PKCS#8"
head -1 "${work}/other.key" | grep -qx -- '-----BEGIN PRIVATE KEY-----' || fail "other.key is not PKCS#8"
head -1 "${work}/release.pub" | grep -qx -- '-----BEGIN PUBLIC KEY-----' || fail "release.pub is not a PUBLIC KEY"
before="$(sha256sum "${work}/release.key")"
if "${shipctl}" keygen --out-prefix "${work}/release" 2>"${work}/err"; then fail "keygen overwrote a key"; fi
[[ "$(sha256sum "${work}/release.key")" == "${before}" ]] || fail "keygen changed an existing key"
pass "keygen: encrypted 0600 key, public PEM, never overwrites ($(cat "${work}/err"))"

# --- images ----------------------------------------------------------------------
pack() {  # layout-dir repository extra-flags...
  local out="$1" repository="$2"
  shift 2
  "${shipctl}" pack --binary "${binary}" --service health --port 8080 \
    --repository "${repository}" --tag v1 --architecture amd64 \
    --out-layout "${work}/${out}" --out-sbom "${work}/${out}.spdx.json" \
    --deps-json "${deps_json}" --toolchain-bundle zig_sdk "$@" >/dev/null
}
echo marker-tamper >"${work}/marker"
pack good e2e/signed
pack second e2e/signed --version 2
pack vuln e2e/vuln --linked-repo mbedtls
pack tamper e2e/tamper --file "0644:/etc/marker=${work}/marker"
/usr/bin/python3 - "${work}/good" <<'PY' || fail "pack wrote no linked-inputs label"
import json, sys, os
layout = sys.argv[1]
index = json.load(open(os.path.join(layout, "index.json")))
def blob(d): return open(os.path.join(layout, "blobs", *d.split(":")), "rb").read()
manifest = json.loads(blob(index["manifests"][0]["digest"]))
config = json.loads(blob(manifest["config"]["digest"]))
label = config["config"]["Labels"]["dev.staticship.linked-inputs"]
assert "pkg:generic/musl@" in label and "pkg:generic/llvm-libcxx@" in label, label
PY
commit="$(printf '%040d' 7 | tr 0 a)"
"${shipctl}" provenance --target //tests/e2e:health_server --flag=--config=ubsan \
  --source-repository https://git.example.invalid/staticship.git --source-ref refs/heads/main \
  --source-commit "${commit}" --target-triple x86_64-linux-musl \
  --builder-id https://staticship.invalid/builders/sign-e2e --invocation-id sign-e2e \
  --started-on 2026-12-06T10:00:00Z --finished-on 2026-12-06T10:01:00Z \
  --deps-json "${deps_json}" --out "${work}/provenance.json" >/dev/null

push() {  # layout repository key [extra flags]: prints the digest
  local layout="$1" repository="$2" key="$3"
  shift 3
  "${shipctl}" push --insecure-http --layout "${work}/${layout}" --ref "${registry}/${repository}:v1" \
    --auth-file "${auth}" --sbom "${work}/${layout}.spdx.json" \
    --sign-key "${work}/${key}.key" --provenance "${work}/provenance.json" \
    --report "${work}/push-${layout}.json" "$@" >/dev/null
  /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["digest"])' "${work}/push-${layout}.json"
}
good="$(push good e2e/signed release --password-file "${work}/password")"
second="$(push second e2e/signed release --password-file "${work}/password")"
vuln="$(COSIGN_PASSWORD=release-Pa55-e2e push vuln e2e/vuln release)"
tamper="$(push tamper e2e/tamper release --password-file "${work}/password")"
other="$(push good e2e/other other)"
pass "pushed and signed ${good}"
/usr/bin/python3 - "${work}/push-good.json" <<'PY' || fail "push --report: $(cat "${work}/push-good.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["attestations"] == 2 and r["signature_tag"].endswith(".sig"), r
assert 0 <= r["sign_ms"] <= r["duration_ms"], r
PY

set +e
wrong="$(COSIGN_PASSWORD=Wrong-Pa55-e2e "${shipctl}" sign --insecure-http --key "${work}/release.key" \
  --ref "${registry}/e2e/signed@${good}" --auth-file "${auth}" 2>&1)"
wrong_rc=$?
set -e
[[ ${wrong_rc} -ne 0 ]] || fail "sign with a wrong password succeeded"
[[ "$(wc -l <<<"${wrong}")" -eq 1 ]] || fail "wrong password is more than one line: ${wrong}"
grep -q 'wrong password' <<<"${wrong}" || fail "no wrong-password line: ${wrong}"
[[ "${wrong}" != *Wrong-Pa55-e2e* && "${wrong}" != *release-Pa55-e2e* ]] || fail "a password was printed"
pass "wrong password: ${wrong}"

/usr/bin/python3 "${here}/check_signatures.py" "${registry}" e2e/signed "${good}" "${auth}" \
  "${work}/release.pub" "${work}/release.key" "${work}/password" || fail "independent verification"

# --- policies --------------------------------------------------------------------
policy() {  # name extra-yaml
  printf 'trusted_keys: [%s]\nrequired_attestations: [slsaprovenance, spdx]\n%s' \
    "${work}/release.pub" "$2" >"${work}/$1.yaml"
}
policy base 'licenses:
  allow: [MIT, Apache-2.0, BSD-3-Clause, Zlib]
source: {repository: https://git.example.invalid/staticship.git, branch: main}
'
policy mit-only 'licenses: {allow: [MIT]}
'
policy feed "vulnerabilities: {feed: ${feed}, severity_threshold: low}
"

verify() {  # policy repository digest: sets out, rc
  set +e
  out="$("${shipctl}" verify --insecure-http --policy "${work}/$1.yaml" --ref "${registry}/$2@$3" \
    --auth-file "${auth}" 2>&1 >/dev/null)"
  rc=$?
  set -e
}
refused() {  # what policy repository digest rule needle
  local what="$1" rule="$5" needle="$6" digest="$4"
  verify "$2" "$3" "$4"
  [[ ${rc} -eq 1 ]] || fail "${what}: verify exited ${rc}: ${out}"
  [[ -n "${out}" ]] || fail "${what}: no refusal printed"
  while IFS= read -r line; do
    [[ "${line}" == *"${digest}"* ]] || fail "${what}: a refusal does not name the digest: ${line}"
  done <<<"${out}"
  grep -F -- "${rule}" <<<"${out}" | grep -qF -- "${needle}" ||
    fail "${what}: no '${rule}' refusal naming '${needle}': ${out}"
  pass "${what}: $(grep -F -- "${rule}" <<<"${out}" | grep -F -- "${needle}" | head -1)"
}

verify base e2e/signed "${good}"
[[ ${rc} -eq 0 ]] || fail "the good image is refused: ${out}"
pass "the good image passes"

# --- tampering ---------------------------------------------------------------------
refused "another key's signature" base e2e/other "${other}" "signature:" "not signed by a trusted key"
# A second signature over the same payload (the same blob, another
# annotation) by a key the policy does not trust: refused, though the first
# signature is good.
cosigned="$(push good e2e/cosigned release --password-file "${work}/password")"
"${shipctl}" sign --insecure-http --key "${work}/other.key" --ref "${registry}/e2e/cosigned@${cosigned}" \
  --auth-file "${auth}" >/dev/null
refused "an untrusted second signature of the same payload" base e2e/cosigned "${cosigned}" "signature:" \
  "not signed by a trusted key"
refused "SBOM under another policy's license list" mit-only e2e/signed "${good}" "license:" "Apache-2.0"
refused "a known vulnerable package" feed e2e/vuln "${vuln}" "vulnerability:" "CVE-2024-23170"

# An attestation about another digest: the second image's .att put under
# the good image's .att tag.
"${shipctl}" push --insecure-http --layout "${work}/second" --ref "${registry}/e2e/swap:v1" --auth-file "${auth}" \
  --sbom "${work}/second.spdx.json" >/dev/null
swap_good="$(push good e2e/swap release --password-file "${work}/password")"
swap_second="$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["digest"])' "${work}/push-second.json")"
"${shipctl}" attest --insecure-http --key "${work}/release.key" --password-file "${work}/password" \
  --ref "${registry}/e2e/swap@${swap_second}" --predicate-type spdx \
  --predicate "${work}/second.spdx.json" --auth-file "${auth}" >/dev/null
curl -sf -u "${creds}" -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
  "http://${registry}/v2/e2e/swap/manifests/sha256-${swap_second#sha256:}.att" >"${work}/att.json"
curl -sf -u "${creds}" -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
  --data-binary "@${work}/att.json" "http://${registry}/v2/e2e/swap/manifests/sha256-${swap_good#sha256:}.att" >/dev/null
refused "an attestation about another digest" base e2e/swap "${swap_good}" "attestation" "its subject is ${swap_second}"

# An SBOM that drops a linked package, pushed anyway and attested.
/usr/bin/python3 - "${work}/good.spdx.json" "${work}/dropped.spdx.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["packages"] = [p for p in doc["packages"] if "libc++" not in p["name"]]
json.dump(doc, open(sys.argv[2], "w"))
PY
set +e
refuse_push="$("${shipctl}" push --insecure-http --layout "${work}/good" --ref "${registry}/e2e/dropped:v1" \
  --auth-file "${auth}" --sbom "${work}/dropped.spdx.json" 2>&1)"
set -e
grep -q 'is incomplete: it does not name pkg:generic/llvm-libcxx@' <<<"${refuse_push}" ||
  fail "push took an incomplete SBOM: ${refuse_push}"
curl -s -o /dev/null -w '%{http_code}' -u "${creds}" "http://${registry}/v2/e2e/dropped/manifests/v1" | grep -qx 404 ||
  fail "the refused push left a tag"
pass "push refuses the incomplete SBOM: ${refuse_push}"
cp "${work}/dropped.spdx.json" "${work}/gooddrop.spdx.json"
cp -r "${work}/good" "${work}/gooddrop"
dropped="$(push gooddrop e2e/dropped release --password-file "${work}/password" --allow-incomplete-sbom)"
refused "an SBOM that drops a linked package" base e2e/dropped "${dropped}" "sbom-complete:" "pkg:generic/llvm-libcxx@"

# The tag re-pushed to an unsigned image: what the tag names now is refused,
# the signed digest still passes.
"${shipctl}" push --insecure-http --layout "${work}/second" --ref "${registry}/e2e/signed:v1" --auth-file "${auth}" \
  --allow-incomplete-sbom >/dev/null
retagged="$(curl -sfI -u "${creds}" -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
  "http://${registry}/v2/e2e/signed/manifests/v1" | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}')"
[[ "${retagged}" == "${second}" ]] || fail "the tag names ${retagged}, not ${second}"
"${shipctl}" push --insecure-http --layout "${work}/tamper" --ref "${registry}/e2e/signed:v1" --auth-file "${auth}" \
  --allow-incomplete-sbom >/dev/null
retagged="$(curl -sfI -u "${creds}" -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
  "http://${registry}/v2/e2e/signed/manifests/v1" | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}')"
refused "the tag re-pushed to an unsigned image" base e2e/signed "${retagged}" "signature:" "no signature"
verify base e2e/signed "${good}"
[[ ${rc} -eq 0 ]] || fail "the signed digest stopped passing: ${out}"

# --- deploy --policy ----------------------------------------------------------------
port="$(free_port)"
deploy() {  # name repository digest [extra flags]
  "${shipctl}" deploy --insecure-http --ref "${registry}/$2@$3" --name "$1" --port "${port}" \
    --state-dir "${state_dir}" --auth-file "${auth}" --policy "${work}/base.yaml" --timeout 10s "${@:4}"
}
nothing_started() {  # name
  runc list -q | grep -qx "staticship-$1" && fail "$1: a container was started"
  [[ ! -e "${state_dir}/$1" ]] || fail "$1: a bundle was left"
  ls -A "${state_dir}" 2>/dev/null | grep -q "staging" && fail "$1: a staging bundle was left"
  return 0
}
set +e
deny="$(deploy sign-bad e2e/other "${other}" 2>&1)"
deny_rc=$?
set -e
[[ ${deny_rc} -ne 0 ]] || fail "deploy --policy started an image signed by another key"
grep -q "^deploy: refused ${other}: signature:" <<<"${deny}" || fail "deploy gave no reason: ${deny}"
nothing_started sign-bad
pass "deploy --policy refuses another key's image: ${deny}"

deploy sign-good e2e/signed "${good}" --report "${work}/deploy-good.json" >/dev/null
/usr/bin/python3 - "${work}/deploy-good.json" <<'PY' || fail "deploy --report: $(cat "${work}/deploy-good.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert 0 <= r["verify_ms"] <= r["pull_unpack_ms"] <= r["duration_ms"], r
PY
[[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${port}/health")" == 200 ]] ||
  fail "the verified image is not healthy"
"${shipctl}" undeploy --name sign-good --state-dir "${state_dir}" >/dev/null
pass "deploy --policy runs the verified image"

# A layer blob replaced in the registry's storage after signing.
layer="$(/usr/bin/python3 - "${work}/tamper" <<'PY'
import json, sys, os
layout = sys.argv[1]
index = json.load(open(os.path.join(layout, "index.json")))
manifest = json.load(open(os.path.join(layout, "blobs", *index["manifests"][0]["digest"].split(":"))))
print(manifest["layers"][0]["digest"])
PY
)"
data="${storage}/docker/registry/v2/blobs/sha256/${layer:7:2}/${layer#sha256:}/data"
[[ -f "${data}" ]] || fail "no blob file ${data}"
blob_bytes="$(stat -c %s "${data}")"
head -c "${blob_bytes}" /dev/zero >"${data}"
refused "a layer replaced after signing" base e2e/tamper "${tamper}" "digest:" "layer ${layer}"
set +e
deny="$(deploy sign-bad e2e/tamper "${tamper}" 2>&1)"
deny_rc=$?
set -e
[[ ${deny_rc} -ne 0 ]] || fail "deploy --policy started a tampered image"
grep -q "^deploy: refused ${tamper}: digest: layer ${layer}" <<<"${deny}" || fail "deploy gave no reason: ${deny}"
[[ "$(wc -l <<<"${deny}")" -eq 1 ]] || fail "the tampered layer's refusal is not one line: ${deny}"
nothing_started sign-bad
pass "deploy --policy refuses the tampered layer: $(head -1 <<<"${deny}")"
echo "PASS"
