#!/bin/sh
# Compiles many runtime sources that share their flags into one archive, in
# one action:
#   compile_batch.sh OUT_ARCHIVE ZIG FLAGS_FILE SRC...
# FLAGS_FILE holds clang's flags, one per line, and is read by clang itself
# (@file). The objects go to OUT_ARCHIVE.objs/, named by their path below
# the SDK's lib/ (same-named files in different directories stay apart), in
# the order given; that folder and its list are removed, so OUT_ARCHIVE is all this writes.
set -eu
out=$1 zig=$2 flags=$3
shift 3
objs="$out.objs"
list="$out.objs.list"
rm -rf "$objs" "$list" "$out"
made=
for src; do
  rel=${src#*/lib/}
  obj="$objs/${rel%.*}.o"
  dir=${obj%/*}
  if [ "$dir" != "$made" ]; then
    mkdir -p "$dir"
    made=$dir
  fi
  "$zig" clang "@$flags" -c "$src" -o "$obj"
  printf '%s\n' "$obj" >>"$list"
done
# D: no timestamps, uids or modes; q: same-named members both stay.
"$zig" ar qcD "$out" "@$list"
rm -rf "$objs" "$list"
