"""Compiler flags for the runtimes and for code built against them.

Taken from what zig 0.11 passes when it builds each runtime itself
(src/musl.zig, src/libcxx.zig, src/libunwind.zig in zig's source), so the
archives match what `zig c++` would link. zig ships no libc++ __config_site,
so the _LIBCPP_* configuration travels as defines, and code that includes
libc++'s headers must see the same ones (LIBCXX_USER_DEFINES).
"""

SDK = "external/zig_sdk/lib"

def libc_includes(target, arch, family, musl = False):
    """The header search path of C code for `target`, no host directory in it.

    Args:
      target: zig's triple, e.g. x86_64-linux-musl.
      arch: musl's name for the CPU.
      family: zig's header family for the CPU (lib/libc/include/<family>-linux-any).
      musl: True for musl's own sources, which also see its internal headers.

    Returns:
      A list of flags.
    """
    if musl:
        m = SDK + "/libc/musl"
        return [
            "-nostdinc",
            "-isystem",
            SDK + "/include",
            "-I" + m + "/arch/" + arch,
            "-I" + m + "/arch/generic",
            "-I" + m + "/src/include",
            "-I" + m + "/src/internal",
            "-I" + m + "/include",
            "-I" + SDK + "/libc/include/" + target,
            "-I" + SDK + "/libc/include/generic-musl",
        ]
    return [
        "-nostdinc",
        "-isystem",
        SDK + "/include",
        "-isystem",
        SDK + "/libc/include/" + target,
        "-isystem",
        SDK + "/libc/include/generic-musl",
        "-isystem",
        SDK + "/libc/include/" + family + "-linux-any",
        "-isystem",
        SDK + "/libc/include/any-linux-any",
    ]

# The host's glibc (Debian 12: glibc 2.36) for the clang-dynamic variant,
# which is non-hermetic by design, like the gcc baseline: its headers, the
# directory of its crt objects and libraries, and its ELF loader.
GLIBC_INCLUDE_DIRS = ["/usr/include/x86_64-linux-gnu", "/usr/include"]
GLIBC_LIB_DIR = "/usr/lib/x86_64-linux-gnu"
GLIBC_DYNAMIC_LINKER = "/lib64/ld-linux-x86-64.so.2"

def glibc_includes(include_dirs = GLIBC_INCLUDE_DIRS):
    """The header search path of C code against the host glibc.

    clang's own headers from the SDK first, then the host's, as clang's
    driver orders them; nothing else of the host (no /usr/local/include).

    Args:
      include_dirs: the host's C library header directories, in order.

    Returns:
      A list of flags.
    """
    flags = ["-nostdinc", "-isystem", SDK + "/include"]
    for d in include_dirs:
        flags += ["-isystem", d]
    return flags

# libc++'s configuration (zig ships no __config_site): the library and
# every translation unit that includes its headers must agree on these.
# Against glibc, libc++ detects the C library itself.
_LIBCXX_CONFIG = [
    "-D_LIBCPP_DISABLE_VISIBILITY_ANNOTATIONS",
    "-D_LIBCXXABI_DISABLE_VISIBILITY_ANNOTATIONS",
    "-D_LIBCPP_HAS_NO_VENDOR_AVAILABILITY_ANNOTATIONS",
    "-D_LIBCPP_ABI_VERSION=1",
    "-D_LIBCPP_ABI_NAMESPACE=__1",
]

LIBCXX_USER_DEFINES = ["-D_LIBCPP_HAS_MUSL_LIBC"] + _LIBCXX_CONFIG

GLIBC_LIBCXX_USER_DEFINES = _LIBCXX_CONFIG

LIBCXX_INCLUDES = [
    "-nostdinc++",
    "-isystem",
    SDK + "/libcxx/include",
    "-isystem",
    SDK + "/libcxxabi/include",
    "-isystem",
    SDK + "/libunwind/include",
]

