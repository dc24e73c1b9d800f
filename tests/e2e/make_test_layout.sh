#!/usr/bin/env bash
# Builds an OCI layout with umoci from a static binary, for when `shipctl
# pack` is not available: the binary at /usr/local/bin/<name>, an
# /etc/passwd with nonroot 65532, /tmp 1777, User 65532:65532.
#   make_test_layout.sh LAYOUT_DIR BINARY TAG
set -euo pipefail
layout="$1" binary="$2" tag="$3"
name="$(basename "${binary}")"
work="$(mktemp -d "${TMPDIR:-/tmp}/make_test_layout.XXXXXX")"
trap 'rm -rf -- "${work}"' EXIT
mkdir -p "${work}/root/usr/local/bin" "${work}/root/etc" "${work}/root/tmp"
install -m 0755 "${binary}" "${work}/root/usr/local/bin/${name}"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"${work}/root/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"${work}/root/etc/group"
chmod 1777 "${work}/root/tmp"
rm -rf -- "${layout}"
umoci init --layout "${layout}"
umoci new --image "${layout}:${tag}"
for path in usr etc tmp; do
  umoci insert --rootless --image "${layout}:${tag}" "${work}/root/${path}" "/${path}" >/dev/null
done
umoci config --image "${layout}:${tag}" --config.user 65532:65532 \
  --config.entrypoint "/usr/local/bin/${name}" --config.env PORT=8080 \
  --config.workingdir / --architecture amd64 --os linux
# Drop the intermediate manifests umoci leaves behind so index.json names one image.
umoci gc --layout "${layout}"
