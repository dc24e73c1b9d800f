#!/usr/bin/env bash
# An image's outputs (layout, docker-archive, digest file, SBOM) must pass
# tools nobody here wrote: oci-image-tool, the OCI JSON schemas, skopeo
# reading both outputs and agreeing with each other and with the digest
# file; and the SBOM must agree with the digest and the dependency lock.
# Used directly on the rules' outputs (the service images) and by
# pack_conformance_test.sh on what it packs.
# Usage: image_conformance_test.sh CHECK_IMAGE_PY CHECK_SBOM_PY DEPS_JSON
#          REPOSITORY:TAG OUTPUT... [-- CHECK_SBOM_FLAGS...]
#   OUTPUT: the layout directory, *.tar, *.digest and *.spdx.json, in any
#   order (as $(rootpaths) of a static_image gives them).
set -euo pipefail
check_image=$(realpath "$1")
check_sbom=$(realpath "$2")
deps_json=$(realpath "$3")
ref=$4
shift 4
repository=${ref%:*} tag=${ref##*:}
layout="" tar="" digest_file="" sbom=""
while [[ $# -gt 0 && $1 != -- ]]; do
  case $1 in
    *.tar) tar=$(realpath "$1") ;;
    *.digest) digest_file=$(realpath "$1") ;;
    *.spdx.json) sbom=$(realpath "$1") ;;
    *) [[ -d $1 ]] && layout=$(realpath "$1") ;;
  esac
  shift
done
[[ ${1:-} == -- ]] && shift
sbom_flags=("$@")
fail() { echo "FAIL ($ref): $*"; exit 1; }
[[ -n $layout && -n $tar && -n $digest_file && -n $sbom ]] \
  || fail "need a layout directory, .tar, .digest and .spdx.json"
for tool in oci-image-tool skopeo /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool"; exit 1; }
done
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/image_conformance.XXXXXX")
trap 'rm -rf "$work"' EXIT
py_field() {  # py_field JSON_FILE KEY
  /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"
}

digest=$(cat "$digest_file")
[[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] || fail "digest file: $digest"

# 1. oci-image-tool (Debian's only implements --type image, which
#    autodetects and validates the layout) and the JSON schemas.
oci-image-tool validate --type image --ref "name=$tag" "$layout" \
  >"$work/validate.log" 2>&1 || { cat "$work/validate.log"; fail "oci-image-tool"; }
grep -q "Validation succeeded" "$work/validate.log" || fail "oci-image-tool output"
/usr/bin/python3 "$check_image" "$layout"

# 2. skopeo reads both outputs and sees the image the digest file names.
skopeo inspect "oci:$layout:$tag" >"$work/oci.json"
skopeo inspect --config "oci:$layout:$tag" >"$work/oci-config.json"
skopeo inspect --config "docker-archive:$tar" >"$work/tar-config.json"
oci_digest=$(py_field "$work/oci.json" Digest)
[[ $oci_digest == "$digest" ]] || fail "skopeo oci digest $oci_digest != digest file $digest"
cmp -s "$work/oci-config.json" "$work/tar-config.json" \
  || fail "configs differ between oci: and docker-archive:"
# Selecting the image by its RepoTags entry proves the tag is recorded.
skopeo inspect "docker-archive:$tar:$repository:$tag" >/dev/null \
  || fail "docker-archive has no RepoTags entry $repository:$tag"
skopeo copy -q "docker-archive:$tar" "oci:$work/copy:$tag"
config_digest=$(/usr/bin/python3 -c '
import json,sys
layout=sys.argv[1]
idx=json.load(open(layout+"/index.json"))
m=json.load(open(layout+"/blobs/sha256/"+idx["manifests"][0]["digest"][7:]))
print(m["config"]["digest"])' "$layout")
[[ -f $work/copy/blobs/sha256/${config_digest#sha256:} ]] \
  || fail "skopeo copy from docker-archive changed the config ($config_digest)"
skopeo copy -q "oci:$layout:$tag" "oci:$work/copy2:$tag"
skopeo inspect "oci:$work/copy2:$tag" >"$work/copy2.json"
[[ $(py_field "$work/copy2.json" Digest) == "$digest" ]] \
  || fail "skopeo copy oci->oci changed the manifest digest"
/usr/bin/python3 - "$work/oci-config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
cfg = c["config"]
# Every image runs as distroless' nonroot, created at a fixed time.
assert cfg["User"] == "65532:65532", cfg
assert c["created"] == cfg["Labels"]["org.opencontainers.image.created"], c
PY

# 3. The SBOM names this image and what the lock says of its components.
/usr/bin/python3 "$check_sbom" "$sbom" "$deps_json" "$digest" "${sbom_flags[@]}"
echo "PASS $ref $digest"
