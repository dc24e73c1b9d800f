"""C/C++ toolchain configuration: the zig SDK's clang and lld, called directly.

Compiles run the bundled clang (`zig clang`, no zig driver, no cache) with
explicit header paths: nothing of the host is searched (-nostdinc, no
default config file). Links run lld (`zig ld.lld`) with the runtimes that
//toolchains:runtimes.bzl builds as Bazel actions, named by path: the crt
objects, libc++, libc++abi, libunwind, musl and compiler-rt. Flags are
grouped into features so the reasons stay visible.

With libc = "glibc" (the clang-dynamic baseline) the same clang and lld
build against the host's glibc instead of musl: its headers (-isystem the
glibc_include_dirs), its crt objects and shared libc/libm from
glibc_lib_dir, linked as a dynamic PIE with glibc_dynamic_linker as the
interpreter; libc++, libc++abi, libunwind and compiler-rt are still built
from the SDK and linked in statically. Everything else is the same.
"""

load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")
load(
    "@bazel_tools//tools/cpp:cc_toolchain_config_lib.bzl",
    "action_config",
    "feature",
    "flag_group",
    "flag_set",
    "tool",
    "variable_with_value",
    "with_feature_set",
)
load(":compile_flags.bzl", "MODE_FLAGS", "REPRODUCIBLE_FLAGS", "cxx_flags", "target_flags")
load(":prelude_pch.bzl", "PreludePchInfo", "VIRTUAL_EXECROOT")
load(":runtimes.bzl", "RuntimeInfo")

_C_COMPILE = [ACTION_NAMES.c_compile, ACTION_NAMES.assemble, ACTION_NAMES.preprocess_assemble]

_CXX_COMPILE = [
    ACTION_NAMES.cpp_compile,
    ACTION_NAMES.cpp_header_parsing,
    ACTION_NAMES.cpp_module_compile,
    ACTION_NAMES.cpp_module_codegen,
    ACTION_NAMES.linkstamp_compile,
]

_ALL_COMPILE = _C_COMPILE + _CXX_COMPILE

_LINK = [ACTION_NAMES.cpp_link_executable]

def _flags(actions, flags, expand_if_available = None):
    return flag_set(actions = actions, flag_groups = [flag_group(flags = flags, expand_if_available = expand_if_available)])

