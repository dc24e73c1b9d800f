"""static_binary_test: fails unless a binary is what the platform promises.

Public through //release:defs.bzl (toolchains/ loads it from here). Every
such test carries the tag "static-binary-check", by which ci/test finds
them all.

On a musl platform that means fully static (no PT_INTERP, no DT_NEEDED) and
built for the platform's CPU; on the glibc baseline it means dynamic, so the
comparison in the timing report is known to compare the right things.
"""

def _static_binary_test_impl(ctx):
    elfcheck = ctx.executable._elfcheck

    # A link under the test's own name: the checked binary and the checker
    # may otherwise share a runfiles path (elfcheck checks itself).
    binary = ctx.actions.declare_file(ctx.label.name + ".elf")
    ctx.actions.symlink(output = binary, target_file = ctx.file.binary)
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        script,
        "#!/bin/sh\nexec %s --expect %s --machine %s %s\n" % (
            elfcheck.short_path,
            ctx.attr.expect,
            ctx.attr.machine,
            binary.short_path,
        ),
        is_executable = True,
    )
    runfiles = ctx.runfiles(files = [binary]).merge(ctx.attr._elfcheck[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = script, runfiles = runfiles)]

_static_binary_test = rule(
    implementation = _static_binary_test_impl,
    test = True,
    attrs = {
        "binary": attr.label(allow_single_file = True, mandatory = True),
        "expect": attr.string(values = ["static", "dynamic"], mandatory = True),
        "machine": attr.string(mandatory = True),
        "_elfcheck": attr.label(
            default = "//toolchains/elfcheck",
            executable = True,
            cfg = "exec",
        ),
    },
)

def static_binary_test(name, binary, tags = [], **kwargs):
    """Checks `binary` with elfcheck: static on musl, dynamic on glibc."""
    _static_binary_test(
        name = name,
        binary = binary,
        expect = select({
            "//toolchains:glibc_build": "dynamic",
            "//conditions:default": "static",
        }),
        machine = select({
            "@platforms//cpu:aarch64": "aarch64",
            "//conditions:default": "x86_64",
        }),
        size = "small",
        tags = tags + ["static-binary-check"],
        **kwargs
    )
