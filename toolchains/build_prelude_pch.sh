#!/bin/sh
# build_prelude_pch.sh OUT CLANG ARGS...: precompiles a header to OUT.
#
# clang writes the PCH to stdout here on purpose: given an output file name
# it records that file's absolute directory (the sandbox's, different in
# every action and on every machine) in the PCH; on stdout it records none,
# and the PCH is the same bytes everywhere, so caches can share it.
set -eu
out=$1
shift
"$@" -o - >"$out"