def _impl(ctx):
    clang = tool(path = "tools/clang")
    lld = tool(path = "tools/ld.lld")
    ar = tool(path = "tools/ar")
    objcopy = tool(path = "tools/objcopy")
    action_configs = [action_config(action_name = a, tools = [clang]) for a in _ALL_COMPILE]
    action_configs += [action_config(action_name = a, tools = [lld]) for a in _LINK]
    action_configs.append(action_config(
        action_name = ACTION_NAMES.cpp_link_static_library,
        tools = [ar],
        implies = ["archiver_flags"],
    ))

    # Bazel's <name>.stripped output: zig's own objcopy (not an LLVM tool).
    action_configs.append(action_config(
        action_name = ACTION_NAMES.strip,
        tools = [objcopy],
        flag_sets = [flag_set(flag_groups = [flag_group(flags = ["--strip-all", "%{input_file}", "%{output_file}"])])],
    ))
    runtimes = ctx.attr.runtimes[RuntimeInfo]
    target = ctx.attr.target
    glibc = ctx.attr.libc == "glibc"
    if glibc:
        # The host's glibc; a dynamic PIE, as the gcc baseline (Debian's gcc
        # builds PIE by default).
        lib_dir = ctx.attr.glibc_lib_dir
        link_mode = ["-pie"]
        interpreter = ["-dynamic-linker", ctx.attr.glibc_dynamic_linker]
        crt_begin = [lib_dir + "/Scrt1.o", lib_dir + "/crti.o"]

        # libc first, so its definitions win over compiler-rt's (memcpy and
        # friends): lld takes the first definition it sees, and the order of
        # archives and shared libraries otherwise does not matter to it.
        libs_before = ["-L" + lib_dir, "-lm", "-lc"]
        crt_end = [lib_dir + "/crtn.o"]
        builtin_includes = ctx.attr.sdk_include_roots + ctx.attr.glibc_include_dirs
    else:
        link_mode = ["-static"]
        interpreter = []
        crt_begin = []
        libs_before = []
        crt_end = []

        # Every header comes from the SDK by a relative path; .d files name
        # them as external/zig_sdk/lib/..., and the prefix covers them all.
        builtin_includes = ctx.attr.sdk_include_roots

    # A compile that uses the prelude names its headers as the PCH recorded
    # them, below the virtual execroot (prelude_pch.bzl); they are the SDK's
    # declared headers seen through the overlay.
    builtin_includes = builtin_includes + [VIRTUAL_EXECROOT]
    prelude = {
        "fastbuild": ctx.attr.prelude_pch_fastbuild[PreludePchInfo],
        "opt": ctx.attr.prelude_pch_opt[PreludePchInfo],
    }

    features = [
        feature(name = "no_legacy_features", enabled = True),
        feature(name = "supports_pic", enabled = True),
        feature(name = "supports_dynamic_linker", enabled = False),
        feature(name = "opt"),
        feature(name = "dbg"),
        feature(name = "fastbuild"),
        feature(
            name = "reproducible",
            enabled = True,
            flag_sets = [_flags(_ALL_COMPILE, REPRODUCIBLE_FLAGS)],
        ),
        feature(
            name = "default_compile_flags",
            enabled = True,
            flag_sets = [
                _flags(_CXX_COMPILE, cxx_flags(ctx.attr.libc)),
                _flags(_ALL_COMPILE, target_flags(target, ctx.attr.cpu, ctx.attr.family, ctx.attr.libc, ctx.attr.glibc_include_dirs)),
            ] + [
                flag_set(actions = _ALL_COMPILE, with_features = [_with(mode)], flag_groups = [flag_group(flags = flags)])
                for mode, flags in MODE_FLAGS.items()
            ],
        ),
        # The standard headers precompiled (toolchains/prelude.h): the same
        # objects, byte for byte, from less parsing. Only where the PCH's
        # options are the compile's: not with -fPIC, UBSan or debug info,
        # which change them (or, for debug info, would name the virtual
        # paths). A target opts out with features = ["-prelude_pch"].
        feature(
            name = "prelude_pch",
            enabled = True,
            flag_sets = [
                flag_set(
                    actions = [ACTION_NAMES.cpp_compile],
                    with_features = [with_feature_set(features = [mode], not_features = ["ubsan", "symbols"])],
                    flag_groups = [flag_group(
                        expand_if_not_available = "pic",
                        flags = ["-ivfsoverlay", info.vfs_overlay.path, "-include-pch", info.pch.path],
                    )],
                )
                for mode, info in prelude.items()
            ],
        ),
        # Symbols for profiling (--config=symbols): debug info in the
        # objects and the unstripped link; images take the stripped copy.
        feature(
            name = "symbols",
            flag_sets = [
                _flags(_ALL_COMPILE, ["-g", "-fdebug-compilation-dir=."]),
            ],
        ),
        # UBSan in trap mode (UB stops the program with SIGILL; no runtime
        # library, which musl lacks). Off by default; ci/test turns it on
        # for its test runs with --features=ubsan.
        feature(
            name = "ubsan",
            flag_sets = [
                _flags(_ALL_COMPILE, ["-fsanitize=undefined", "-fsanitize-trap=undefined"]),
            ],
        ),
        feature(
            name = "default_link_flags",
            enabled = True,
            flag_sets = [
                # Fully static (glibc: a dynamic PIE), with the sections and
                # headers libunwind needs to find unwind tables; a build id
                # for matching symbol files.
                _flags(_LINK, link_mode + [
                    "-m",
                    ctx.attr.emulation,
                    "--eh-frame-hdr",
                    "-z",
                    "now",
                    "-z",
                    "relro",
                    "--build-id=sha1",
                    "--error-limit=0",
                ] + interpreter),
                flag_set(actions = _LINK, with_features = [_with("opt")], flag_groups = [flag_group(flags = ["--gc-sections", "-O1"])]),
                # No debug info in shipped binaries unless dbg or symbols.
                flag_set(actions = _LINK, with_features = [with_feature_set(not_features = ["dbg", "symbols"])], flag_groups = [flag_group(flags = ["--strip-debug"])]),
            ],
        ),
        # The startup objects come before everything else.
        feature(
            name = "runtime_begin",
            enabled = True,
            flag_sets = [_flags(_LINK, crt_begin + [f.path for f in runtimes.crt_begin])],
        ),
        feature(
            name = "dependency_file",
            enabled = True,
            flag_sets = [_flags(_ALL_COMPILE, ["-MD", "-MF", "%{dependency_file}"], "dependency_file")],
        ),
        feature(
            name = "compiler_input_flags",
            enabled = True,
            flag_sets = [_flags(_ALL_COMPILE, ["-c", "%{source_file}"], "source_file")],
        ),
        feature(
            name = "compiler_output_flags",
            enabled = True,
            flag_sets = [_flags(_ALL_COMPILE, ["-o", "%{output_file}"], "output_file")],
        ),
        feature(
            name = "pic",
            enabled = True,
            flag_sets = [_flags(_ALL_COMPILE, ["-fPIC"], "pic")],
        ),
        feature(
            name = "preprocessor_defines",
            enabled = True,
            flag_sets = [flag_set(actions = _ALL_COMPILE, flag_groups = [flag_group(flags = ["-D%{preprocessor_defines}"], iterate_over = "preprocessor_defines")])],
        ),
        feature(
            name = "include_paths",
            enabled = True,
            flag_sets = [flag_set(actions = _ALL_COMPILE, flag_groups = [
                flag_group(flags = ["-iquote", "%{quote_include_paths}"], iterate_over = "quote_include_paths"),
                flag_group(flags = ["-I%{include_paths}"], iterate_over = "include_paths"),
                flag_group(flags = ["-isystem", "%{system_include_paths}"], iterate_over = "system_include_paths"),
            ])],
        ),
        feature(
            name = "user_compile_flags",
            enabled = True,
            flag_sets = [flag_set(actions = _ALL_COMPILE, flag_groups = [flag_group(flags = ["%{user_compile_flags}"], iterate_over = "user_compile_flags", expand_if_available = "user_compile_flags")])],
        ),
        feature(
            name = "archiver_flags",
            flag_sets = [flag_set(actions = [ACTION_NAMES.cpp_link_static_library], flag_groups = [
                # zig ar is deterministic by default (zero timestamps and ids).
                flag_group(flags = ["rcsD", "%{output_execpath}"], expand_if_available = "output_execpath"),
                flag_group(
                    iterate_over = "libraries_to_link",
                    flag_groups = [
                        flag_group(flags = ["%{libraries_to_link.name}"], expand_if_equal = variable_with_value(name = "libraries_to_link.type", value = "object_file")),
                        flag_group(flags = ["%{libraries_to_link.object_files}"], iterate_over = "libraries_to_link.object_files", expand_if_equal = variable_with_value(name = "libraries_to_link.type", value = "object_file_group")),
                    ],
                    expand_if_available = "libraries_to_link",
                ),
            ])],
        ),
        feature(
            name = "output_execpath_flags",
            enabled = True,
            flag_sets = [_flags(_LINK, ["-o", "%{output_execpath}"], "output_execpath")],
        ),
        feature(
            name = "library_search_directories",
            enabled = True,
            flag_sets = [flag_set(actions = _LINK, flag_groups = [flag_group(flags = ["-L%{library_search_directories}"], iterate_over = "library_search_directories", expand_if_available = "library_search_directories")])],
        ),
        feature(name = "supports_start_end_lib", enabled = True),
        feature(
            name = "libraries_to_link",
            enabled = True,
            flag_sets = [flag_set(actions = _LINK, flag_groups = [flag_group(
                iterate_over = "libraries_to_link",
                expand_if_available = "libraries_to_link",
                flag_groups = [
                    # A library's objects as a lazy archive: lld links only
                    # the members it needs, and no .a is ever built.
                    flag_group(flags = ["--start-lib"], expand_if_equal = variable_with_value(name = "libraries_to_link.type", value = "object_file_group")),
                    flag_group(flags = ["%{libraries_to_link.object_files}"], iterate_over = "libraries_to_link.object_files", expand_if_equal = variable_with_value(name = "libraries_to_link.type", value = "object_file_group")),
                    flag_group(flags = ["--end-lib"], expand_if_equal = variable_with_value(name = "libraries_to_link.type", value = "object_file_group")),
                    flag_group(
                        flags = ["--whole-archive"],
                        expand_if_true = "libraries_to_link.is_whole_archive",
                    ),
                    flag_group(flags = ["%{libraries_to_link.name}"], expand_if_equal = variable_with_value(name = "libraries_to_link.type", value = "object_file")),
                    flag_group(flags = ["%{libraries_to_link.name}"], expand_if_equal = variable_with_value(name = "libraries_to_link.type", value = "interface_library")),
                    flag_group(flags = ["%{libraries_to_link.name}"], expand_if_equal = variable_with_value(name = "libraries_to_link.type", value = "static_library")),
                    flag_group(flags = ["-l%{libraries_to_link.name}"], expand_if_equal = variable_with_value(name = "libraries_to_link.type", value = "dynamic_library")),
                    flag_group(flags = ["-l:%{libraries_to_link.name}"], expand_if_equal = variable_with_value(name = "libraries_to_link.type", value = "versioned_dynamic_library")),
                    flag_group(
                        flags = ["--no-whole-archive"],
                        expand_if_true = "libraries_to_link.is_whole_archive",
                    ),
                ],
            )])],
        ),
        feature(
            name = "user_link_flags",
            enabled = True,
            flag_sets = [flag_set(actions = _LINK, flag_groups = [flag_group(flags = ["%{user_link_flags}"], iterate_over = "user_link_flags", expand_if_available = "user_link_flags")])],
        ),
        # The runtimes after the program: lld resolves archives in any
        # order, and crtn.o closes the .init and .fini sections last.
        feature(
            name = "runtime_end",
            enabled = True,
            flag_sets = [_flags(_LINK, libs_before + [f.path for f in runtimes.libraries + runtimes.crt_end] + crt_end)],
        ),
        # lld and llvm-ar read @file, so long command lines go in one.
        feature(
            name = "linker_param_file",
            enabled = True,
            flag_sets = [_flags(_LINK + [ACTION_NAMES.cpp_link_static_library], ["@%{linker_param_file}"], "linker_param_file")],
        ),
    ]

    return cc_common.create_cc_toolchain_config_info(
        ctx = ctx,
        toolchain_identifier = "zig-clang-" + ctx.attr.target,
        host_system_name = "x86_64-unknown-linux-gnu",
        target_system_name = target,
        target_cpu = ctx.attr.cpu,
        target_libc = ctx.attr.libc,
        compiler = "clang",
        abi_version = ctx.attr.libc,
        abi_libc_version = ctx.attr.libc,
        action_configs = action_configs,
        features = features,
        cxx_builtin_include_directories = builtin_includes,
    )

