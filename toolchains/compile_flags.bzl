"""The flags every compile of the zig toolchains starts with.

cc_toolchain_config.bzl turns them into features, and prelude_pch.bzl
precompiles the prelude with the same ones: clang refuses a precompiled
header whose language options differ from the compile's (-O level, PIE),
and the header's macros must be the ones the compile would have seen.
"""

load(":runtime_flags.bzl", "GLIBC_LIBCXX_USER_DEFINES", "LIBCXX_INCLUDES", "LIBCXX_USER_DEFINES", "glibc_includes", "libc_includes")

# Outputs must not depend on when they were built.
REPRODUCIBLE_FLAGS = [
    "-Wno-builtin-macro-redefined",
    "-D__DATE__=\"redacted\"",
    "-D__TIMESTAMP__=\"redacted\"",
    "-D__TIME__=\"redacted\"",
]

# clang emits no debug info unless asked, which zig's driver did at -O2 too;
# -g0 states it. dbg keeps it, with "." as the compilation directory so
# objects stay reproducible.
MODE_FLAGS = {
    "dbg": ["-O0", "-g", "-fdebug-compilation-dir=."],
    "fastbuild": ["-O0", "-g0"],
    "opt": ["-O2", "-DNDEBUG", "-g0", "-ffunction-sections", "-fdata-sections"],
}

def cxx_flags(libc):
    """C++ only: the language and libc++, with its configuration.

    libc++'s headers come before the C library's: its <math.h> and friends
    wrap the C library's with #include_next. Without transitive includes,
    <string> + <vector> preprocess to half the lines (docs/PERFORMANCE.md);
    our code includes what it uses.

    Args:
      libc: "musl" or "glibc".

    Returns:
      A list of flags.
    """
    defines = GLIBC_LIBCXX_USER_DEFINES if libc == "glibc" else LIBCXX_USER_DEFINES
    return ["-std=c++20"] + LIBCXX_INCLUDES + defines + ["-D_LIBCPP_REMOVE_TRANSITIVE_INCLUDES"]

def target_flags(target, cpu, family, libc, glibc_include_dirs = []):
    """Every compile: the target, and no header or config file of the host.

    Against glibc (the clang-dynamic baseline) the host's C headers, and PIE
    objects as Debian's gcc builds them.

    Args:
      target: zig's triple, e.g. x86_64-linux-musl.
      cpu: musl's name for the CPU.
      family: zig's libc header family for the CPU.
      libc: "musl" or "glibc".
      glibc_include_dirs: libc = glibc: the host's C header directories.

    Returns:
      A list of flags.
    """
    if libc == "glibc":
        libc_flags = glibc_includes(glibc_include_dirs) + ["-fPIE"]
    else:
        libc_flags = libc_includes(target, cpu, family)
    return [
        "-target",
        target.replace("-linux-", "-unknown-linux-"),
        "--no-default-config",
        "-no-canonical-prefixes",
        "-fno-spell-checking",
    ] + libc_flags

def prelude_flags(target, cpu, family, libc, mode, glibc_include_dirs = []):
    """What a C++ compile in `mode` passes before its own flags, in order."""
    return REPRODUCIBLE_FLAGS + cxx_flags(libc) + target_flags(target, cpu, family, libc, glibc_include_dirs) + MODE_FLAGS[mode]
