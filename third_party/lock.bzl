"""Reads third_party/deps.lock and turns its entries into Bazel repositories.

deps.lock is the single source of versions and checksums. Repository rules
cannot load a data file, so they parse it here; the same parser feeds
`lock_archive` (one external source tree) and `staticship_deps` (the metadata
repository the SBOM writer reads).
"""

_LOCK = "//third_party:deps.lock"

def parse_lock(text):
    """Parses deps.lock into {name: {field: value}}, keeping file order.

    Args:
      text: the contents of deps.lock.

    Returns:
      A dict from block name to a dict of its fields, plus "name".
    """
    deps = {}
    current = None
    for number, raw in enumerate(text.splitlines()):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            if current in deps:
                fail("deps.lock:%d: [%s] appears twice" % (number + 1, current))
            deps[current] = {"name": current}
            continue
        key, sep, value = line.partition("=")
        if not sep or current == None:
            fail("deps.lock:%d: expected `key = value` inside a [block], got: %s" % (number + 1, raw))
        deps[current][key.strip()] = value.strip()
    return deps

def _distdir(repository_ctx):
    env = repository_ctx.os.environ
    if env.get("STATICSHIP_DISTDIR"):
        return env["STATICSHIP_DISTDIR"]
    if not env.get("HOME"):
        fail("neither STATICSHIP_DISTDIR nor HOME is set: cannot find the distfiles folder")
    return env["HOME"] + "/.cache/staticship/distfiles"

def lock_entry(repository_ctx, name):
    """Returns the deps.lock entry `name`, failing with a clear line if absent.

    Args:
      repository_ctx: the calling repository rule's context; its `_lock`
        attribute labels deps.lock.
      name: the [block] to return.

    Returns:
      The block's fields, as parse_lock gives them; file and sha256 are set.
    """
    deps = parse_lock(repository_ctx.read(repository_ctx.path(repository_ctx.attr._lock)))
    if name not in deps:
        fail("third_party/deps.lock has no [%s] block" % name)
    entry = deps[name]
    for field in ["file", "sha256"]:
        if not entry.get(field):
            fail("third_party/deps.lock: [%s] has no %s" % (name, field))
    return entry

def fetch_locked(repository_ctx, entry):
    """Extracts a verified distfile into the repository root.

    The sha256 is checked twice on purpose: once here, to fail with one line
    that names the file and both checksums, and once more by Bazel inside
    download_and_extract, so nothing is ever extracted from an unchecked file.

    Args:
      repository_ctx: the calling repository rule's context.
      entry: a deps.lock entry from lock_entry.
    """
    path = "%s/%s" % (_distdir(repository_ctx), entry["file"])
    if not repository_ctx.path(path).exists:
        fail("missing distfile %s (pinned in third_party/deps.lock as [%s]); run ci/bootstrap to fetch it" % (path, entry["name"]))
    result = repository_ctx.execute(["sha256sum", path])
    if result.return_code != 0:
        fail("cannot read distfile %s: %s" % (path, result.stderr.strip()))
    actual = result.stdout.split(" ")[0]
    if actual != entry["sha256"]:
        fail("checksum mismatch for %s: deps.lock expects sha256 %s, the file has %s; the file is corrupt or was tampered with: delete it and run ci/bootstrap" % (path, entry["sha256"], actual))
    repository_ctx.download_and_extract(
        url = "file://" + path,
        sha256 = entry["sha256"],
        stripPrefix = entry.get("strip_prefix", ""),
        type = _archive_type(entry["file"]),
    )

def _archive_type(file_name):
    for suffix in ["tar.gz", "tgz", "tar.bz2", "tar.xz", "zip"]:
        if file_name.endswith("." + suffix):
            return suffix
    fail("deps.lock: cannot tell the archive type of " + file_name)

def _lock_archive_impl(repository_ctx):
    entry = lock_entry(repository_ctx, repository_ctx.attr.lock_name or repository_ctx.name)
    fetch_locked(repository_ctx, entry)
    if entry.get("build_file"):
        # Our build file replaces upstream's so copts and visibility are ours.
        for upstream in ["BUILD", "BUILD.bazel"]:
            if repository_ctx.path(upstream).exists:
                repository_ctx.delete(upstream)

        # A copy, not a link: an output base outlives the checkout that
        # fetched it (CI clones, the pipeline's copy), and Bazel does not
        # notice a link whose target went away with that checkout.
        repository_ctx.file(
            "BUILD.bazel",
            repository_ctx.read(repository_ctx.path(Label(entry["build_file"]))),
            executable = False,
        )
    if not repository_ctx.path("WORKSPACE").exists:
        repository_ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % repository_ctx.name)

