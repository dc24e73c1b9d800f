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

def _debian_data_repository_impl(repository_ctx):
    directory = repository_ctx.attr.path
    for name in repository_ctx.attr.files:
        source = repository_ctx.path(directory + "/" + name)
        if not source.exists:
            fail("%s/%s does not exist: install the Debian package %s (ci/bootstrap does)" % (directory, name, repository_ctx.attr.debian_package))

        # A copy, as above: the files become inputs Bazel hashes, and a
        # package upgrade changes them only through a new fetch.
        repository_ctx.file(name, repository_ctx.read(source), executable = False)
    repository_ctx.file("BUILD.bazel", "exports_files(%r, visibility = [\"//visibility:public\"])\n" % repository_ctx.attr.files)
    repository_ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % repository_ctx.name)

debian_data_repository = repository_rule(
    implementation = _debian_data_repository_impl,
    attrs = {
        "path": attr.string(mandatory = True, doc = "The directory the Debian package installs the files into."),
        "files": attr.string_list(mandatory = True, doc = "The files of that directory to export."),
        "debian_package": attr.string(mandatory = True),
    },
    doc = "Data files a Debian package installs (not Bazel rules), exported as they are.",
)
