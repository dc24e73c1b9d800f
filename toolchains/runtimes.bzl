"""The C and C++ runtimes, built from the pinned zig SDK's sources as Bazel actions.

musl (libc.a and the crt objects), libc++, libc++abi, libunwind and
compiler-rt are outputs like any other: one set per target triple and
configuration, built in the sandbox, byte-reproducible, and served by any
cache. Nothing goes through zig's caching driver: C, C++ and assembly go to
the bundled clang (`zig clang`), archives to llvm-ar (`zig ar`), and only
compiler-rt, which is Zig source in 0.11, runs `zig build-lib`, with a cache
folder private to that one action.

The flags follow what zig 0.11 itself passes when it builds these (src/musl.zig,
libcxx.zig, libunwind.zig), minus debug info: a runtime has none unless the
build is -c dbg.
"""

RuntimeInfo = provider(
    doc = "What a static link needs from the runtimes, in link order.",
    fields = {
        "crt_begin": "list of File: startup objects, before the program's objects",
        "libraries": "list of File: archives, after the program's objects",
        "crt_end": "list of File: objects after everything else",
        "files": "depset of File: all of the above",
    },
)

def _mode_flags(ctx):
    # Runtimes are optimized in every mode, as a distribution's are; -c dbg
    # adds debug info so a debugger can step into them.
    if ctx.var["COMPILATION_MODE"] == "dbg":
        return ["-g", "-fdebug-compilation-dir=."]
    return ["-g0"]

def _sdk_path(src):
    """A source's path below the SDK's lib/, e.g. libc/musl/src/stdio/printf.c."""
    return src.short_path.split("/lib/", 1)[-1]

def _object_name(ctx, src):
    # The path below the SDK's lib/ keeps names unique (musl has many
    # same-named files in different directories).
    rel = _sdk_path(src)
    return "_objs/%s/%s.o" % (ctx.label.name, rel.rsplit(".", 1)[0])

def _flags_for(ctx, src, extra_flags):
    ext = src.extension
    if ext in ["s", "S"]:
        flags = ctx.attr.asm_copts
    elif ext == "c":
        flags = ctx.attr.c_copts
    else:
        flags = ctx.attr.cxx_copts
    result = ["-target", ctx.attr.target, "--no-default-config", "-no-canonical-prefixes"]
    result += ctx.attr.copts + flags + extra_flags
    for prefix, prefix_flags in ctx.attr.path_copts.items():
        if _sdk_path(src).startswith(prefix):
            result += prefix_flags.split(" ")
    return result

def _compile(ctx, src, extra_flags, inputs):
    obj = ctx.actions.declare_file(_object_name(ctx, src))
    args = ctx.actions.args()
    args.add("clang")
    args.add_all(_flags_for(ctx, src, extra_flags))
    args.add_all(["-c", src.path, "-o", obj.path])
    ctx.actions.run(
        executable = ctx.executable._zig,
        arguments = [args],
        inputs = depset([src], transitive = [inputs]),
        outputs = [obj],
        mnemonic = "RuntimeCompile",
        progress_message = "Compiling runtime %s (%s)" % (_sdk_path(src), ctx.attr.target),
    )
    return obj

def _param_file(ctx, values, argument_format):
    """Args that pass `values` in a file, one per line.

    The command line gets argument_format with the file's path: "%s", or
    "@%s" for a response file.
    """
    args = ctx.actions.args()
    args.use_param_file(argument_format, use_always = True)
    args.set_param_file_format("multiline")
    args.add_all(values)
    return args

def _compile_batches(ctx, extra_flags, inputs):
    """Compiles the sources in chunks of batch_size, one action per chunk.

    Each action writes one archive of its objects (llvm-ar's q keeps
    same-named members apart: musl has free.c in two directories), and
    _runtime_library_impl flattens the parts into the library. Sources are
    grouped by their flags first, since one action passes one flag set.

    Per-file actions cost more than musl's 1,341 small compiles, and every
    action and every output file is one more round trip when a cache serves
    the runtimes: an action-cache lookup, an input Merkle tree and a
    download each. A few dozen parts still keep 2 cores, or a few remote
    workers, busy on a cold build.
    """
    groups = {}
    for src in sorted(ctx.files.srcs, key = _sdk_path):
        flags = _flags_for(ctx, src, extra_flags)
        key = " ".join(flags)
        if key not in groups:
            groups[key] = (flags, [])
        groups[key][1].append(src)
    size = ctx.attr.batch_size
    parts = []
    for flags, srcs in [groups[key] for key in sorted(groups.keys())]:
        for start in range(0, len(srcs), size):
            chunk = srcs[start:start + size]
            part = ctx.actions.declare_file("_objs/%s/part%d.a" % (ctx.label.name, len(parts)))
            ctx.actions.run(
                executable = ctx.executable._compile_batch,
                arguments = [part.path, ctx.executable._zig.path, _param_file(ctx, flags, "%s")] + [s.path for s in chunk],
                inputs = depset(chunk, transitive = [inputs]),
                tools = [ctx.executable._zig],
                outputs = [part],
                mnemonic = "RuntimeCompile",
                progress_message = "Compiling runtime %s ... (%d files, %s)" % (_sdk_path(chunk[0]), len(chunk), ctx.attr.target),
            )
            parts.append(part)
    return parts

