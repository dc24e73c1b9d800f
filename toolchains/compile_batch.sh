#!/bin/sh
# Compiles many runtime sources that share their flags, in one action:
#   compile_batch.sh OUT_DIR ZIG FLAGS_FILE SRC...
# Each SRC becomes OUT_DIR/<basename>.o. FLAGS_FILE holds clang's flags, one
# per line, and is read by clang itself (@file). Nothing else is written.
set -eu
out=$1 zig=$2 flags=$3
shift 3
mkdir -p "$out"
for src; do
  base=${src##*/}
  "$zig" clang "@$flags" -c "$src" -o "$out/${base%.*}.o"
done