def _with(name):
    return with_feature_set(features = [name])

zig_cc_toolchain_config = rule(
    implementation = _impl,
    attrs = {
        "cpu": attr.string(mandatory = True, doc = "musl's and Bazel's name for the CPU."),
        "emulation": attr.string(mandatory = True, doc = "lld's -m emulation."),
        "family": attr.string(mandatory = True, doc = "zig's libc header family (lib/libc/include/<family>-linux-any)."),
        "glibc_dynamic_linker": attr.string(doc = "libc = glibc: the ELF interpreter (PT_INTERP)."),
        "glibc_include_dirs": attr.string_list(doc = "libc = glibc: the host's C library header directories, in search order."),
        "glibc_lib_dir": attr.string(doc = "libc = glibc: the host directory of Scrt1.o, crti.o, crtn.o, libc.so and libm.so."),
        "libc": attr.string(default = "musl", values = ["musl", "glibc"], doc = "musl: fully static, hermetic. glibc: the host's glibc, a dynamic PIE."),
        "prelude_pch_fastbuild": attr.label(mandatory = True, providers = [PreludePchInfo], doc = "toolchains/prelude.h precompiled for -c fastbuild."),
        "prelude_pch_opt": attr.label(mandatory = True, providers = [PreludePchInfo], doc = "toolchains/prelude.h precompiled for -c opt."),
        # Bazel 4.2 resolves a plain relative entry against the crosstool
        # top's package, not the execroot, so the SDK is named by package.
        "sdk_include_roots": attr.string_list(doc = "Built-in include roots, e.g. %package(@zig_sdk//)%/lib."),
        "runtimes": attr.label(mandatory = True, providers = [RuntimeInfo]),
        "target": attr.string(mandatory = True, doc = "zig's triple, e.g. x86_64-linux-musl."),
    },
    provides = [CcToolchainConfigInfo],
)
