#!/bin/bash
# Bazel's --workspace_status_command (.bazelrc): the commit and the source
# repository, for the image labels org.opencontainers.image.revision and
# .source. STABLE_ keys: a new commit re-packs the images (milliseconds) and
# leaves every compile and link cached. Outside a git checkout it prints
# nothing and the labels are left out. STATICSHIP_GIT_WORKTREE names the
# checkout to describe when Bazel runs in a copy of it (ci/pipeline).
set -u
cd "${STATICSHIP_GIT_WORKTREE:-.}" || exit 0
rev=$(git rev-parse HEAD 2>/dev/null) || exit 0
# A build from uncommitted changes must not claim to be the commit.
if [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then
  rev="$rev-dirty"
fi
echo "STABLE_STATICSHIP_REVISION $rev"

# Only a URL others can reach is a source; a local path is not (and would
# leak the builder's directory layout). Credentials are never written.
url=$(git config --get remote.origin.url 2>/dev/null || true)
case $url in
  https://* | http://*) sed -E 's#^(https?://)[^/@]*@#\1#; s#\.git$##' <<<"$url" ;;
  ssh://git@*) sed -E 's#^ssh://git@([^/:]+)(:[0-9]+)?/#https://\1/#; s#\.git$##' <<<"$url" ;;
  git@*:*) sed -E 's#^git@([^:]+):#https://\1/#; s#\.git$##' <<<"$url" ;;
  *) exit 0 ;;
esac | sed 's/^/STABLE_STATICSHIP_SOURCE /'
