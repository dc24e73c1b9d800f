#!/usr/bin/env bash
# `shipctl manifest` output for both services, with their deploy files,
# against the Kubernetes OpenAPI spec (k8s_validate.py: strict, as kubectl's
# --validate=strict, with Debian's python3-jsonschema); and broken copies of
# it (a wrong type, an unknown field, a bad enum value) must fail. No cluster
# runs here: this is as far as "any cluster accepts it" can be checked.
#
#   k8s_manifest_schema_test.sh SHIPCTL VALIDATOR SWAGGER_JSON \
#     SCHEDULER_DEPLOY_FILE SCHEDULER_LAYOUT_FILES... -- GATEWAY_DEPLOY_FILE GATEWAY_LAYOUT_FILES...
set -euo pipefail

shipctl=$1 validator=$2 swagger=$3
shift 3
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/k8s_manifest.XXXXXX")
trap 'rm -rf "$work"' EXIT

layout_of() {  # the *_layout directory among a static_image's outputs
  local f
  for f in "$@"; do [[ -d $f && $f == *_layout ]] && { echo "$f"; return; }; done
  fail "no layout among $*"
}
manifest() {  # name port deploy-file layout-files... -> writes $work/<name>.yaml
  local name=$1 port=$2 deploy_file=$3 layout digest
  shift 3
  layout=$(layout_of "$@")
  digest=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$layout/index.json")
  "$shipctl" manifest --ref "127.0.0.1:5000/staticship/$name@$digest" --name "$name" --port "$port" \
    --layout "$layout" --deploy-file "$deploy_file" --env LOG_FORMAT=json --arg --verbose=1 >"$work/$name.yaml"
}
validate() {  # file -> 0 when valid
  /usr/bin/python3 "$validator" "$swagger" "$1"
}

sched_args=()
while [[ $1 != -- ]]; do sched_args+=("$1"); shift; done
shift
manifest scheduler 8090 "${sched_args[@]}"
manifest gateway 8080 "$@"

validate "$work/scheduler.yaml" | tee "$work/scheduler.out"
grep -q '^k8s_validate: 4 documents valid$' "$work/scheduler.out" || fail "scheduler: not 4 valid documents"
validate "$work/gateway.yaml" | tee "$work/gateway.out"
grep -q '^k8s_validate: 3 documents valid$' "$work/gateway.out" || fail "gateway: not 3 valid documents"

# The ConfigMap holds the mounted file byte for byte, mounted at its path.
/usr/bin/python3 - "$work/scheduler.yaml" "${sched_args[0]}" <<'PY' || fail "scheduler manifest content"
import os, sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
zones = open(os.path.join(os.path.dirname(sys.argv[2]), "zones.yaml")).read()
config, claim, deployment, service = docs
assert config["data"]["zones.yaml"] == zones
assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
pod = deployment["spec"]["template"]["spec"]
c = pod["containers"][0]
assert "@sha256:" in c["image"], c["image"]
mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
assert mounts["/etc/scheduler/zones.yaml"]["subPath"] == "zones.yaml"
assert mounts["/etc/scheduler/zones.yaml"]["readOnly"] is True
assert "/var/lib/scheduler" in mounts
assert c["args"][-3:] == ["--data-dir", "/var/lib/scheduler", "--verbose=1"], c["args"]
assert {"name": "LOG_FORMAT", "value": "json"} in c["env"]
assert {"name": "PORT", "value": "8090"} in c["env"]
sc = c["securityContext"]
assert sc["readOnlyRootFilesystem"] and sc["runAsNonRoot"] and not sc["allowPrivilegeEscalation"]
assert sc["runAsUser"] == sc["runAsGroup"] == 65532
assert sc["capabilities"] == {"drop": ["ALL"]} and sc["seccompProfile"] == {"type": "RuntimeDefault"}
assert c["resources"]["limits"] == {"memory": "512Mi", "cpu": "1"}
assert c["livenessProbe"]["httpGet"]["path"] == "/health"
assert service["spec"]["ports"][0]["port"] == 8090
PY

# Broken copies must fail, each for its own reason.
broken() {  # description python-expression-editing-docs
  /usr/bin/python3 - "$work/scheduler.yaml" "$work/broken.yaml" "$2" <<'PY'
import sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
d = docs[2]
c = d["spec"]["template"]["spec"]["containers"][0]
exec(sys.argv[3])
yaml.safe_dump_all(docs, open(sys.argv[2], "w"))
PY
  if validate "$work/broken.yaml" >"$work/broken.out"; then fail "$1 passed validation"; fi
  grep -q "error(s)" "$work/broken.out" || fail "$1: $(cat "$work/broken.out")"
  echo "ok: $1 fails: $(grep -m1 'Deployment' "$work/broken.out")"
}
broken "replicas as a string" 'd["spec"]["replicas"] = "1"'
broken "runAsUser as a name" 'c["securityContext"]["runAsUser"] = "nonroot"'
broken "an unknown field" 'c["securityContex"] = c.pop("securityContext")'
broken "env value as a number" 'c["env"][0]["value"] = 1'
broken "a missing container image name" 'del c["name"]'
echo PASS