lock_archive = repository_rule(
    implementation = _lock_archive_impl,
    attrs = {
        "lock_name": attr.string(doc = "The [block] in deps.lock; defaults to the repository name."),
        "_lock": attr.label(default = _LOCK, allow_single_file = True),
    },
    environ = ["STATICSHIP_DISTDIR", "HOME"],
    doc = "A source archive pinned in deps.lock, taken from the local distfiles folder.",
)

def _lock_member_impl(repository_ctx):
    entry = lock_entry(repository_ctx, repository_ctx.name)
    member = entry.get("extract")
    if not member:
        fail("third_party/deps.lock: [%s] has no extract (the one file to take from %s)" % (entry["name"], entry["file"]))
    path = "%s/%s" % (_distdir(repository_ctx), entry["file"])
    if not repository_ctx.path(path).exists:
        fail("missing distfile %s (pinned in third_party/deps.lock as [%s]); run ci/bootstrap to fetch it" % (path, entry["name"]))

    # Bazel checks the sha256 as it copies the file in; only then is
    # anything read from it.
    repository_ctx.download(url = "file://" + path, output = "archive", sha256 = entry["sha256"])
    inside = entry.get("strip_prefix", "")
    inside = inside + "/" + member if inside else member
    result = repository_ctx.execute(["tar", "-xf", "archive", inside])
    if result.return_code != 0:
        fail("%s has no %s: %s" % (entry["file"], inside, result.stderr.strip()))
    name = member.split("/")[-1]
    repository_ctx.execute(["mv", inside, name])
    repository_ctx.delete("archive")
    repository_ctx.file("BUILD.bazel", "exports_files([%r], visibility = [\"//visibility:public\"])\n" % name)
    repository_ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % repository_ctx.name)

lock_member = repository_rule(
    implementation = _lock_member_impl,
    attrs = {"_lock": attr.label(default = _LOCK, allow_single_file = True)},
    environ = ["STATICSHIP_DISTDIR", "HOME"],
    doc = "One file (deps.lock's `extract`) of a large archive pinned in deps.lock, exported under its base name.",
)

def _json_string(value):
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\""

def _staticship_deps_impl(repository_ctx):
    deps = parse_lock(repository_ctx.read(repository_ctx.path(repository_ctx.attr._lock)))
    entries = []
    for name, fields in deps.items():
        body = ", ".join(["%s: %s" % (_json_string(k), _json_string(fields[k])) for k in sorted(fields.keys())])
        entries.append("  %s: {%s}" % (_json_string(name), body))
    repository_ctx.file("deps.json", "{\n" + ",\n".join(entries) + "\n}\n")
    repository_ctx.file("deps.bzl", "# Generated from third_party/deps.lock.\nDEPS = %r\n" % deps)
    repository_ctx.file("BUILD.bazel", "exports_files([\"deps.json\", \"deps.bzl\"], visibility = [\"//visibility:public\"])\n")
    repository_ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % repository_ctx.name)

staticship_deps = repository_rule(
    implementation = _staticship_deps_impl,
    attrs = {"_lock": attr.label(default = _LOCK, allow_single_file = True)},
    doc = "Exposes deps.lock as deps.json (for tools) and deps.bzl (for rules).",
)

def _lock_deb_impl(repository_ctx):
    entry = lock_entry(repository_ctx, repository_ctx.name)
    if not entry["file"].endswith(".deb"):
        fail("third_party/deps.lock: [%s] is no .deb (%s); use lock_archive" % (entry["name"], entry["file"]))
    path = "%s/%s" % (_distdir(repository_ctx), entry["file"])
    if not repository_ctx.path(path).exists:
        fail("missing distfile %s (pinned in third_party/deps.lock as [%s]); run ci/bootstrap to fetch it" % (path, entry["name"]))

    # Bazel checks the sha256 as it copies the file in; only then is
    # anything read from it. dpkg-deb is on every Debian machine.
    repository_ctx.download(url = "file://" + path, output = "package.deb", sha256 = entry["sha256"])
    result = repository_ctx.execute(["dpkg-deb", "--extract", "package.deb", "."])
    if result.return_code != 0:
        fail("cannot unpack %s: %s" % (entry["file"], result.stderr.strip()))
    repository_ctx.delete("package.deb")
    repository_ctx.file(
        "BUILD.bazel",
        repository_ctx.read(repository_ctx.path(Label(entry["build_file"]))),
        executable = False,
    )
    repository_ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % repository_ctx.name)

lock_deb = repository_rule(
    implementation = _lock_deb_impl,
    attrs = {"_lock": attr.label(default = _LOCK, allow_single_file = True)},
    environ = ["STATICSHIP_DISTDIR", "HOME"],
    doc = "A Debian binary package pinned in deps.lock (data files whose source the archive does not serve), unpacked, with deps.lock's build_file.",
)