# Every runtime source: optimized, no stack protector (libc sets it up),
# unwind tables for exceptions through C frames, and frame pointers so that
# the services' sampling profiler (common/diagnostics) can walk a stack that
# passes through libc++ or musl.
RUNTIME_COPTS = [
    "-O2",
    "-fno-omit-frame-pointer",
    "-DNDEBUG",
    "-fno-stack-protector",
    "-funwind-tables",
    "-fPIC",
]

MUSL_C_COPTS = [
    "-std=c99",
    "-ffreestanding",
    "-D_XOPEN_SOURCE=700",
    "-Os",
    "-fno-stack-protector",
    "-fno-omit-frame-pointer",
    "-fno-unwind-tables",
    "-fno-asynchronous-unwind-tables",
    "-ffunction-sections",
    "-fdata-sections",
    "-Wa,--noexecstack",
    "-Qunused-arguments",
    "-w",
]

MUSL_ASM_COPTS = MUSL_C_COPTS

def _libcxx_copts(user_defines):
    return [
        "-std=c++20",
        "-nostdinc++",
        "-D_LIBCPP_BUILDING_LIBRARY",
        "-D_LIBCPP_HAS_NO_PRAGMA_SYSTEM_HEADER",
        "-DLIBCXX_BUILDING_LIBCXXABI",
        "-D_LIBCPP_DISABLE_NEW_DELETE_DEFINITIONS",
        "-fvisibility=hidden",
        "-fvisibility-inlines-hidden",
        "-faligned-allocation",
        "-Wno-user-defined-literals",
        "-I" + SDK + "/libcxx/include",
        "-I" + SDK + "/libcxxabi/include",
        "-I" + SDK + "/libcxx/src",
    ] + user_defines

LIBCXX_COPTS = _libcxx_copts(LIBCXX_USER_DEFINES)

GLIBC_LIBCXX_COPTS = _libcxx_copts(GLIBC_LIBCXX_USER_DEFINES)

def _libcxxabi_copts(user_defines):
    return [
        "-std=c++20",
        "-nostdinc++",
        "-D_LIBCPP_DISABLE_EXTERN_TEMPLATE",
        "-D_LIBCPP_ENABLE_CXX17_REMOVED_UNEXPECTED_FUNCTIONS",
        "-D_LIBCXXABI_BUILDING_LIBRARY",
        "-fvisibility=hidden",
        "-fvisibility-inlines-hidden",
        "-fstrict-aliasing",
        "-I" + SDK + "/libcxxabi/include",
        "-I" + SDK + "/libcxx/include",
        "-I" + SDK + "/libcxx/src",
    ] + user_defines

LIBCXXABI_COPTS = _libcxxabi_copts(LIBCXX_USER_DEFINES)

GLIBC_LIBCXXABI_COPTS = _libcxxabi_copts(GLIBC_LIBCXX_USER_DEFINES)

_LIBUNWIND_COMMON = [
    "-I" + SDK + "/libunwind/include",
    "-D_LIBUNWIND_DISABLE_VISIBILITY_ANNOTATIONS",
    "-D_LIBUNWIND_IS_NATIVE_ONLY",
    "-Wa,--noexecstack",
    "-fvisibility=hidden",
    "-fvisibility-inlines-hidden",
    "-Wno-bitwise-conditional-parentheses",
    "-Wno-visibility",
    "-Wno-incompatible-pointer-types",
]

LIBUNWIND_C_COPTS = ["-std=c11"] + _LIBUNWIND_COMMON

LIBUNWIND_CXX_COPTS = [
    "-nostdinc++",
    "-fno-rtti",
    "-I" + SDK + "/libcxx/include",
] + _LIBUNWIND_COMMON

LIBUNWIND_ASM_COPTS = [
    "-isystem",
    SDK + "/include",
    "-fPIC",
    "-funwind-tables",
] + _LIBUNWIND_COMMON
