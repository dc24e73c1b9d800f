#!/usr/bin/env bash
# The released services with their deploy files, as `bazel run
# //services/...:*_deploy` runs them, against the real docker-registry and
# runc:
#   * the scheduler reads its zones from the read-only mounted zones.yaml and
#     keeps its queue on the scheduler-data volume: tasks accepted before an
#     undeploy are all there after the redeploy;
#   * the gateway, with its mounted gateway.yaml, routes a POST to it;
#   * the limits of the deploy files are in the containers' cgroups;
#   * a bad deploy file, a missing mount source and an unwritable volume are
#     each one line on stderr, and no container starts.
#
#   deploy_config_test.sh SCHEDULER_DEPLOY GATEWAY_DEPLOY SHIPCTL
set -euo pipefail

sched_deploy=$(realpath "$1")
gw_deploy=$(realpath "$2")
shipctl=$(realpath "$3")
here="$(dirname "$(realpath "${BASH_SOURCE[0]}")")"
repo="$(cd "${here}/../.." && pwd)"

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
[[ "$(id -u)" == 0 ]] || fail "needs root (runc)"
for port in 8080 8090; do
  if ss -ltnH "sport = :${port}" | grep -q .; then fail "port ${port} is busy"; fi
done

work="$(mktemp -d "${TMPDIR:-/tmp}/deploy_config.XXXXXX")"
export STATICSHIP_STATE="${work}/registry-state"
# The deploy targets sign with a key they make here, and deploy only what
# passes the default policy trusting it.
export STATICSHIP_KEYS="${work}/keys"
state="${work}/run"
volumes="${work}/volumes"
where=(--state-dir "${state}" --volume-root "${volumes}")
cleanup() {
  local rc=$?
  "${gw_deploy}" --undeploy "${where[@]}" >/dev/null 2>&1 || true
  "${sched_deploy}" --undeploy "${where[@]}" >/dev/null 2>&1 || true
  "${shipctl}" undeploy --name e2e-neg --state-dir "${state}" >/dev/null 2>&1 || true
  "${repo}/ci/registry" stop >/dev/null 2>&1 || true
  rm -rf -- "${work}"
  exit "${rc}"
}
trap cleanup EXIT INT TERM

