#!/bin/bash
# release/workspace_status.sh in throw-away git repositories: the revision,
# "-dirty" for uncommitted changes, a source only for a URL remote, and never
# a credential or a local path.
# usage: workspace_status_test.sh WORKSPACE_STATUS_SCRIPT
set -euo pipefail
status=$(readlink -f "$1")
repo=$(mktemp -d "${TEST_TMPDIR:-/tmp}/ws.XXXXXX")
cd "$repo"
failures=0
check() {  # check DESCRIPTION EXPECTED_OUTPUT
  local got
  got=$("$status")
  if [[ $got != "$2" ]]; then
    printf 'FAIL: %s\n  want: %s\n  got:  %s\n' "$1" "$2" "$got" >&2
    failures=$((failures + 1))
  else
    echo "ok: $1"
  fi
}

check "outside a git checkout" ""
git init -q .
git -c user.name=t -c user.email=t@example.org commit -q --allow-empty -m first
rev=$(git rev-parse HEAD)
check "no remote" "STABLE_STATICSHIP_REVISION $rev"
git remote add origin /srv/git/staticship
check "a local path is not a source" "STABLE_STATICSHIP_REVISION $rev"
git remote set-url origin https://builder:s3cret@git.example.org/team/staticship.git
check "https, credentials dropped" "STABLE_STATICSHIP_REVISION $rev
STABLE_STATICSHIP_SOURCE https://git.example.org/team/staticship"
git remote set-url origin git@git.example.org:team/staticship.git
check "scp-style ssh" "STABLE_STATICSHIP_REVISION $rev
STABLE_STATICSHIP_SOURCE https://git.example.org/team/staticship"
echo tracked >file
git add file
check "uncommitted change" "STABLE_STATICSHIP_REVISION $rev-dirty
STABLE_STATICSHIP_SOURCE https://git.example.org/team/staticship"
# ci/pipeline builds in a copy without .git and names the checkout.
copy=$(mktemp -d "${TEST_TMPDIR:-/tmp}/copy.XXXXXX")
got=$(cd "$copy" && STATICSHIP_GIT_WORKTREE=$repo "$status")
want="STABLE_STATICSHIP_REVISION $rev-dirty
STABLE_STATICSHIP_SOURCE https://git.example.org/team/staticship"
if [[ $got != "$want" ]]; then
  printf 'FAIL: STATICSHIP_GIT_WORKTREE\n  want: %s\n  got:  %s\n' "$want" "$got" >&2
  failures=$((failures + 1))
else
  echo "ok: STATICSHIP_GIT_WORKTREE"
fi
[[ $failures -eq 0 ]]
