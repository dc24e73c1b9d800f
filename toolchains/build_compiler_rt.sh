#!/bin/sh
# Builds compiler-rt (Zig source in zig 0.11) as one Bazel action:
#   build_compiler_rt.sh ZIG OUT TARGET OPTIMIZE ROOT_SOURCE
# zig must have a writable cache; it gets one beside OUT, inside this
# action's own output tree, and it is removed before the action ends, so
# nothing outside the sandbox is written and nothing is shared.
set -eu
zig=$1 out=$2 target=$3 optimize=$4 root=$5
cache="$out.cache.d"
rm -rf "$cache"
trap 'rm -rf "$cache"' EXIT
# The flags zig itself uses for compiler-rt; -fstrip because zig has no
# prefix map and its debug info would name this sandbox's absolute paths.
"$zig" build-lib -target "$target" -O "$optimize" -fstrip -ffunction-sections \
  -fno-builtin -fno-stack-check -fno-stack-protector -fno-sanitize-c \
  -fno-compiler-rt -funwind-tables -fPIC \
  --name compiler_rt --zig-lib-dir "$(dirname "$root")" \
  --cache-dir "$cache" --global-cache-dir "$cache" \
  -femit-bin="$out" -fno-emit-h -fno-emit-docs -fno-emit-implib "$root" 2>&1
