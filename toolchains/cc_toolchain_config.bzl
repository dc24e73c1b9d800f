"""C/C++ toolchain configuration for zig's clang, libc++ and musl.

Every action runs one of the @zig_sdk wrappers: C through `zig cc` (clang in
C mode), C++ compiles and all links through `zig c++` (which links libc++
statically). Flags are grouped into features so the reasons stay visible.
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

_C_COMPILE = [ACTION_NAMES.c_compile, ACTION_NAMES.assemble, ACTION_NAMES.preprocess_assemble]

_CXX_COMPILE = [
    ACTION_NAMES.cpp_compile,
    ACTION_NAMES.cpp_header_parsing,
    ACTION_NAMES.cpp_module_compile,
    ACTION_NAMES.cpp_module_codegen,
    ACTION_NAMES.linkstamp_compile,
]

_ALL_COMPILE = _C_COMPILE + _CXX_COMPILE

_LINK = [
    ACTION_NAMES.cpp_link_executable,
    ACTION_NAMES.cpp_link_dynamic_library,
    ACTION_NAMES.cpp_link_nodeps_dynamic_library,
]

def _flags(actions, flags, expand_if_available = None):
    return flag_set(actions = actions, flag_groups = [flag_group(flags = flags, expand_if_available = expand_if_available)])

def _impl(ctx):
    cc = tool(path = ctx.attr.cc)
    cxx = tool(path = ctx.attr.cxx)
    ar = tool(path = ctx.attr.ar)
    objcopy = tool(path = ctx.attr.objcopy)
    action_configs = [action_config(action_name = a, tools = [cc]) for a in _C_COMPILE]
    action_configs += [action_config(action_name = a, tools = [cxx]) for a in _CXX_COMPILE + _LINK]
    action_configs.append(action_config(
        action_name = ACTION_NAMES.cpp_link_static_library,
        tools = [ar],
        implies = ["archiver_flags"],
    ))
    action_configs.append(action_config(
        action_name = ACTION_NAMES.strip,
        tools = [objcopy],
        flag_sets = [flag_set(flag_groups = [flag_group(flags = ["--strip-all", "%{input_file}", "%{output_file}"])])],
    ))

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
            flag_sets = [_flags(_ALL_COMPILE, [
                # Outputs must not depend on when they were built.
                "-Wno-builtin-macro-redefined",
                "-D__DATE__=\"redacted\"",
                "-D__TIMESTAMP__=\"redacted\"",
                "-D__TIME__=\"redacted\"",
            ])],
        ),
        feature(
            name = "default_compile_flags",
            enabled = True,
            flag_sets = [
                _flags(_CXX_COMPILE, ["-std=c++20"]),
                # fastbuild: zig adds -fsanitize=undefined in trap mode when no
                # -O is given; we keep that, UB in tests should stop them.
                flag_set(actions = _ALL_COMPILE, with_features = [_with("dbg")], flag_groups = [flag_group(flags = ["-g", "-O0"])]),
                flag_set(actions = _ALL_COMPILE, with_features = [_with("opt")], flag_groups = [flag_group(flags = [
                    "-O2",
                    "-DNDEBUG",
                    "-ffunction-sections",
                    "-fdata-sections",
                ])]),
            ],
        ),
        feature(
            name = "default_link_flags",
            enabled = True,
            flag_sets = [
                # -Wl,-S: zig's cached libc++/musl objects carry the absolute
                # cache path in their debug info; without it links are not
                # reproducible. dbg keeps debug info and gives that up.
                flag_set(actions = _LINK, with_features = [_with("opt")], flag_groups = [flag_group(flags = ["-Wl,-S", "-Wl,--gc-sections"])]),
                flag_set(actions = _LINK, with_features = [_with("fastbuild")], flag_groups = [flag_group(flags = ["-Wl,-S"])]),
            ],
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
        feature(
            name = "libraries_to_link",
            enabled = True,
            flag_sets = [flag_set(actions = _LINK, flag_groups = [flag_group(
                iterate_over = "libraries_to_link",
                expand_if_available = "libraries_to_link",
                flag_groups = [
                    flag_group(flags = ["-Wl,--start-group"], expand_if_equal = variable_with_value(name = "libraries_to_link.type", value = "object_file_group")),
                    flag_group(flags = ["%{libraries_to_link.object_files}"], iterate_over = "libraries_to_link.object_files", expand_if_equal = variable_with_value(name = "libraries_to_link.type", value = "object_file_group")),
                    flag_group(flags = ["-Wl,--end-group"], expand_if_equal = variable_with_value(name = "libraries_to_link.type", value = "object_file_group")),
                    flag_group(flags = ["%{libraries_to_link.name}"], expand_if_equal = variable_with_value(name = "libraries_to_link.type", value = "object_file")),
                    flag_group(flags = ["%{libraries_to_link.name}"], expand_if_equal = variable_with_value(name = "libraries_to_link.type", value = "interface_library")),
                    flag_group(flags = ["%{libraries_to_link.name}"], expand_if_equal = variable_with_value(name = "libraries_to_link.type", value = "static_library")),
                    flag_group(flags = ["-l%{libraries_to_link.name}"], expand_if_equal = variable_with_value(name = "libraries_to_link.type", value = "dynamic_library")),
                    flag_group(flags = ["-l:%{libraries_to_link.name}"], expand_if_equal = variable_with_value(name = "libraries_to_link.type", value = "versioned_dynamic_library")),
                ],
            )])],
        ),
        feature(
            name = "user_link_flags",
            enabled = True,
            flag_sets = [flag_set(actions = _LINK, flag_groups = [flag_group(flags = ["%{user_link_flags}"], iterate_over = "user_link_flags", expand_if_available = "user_link_flags")])],
        ),
        feature(
            name = "linker_param_file",
            enabled = False,
        ),
    ]

    return cc_common.create_cc_toolchain_config_info(
        ctx = ctx,
        toolchain_identifier = "zig-" + ctx.attr.target,
        host_system_name = "x86_64-unknown-linux-gnu",
        target_system_name = ctx.attr.target,
        target_cpu = ctx.attr.cpu,
        target_libc = "musl",
        compiler = "zig-clang",
        abi_version = "musl",
        abi_libc_version = "musl",
        action_configs = action_configs,
        features = features,
        # zig resolves these through the relative ZIG_LIB_DIR, so .d files
        # name them as external/zig_sdk/lib/...; the prefix covers them all.
        cxx_builtin_include_directories = ["external/zig_sdk/lib"],
    )

def _with(name):
    return with_feature_set(features = [name])

zig_cc_toolchain_config = rule(
    implementation = _impl,
    attrs = {
        "ar": attr.string(mandatory = True),
        "cc": attr.string(mandatory = True),
        "cpu": attr.string(mandatory = True),
        "cxx": attr.string(mandatory = True),
        "objcopy": attr.string(mandatory = True),
        "target": attr.string(mandatory = True),
    },
    provides = [CcToolchainConfigInfo],
)
