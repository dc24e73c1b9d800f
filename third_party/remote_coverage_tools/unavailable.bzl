"""A tool that exists for `bazel test` and refuses `bazel coverage`."""

def _coverage_unavailable_impl(ctx):
    if ctx.configuration.coverage_enabled:
        fail("bazel coverage is unavailable offline: it needs Bazel's remote_coverage_tools " +
             "download, and the musl toolchain has no gcov runtime; run ./ci/test for the test suite")
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(script, "#!/bin/sh\necho 'coverage tools are unavailable offline' >&2\nexit 1\n", is_executable = True)
    return [DefaultInfo(executable = script)]

coverage_unavailable = rule(
    implementation = _coverage_unavailable_impl,
    executable = True,
)