def _runtime_library_impl(ctx):
    inputs = depset(transitive = [t.files for t in ctx.attr.hdrs])
    extra = _mode_flags(ctx)
    batched = ctx.attr.batch_size > 1
    if batched and not ctx.attr.archive:
        fail("batch_size > 1 builds archives; loose objects (archive = False) compile one per action")
    if batched:
        objects = _compile_batches(ctx, extra, inputs)
    else:
        objects = [_compile(ctx, src, extra, inputs) for src in ctx.files.srcs]
    if not ctx.attr.archive:
        return [DefaultInfo(files = depset(objects))]
    out = ctx.actions.declare_file("%s/lib%s.a" % (ctx.label.name, ctx.attr.library))
    args = ctx.actions.args()

    # llvm-ar's D: zero timestamps, uids and modes, so the archive depends
    # on the objects alone; qL appends the members of part archives. The
    # input list goes in a response file.
    args.add_all(["ar", "qcLsD" if batched else "rcsD", out.path])
    ctx.actions.run(
        executable = ctx.executable._zig,
        arguments = [args, _param_file(ctx, objects, "@%s")],
        inputs = objects,
        outputs = [out],
        mnemonic = "RuntimeArchive",
        progress_message = "Archiving runtime lib%s.a (%s)" % (ctx.attr.library, ctx.attr.target),
    )
    return [DefaultInfo(files = depset([out]))]

runtime_library = rule(
    implementation = _runtime_library_impl,
    doc = "Compiles runtime sources with the SDK's clang into one archive (or loose objects, for crt files).",
    attrs = {
        "archive": attr.bool(default = True, doc = "False: the objects themselves (crt1.o, crti.o, ...)."),
        "asm_copts": attr.string_list(doc = "Flags for .s and .S sources."),
        "batch_size": attr.int(default = 1, doc = "Sources per compile action; 1 compiles each in its own action."),
        "c_copts": attr.string_list(doc = "Flags for .c sources."),
        "copts": attr.string_list(doc = "Flags for every source."),
        "cxx_copts": attr.string_list(doc = "Flags for .cpp sources."),
        "hdrs": attr.label_list(allow_files = True, doc = "Headers the sources include."),
        "library": attr.string(doc = "The archive is lib<library>.a."),
        "path_copts": attr.string_dict(doc = "Extra flags (space-separated) for sources whose path below lib/ starts with the key; they come last."),
        "srcs": attr.label_list(allow_files = True, mandatory = True),
        "target": attr.string(mandatory = True, doc = "clang's target triple."),
        "_compile_batch": attr.label(default = "//toolchains:compile_batch.sh", executable = True, cfg = "exec", allow_single_file = True),
        "_zig": attr.label(default = "@zig_sdk//:zig", executable = True, cfg = "exec", allow_single_file = True),
    },
)

def _compiler_rt_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + "/libcompiler_rt.a")

    # zig needs a writable cache; this one sits beside the output, inside
    # the action's own output tree, and the script removes it afterwards.
    optimize = "Debug" if ctx.var["COMPILATION_MODE"] == "dbg" else "ReleaseFast"
    ctx.actions.run(
        executable = ctx.executable._builder,
        arguments = [
            ctx.executable._zig.path,
            out.path,
            ctx.attr.zig_target,
            optimize,
            ctx.file._root.path,
        ],
        inputs = depset([ctx.file._root], transitive = [ctx.attr._sources.files]),
        tools = [ctx.executable._zig],
        outputs = [out],
        mnemonic = "RuntimeZigBuild",
        progress_message = "Building compiler-rt (%s, zig build-lib)" % ctx.attr.zig_target,
    )
    return [DefaultInfo(files = depset([out]))]

compiler_rt_library = rule(
    implementation = _compiler_rt_impl,
    doc = "compiler-rt's builtins, which zig 0.11 ships as Zig source, built by `zig build-lib`.",
    attrs = {
        "zig_target": attr.string(mandatory = True, doc = "zig's target, e.g. x86_64-linux-musl."),
        "_builder": attr.label(default = "//toolchains:build_compiler_rt.sh", executable = True, cfg = "exec", allow_single_file = True),
        "_root": attr.label(default = "@zig_sdk//:lib/compiler_rt.zig", allow_single_file = True),
        "_sources": attr.label(default = "@zig_sdk//:compiler_rt_sources"),
        "_zig": attr.label(default = "@zig_sdk//:zig", executable = True, cfg = "exec", allow_single_file = True),
    },
)

def _runtime_set_impl(ctx):
    crt_begin = ctx.files.crt_begin
    libraries = ctx.files.libraries
    crt_end = ctx.files.crt_end
    files = depset(crt_begin + libraries + crt_end)
    return [
        DefaultInfo(files = files),
        RuntimeInfo(crt_begin = crt_begin, libraries = libraries, crt_end = crt_end, files = files),
    ]

runtime_set = rule(
    implementation = _runtime_set_impl,
    doc = "One target triple's runtimes, in the order a static link wants them.",
    attrs = {
        "crt_begin": attr.label_list(allow_files = True),
        "crt_end": attr.label_list(allow_files = True),
        "libraries": attr.label_list(allow_files = True),
    },
)

def _toolchain_runtimes_impl(ctx):
    return [DefaultInfo(files = depset(transitive = [t.files for t in ctx.attr.srcs]))]

toolchain_runtimes = rule(
    implementation = _toolchain_runtimes_impl,
    doc = """The runtimes in the configuration the toolchain uses them in.

    Bazel 4.2 builds a cc_toolchain's files in the host configuration, so
    `bazel build @zig_sdk//:<triple>_runtimes` would build a second copy in
    the target configuration. This rule asks for the copy links use:
    `bazel build //toolchains:runtimes` warms them (the pipeline does, from
    the disk cache) and the reproducibility check hashes them.""",
    attrs = {"srcs": attr.label_list(cfg = "exec", allow_files = True)},
)