container_pid() {  # container id -> its pid
  runc state "$1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])'
}
# "ro" or "rw": how a path is mounted in a container's mount namespace.
mount_mode() {  # pid path
  awk -v p="$2" '$5 == p { split($6, o, ","); print o[1] }' "/proc/$1/mountinfo"
}
post_task() {  # port id zone -> HTTP status
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Content-Type: application/json' \
    -d "{\"id\":\"$2\",\"zone_id\":\"$3\",\"payload\":{\"n\":1}}" "http://127.0.0.1:$1/v1/tasks"
}
# The limit a cgroup v1 or v2 file gives a container's process, or "".
cgroup_value() {  # pid controller v1-file v2-file
  local pid=$1 line path
  if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
    path=$(awk -F: '$1 == "0" { print $3 }' "/proc/${pid}/cgroup")
    cat "/sys/fs/cgroup${path}/$4" 2>/dev/null || true
  else
    line=$(grep -E "^[0-9]+:([^:]*,)?$2(,[^:]*)?:" "/proc/${pid}/cgroup" || true)
    path=${line##*:}
    local dir
    for dir in "/sys/fs/cgroup/$2" "/sys/fs/cgroup/cpu,cpuacct"; do
      [[ -f "${dir}${path}/$3" ]] && { cat "${dir}${path}/$3"; return; }
    done
  fi
}

eval "$("${repo}/ci/registry" start)"

# --- the scheduler: zones from the mount, queue on the volume ---------------
"${sched_deploy}" "${where[@]}" | tee "${work}/sched.out"
grep -q "healthy on http://127.0.0.1:8090/health" "${work}/sched.out" || fail "scheduler not healthy"
sched_digest=$(grep -o 'unpacked sha256:[0-9a-f]\{64\}' "${work}/sched.out" | cut -d' ' -f2)
[[ -n ${sched_digest} ]] || fail "deploy printed no digest"
sched_pid=$(container_pid staticship-staticship-scheduler)
[[ $(mount_mode "${sched_pid}" /etc/scheduler/zones.yaml) == ro ]] || fail "zones.yaml is not mounted read-only"
[[ $(mount_mode "${sched_pid}" /var/lib/scheduler) == rw ]] || fail "the volume is not mounted read-write"
[[ $(stat -c '%u:%g %a' "${volumes}/scheduler-data") == "65532:65532 700" ]] ||
  fail "volume owner/mode: $(stat -c '%u:%g %a' "${volumes}/scheduler-data")"
[[ $(cgroup_value "${sched_pid}" memory memory.limit_in_bytes memory.max) == $((512 << 20)) ]] ||
  fail "scheduler memory limit is not 512M"
pass "scheduler deployed: zones.yaml ro, scheduler-data rw (65532, 0700), 512M limit"

accepted=()
for i in $(seq 1 20); do
  zone=cn-1
  ((i % 2)) && zone=eu-1
  code=$(post_task 8090 "e2e-${i}" "${zone}")
  [[ ${code} == 201 ]] || fail "task e2e-${i} got HTTP ${code}"
  accepted+=("e2e-${i}")
done
[[ $(post_task 8090 e2e-mars mars) == 400 ]] || fail "a task for an unknown zone was not refused"
ls "${volumes}/scheduler-data" | grep -q . || fail "nothing written to the volume"
pass "${#accepted[@]} tasks accepted, unknown zone refused, the log is on the volume"

"${sched_deploy}" --undeploy "${where[@]}"
runc list -q | grep -q '^staticship-staticship-scheduler$' && fail "container left after undeploy"
[[ ! -e "${state}/staticship-scheduler" ]] || fail "bundle left after undeploy"
[[ -d "${volumes}/scheduler-data" ]] || fail "undeploy removed the volume"
"${sched_deploy}" "${where[@]}" >/dev/null
for id in "${accepted[@]}"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:8090/v1/tasks/${id}")
  [[ ${code} == 200 ]] || fail "task ${id} lost across undeploy and redeploy (HTTP ${code})"
done
pass "undeploy kept the volume; all ${#accepted[@]} tasks there after the redeploy"

# --- the gateway in front of it ------------------------------------------------
"${gw_deploy}" "${where[@]}" | tee "${work}/gw.out"
grep -q "healthy on http://127.0.0.1:8080/health" "${work}/gw.out" || fail "gateway not healthy"
gw_pid=$(container_pid staticship-staticship-gateway)
[[ $(mount_mode "${gw_pid}" /etc/gateway/gateway.yaml) == ro ]] || fail "gateway.yaml is not mounted read-only"
[[ $(cgroup_value "${gw_pid}" memory memory.limit_in_bytes memory.max) == $((256 << 20)) ]] ||
  fail "gateway memory limit is not 256M"
quota=$(cgroup_value "${gw_pid}" cpu cpu.cfs_quota_us cpu.max)
[[ ${quota} == 100000 || ${quota} == "100000 100000" ]] || fail "gateway CPU quota is ${quota}, not 1 CPU"
[[ $(post_task 8080 via-gateway cn-1) == 201 ]] || fail "POST through the gateway was not accepted"
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:8090/v1/tasks/via-gateway") == 200 ]] ||
  fail "the task posted through the gateway is not in the scheduler"
pass "gateway routes POST /v1/tasks to the scheduler; 256M and 1 CPU"

ref="${STATICSHIP_REGISTRY}/staticship/scheduler@${sched_digest}"

# --- the same settings as Kubernetes objects, the image config from the registry
printf 'zones: {}\n' >"${work}/zones.yaml"
"${shipctl}" manifest --ref "${ref}" --name scheduler --port 8090 \
  --auth-file "${STATICSHIP_REGISTRY_AUTH_FILE}" --ca-cert "${STATICSHIP_REGISTRY_CA}" \
  --mount "${work}/zones.yaml:/etc/scheduler/zones.yaml:ro" \
  --volume scheduler-data:/var/lib/scheduler --arg --workers=8 >"${work}/k8s.yaml"
for kind in ConfigMap PersistentVolumeClaim Deployment Service; do
  grep -q "^kind: ${kind}$" "${work}/k8s.yaml" || fail "manifest has no ${kind}"
done
grep -qF "image: \"${ref}\"" "${work}/k8s.yaml" || fail "manifest does not pin ${ref}"
grep -q -- '- "--zones"' "${work}/k8s.yaml" || fail "manifest args do not start with the image's Cmd"
pass "shipctl manifest from the registry: ConfigMap, PVC, Deployment (by digest), Service"

# --- bad input: one line, nothing starts ----------------------------------------
neg() {  # expected-text shipctl-deploy-flags...
  local expected=$1
  shift
  if "${shipctl}" deploy --ref "${ref}" --name e2e-neg --port 18099 --timeout 5s --insecure-skip-verify \
    --auth-file "${STATICSHIP_REGISTRY_AUTH_FILE}" "${where[@]}" "$@" >"${work}/neg.out" 2>"${work}/neg.err"; then
    fail "deploy succeeded with $*"
  fi
  [[ $(wc -l <"${work}/neg.err") == 1 ]] || fail "not one line for $*: $(cat "${work}/neg.err")"
  grep -qF -- "${expected}" "${work}/neg.err" || fail "unclear error for $*: $(cat "${work}/neg.err")"
  runc list -q | grep -q '^staticship-e2e-neg$' && fail "a container started for $*"
  [[ ! -e "${state}/e2e-neg" ]] || fail "a bundle was written for $*"
  pass "$(cat "${work}/neg.err")"
}
printf 'mounts: [zones.yaml:/etc/scheduler/zones.yaml:ro]\nmemory: lots\n' >"${work}/bad-deploy.yaml"
neg "bad-deploy.yaml: memory: memory 'lots' is not" --deploy-file "${work}/bad-deploy.yaml"
neg "mount source ${work}/absent.yaml does not exist" --mount "${work}/absent.yaml:/etc/x.yaml:ro"
mkdir -m 0755 "${volumes}/locked"
neg "volume locked: ${volumes}/locked is not writable for the container's user 65532:65532" \
  --volume locked:/var/lib/locked

"${gw_deploy}" --undeploy "${where[@]}"
"${sched_deploy}" --undeploy "${where[@]}"
runc list -q | grep -q '^staticship-' && fail "containers left: $(runc list -q)"
echo PASS
