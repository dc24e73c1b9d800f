"""The precompiled prelude: toolchains/prelude.h as a clang PCH, built as an action.

One PCH per target triple and compilation mode (clang refuses a PCH whose
-O level differs from the compile's), compiled with the toolchain's own
flags (compile_flags.bzl). The toolchains pass it to every C++ compile with
-include-pch; the objects are byte-identical to compiles without it, only
faster (docs/PERFORMANCE.md, "Precompiled prelude").

A PCH records the absolute path of every header it read, and a sandbox's
path differs per action and per machine. So the header is compiled as seen
from a virtual execroot: a clang VFS overlay maps VIRTUAL_EXECROOT to the
real working directory, `-working-directory` makes every relative path
resolve below it, and the PCH records only VIRTUAL_EXECROOT/external/...
paths, the same bytes in every sandbox. Compiles that use the PCH get the
same overlay, so clang finds (and checks the sizes of) those headers again.
"""

# A path no machine has: clang sees it only through the overlay.
VIRTUAL_EXECROOT = "/staticship-execroot"

PreludePchInfo = provider(
    doc = "A precompiled prelude and the overlay a compile needs to use it.",
    fields = {
        "pch": "File: the PCH",
        "vfs_overlay": "File: clang -ivfsoverlay YAML mapping VIRTUAL_EXECROOT to the working directory",
    },
)

# 'external-contents' is relative: clang resolves it against the compile's
# working directory, the execroot of whichever sandbox runs it. The real
# names stay hidden, or they would be recorded instead.
_OVERLAY = """{{
  'version': 0,
  'use-external-names': false,
  'roots': [
    {{ 'name': '{root}', 'type': 'directory-remap', 'external-contents': '.' }}
  ]
}}
"""

def _prelude_pch_impl(ctx):
    overlay = ctx.actions.declare_file(ctx.label.name + ".vfs.yaml")
    ctx.actions.write(overlay, _OVERLAY.format(root = VIRTUAL_EXECROOT))
    pch = ctx.actions.declare_file(ctx.label.name + ".pch")
    args = ctx.actions.args()
    args.add(pch)
    args.add(ctx.executable._zig)
    args.add("clang")
    args.add_all(ctx.attr.flags)
    args.add_all([
        "-ivfsoverlay",
        overlay,
        "-Xclang",
        "-working-directory",
        "-Xclang",
        VIRTUAL_EXECROOT,
        # Sizes, not times, decide whether a header changed: a cache may
        # hand the PCH to a machine whose files have other timestamps.
        "-Xclang",
        "-fno-pch-timestamp",
        "-x",
        "c++-header",
        ctx.file.header,
    ])
    ctx.actions.run(
        executable = ctx.executable._builder,
        arguments = [args],
        inputs = depset([ctx.file.header, overlay], transitive = [t.files for t in ctx.attr.hdrs]),
        tools = [ctx.executable._zig],
        outputs = [pch],
        mnemonic = "PreludePch",
        progress_message = "Precompiling %s (%s)" % (ctx.file.header.short_path, ctx.label.name),
    )
    return [
        # What a compile that uses the PCH needs: clang checks the prelude
        # and the headers it read (the toolchain's own) are still there.
        DefaultInfo(files = depset([pch, overlay, ctx.file.header])),
        PreludePchInfo(pch = pch, vfs_overlay = overlay),
    ]

prelude_pch = rule(
    implementation = _prelude_pch_impl,
    doc = "Precompiles a header of standard includes for one target and compilation mode.",
    attrs = {
        "flags": attr.string_list(mandatory = True, doc = "The compile flags of that target and mode (compile_flags.prelude_flags)."),
        "hdrs": attr.label_list(allow_files = True, doc = "Every header the prelude may read (the SDK's)."),
        "header": attr.label(mandatory = True, allow_single_file = [".h"]),
        "_builder": attr.label(default = "//toolchains:build_prelude_pch.sh", executable = True, cfg = "exec", allow_single_file = True),
        "_zig": attr.label(default = "@zig_sdk//:zig", executable = True, cfg = "exec", allow_single_file = True),
    },
    provides = [PreludePchInfo],
)
