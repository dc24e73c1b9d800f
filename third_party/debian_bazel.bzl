"""Bazel rule sets that Debian packages under /usr/share/bazel.

Bazel has no network here, so rules_cc, rules_java, platforms and
bazel_skylib come from Debian's bazel-* packages. The tree is copied, not
symlinked, because some need patches and the system files must stay intact.
"""

def _debian_bazel_repository_impl(repository_ctx):
    source = repository_ctx.path(repository_ctx.attr.path)
    if not source.exists:
        fail("%s does not exist: install the Debian package %s (ci/bootstrap does)" % (repository_ctx.attr.path, repository_ctx.attr.debian_package))
    result = repository_ctx.execute(["cp", "-R", "--no-preserve=mode,ownership", str(source) + "/.", "."])
    if result.return_code != 0:
        fail("copying %s failed: %s" % (source, result.stderr))
    for patch in repository_ctx.attr.patches:
        repository_ctx.patch(patch, strip = 1)

debian_bazel_repository = repository_rule(
    implementation = _debian_bazel_repository_impl,
    attrs = {
        "path": attr.string(mandatory = True),
        "debian_package": attr.string(mandatory = True),
        "patches": attr.label_list(allow_files = True),
    },
)
