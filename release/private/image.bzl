"""static_image and static_image_index: FROM-scratch OCI images of one binary.

Private: load them from //release:defs.bzl.

    static_image(
        name = "gateway_image",
        binary = ":gateway",
        ports = ["8080"],
    )
    # bazel-bin/<pkg>/gateway_image_layout/  gateway_image.tar
    # gateway_image.digest  gateway_image.spdx.json

    static_image_index(
        name = "gateway_image_index",
        binary = ":gateway",
    )
    # bazel-bin/<pkg>/gateway_image_index_layout/  (linux/amd64, linux/arm64)

They are not rules_oci's oci_image (no base image, no tars): the image is
one static binary and what `files` adds, packed by shipctl.

The architecture follows the target platform; with --config=dynamic (glibc)
the image also carries the ELF loader and every shared library the binary
needs, resolved from the build host by shipctl's ELF reader and listed in
the SBOM. The SBOM's components come from @staticship_deps//:deps.json, the
JSON view of third_party/deps.lock, filtered by the external repositories
the binary links (found by an aspect over `deps`).
"""

load("@staticship_deps//:deps.bzl", "DEPS")

# --- Which external repositories are linked into a binary -------------------

LinkedReposInfo = provider(
    doc = "External repositories whose C/C++ code a target links.",
    fields = {"repos": "depset of repository names, e.g. zlib"},
)

_LINK_ATTRS = ["deps", "implementation_deps"]

# The toolchain's own repository: what it puts into a binary (musl, libc++)
# is named through _TOOLCHAIN_BUNDLE; a header-only library of it (the
# kernel's UAPI headers, for mimalloc) links no code of its own.
_TOOLCHAIN_REPOS = ["zig_sdk"]

def _linked_repos_aspect_impl(target, ctx):
    direct = []
    if CcInfo in target and target.label.workspace_name and target.label.workspace_name not in _TOOLCHAIN_REPOS:
        direct.append(target.label.workspace_name)
    transitive = []
    for attr in _LINK_ATTRS:
        for dep in getattr(ctx.rule.attr, attr, []):
            if LinkedReposInfo in dep:
                transitive.append(dep[LinkedReposInfo].repos)
    return [LinkedReposInfo(repos = depset(direct, transitive = transitive))]

# Follows only link-time edges (deps), so test-only repositories such as
# googletest, and tools run at build time, never reach the SBOM.
linked_repos_aspect = aspect(
    implementation = _linked_repos_aspect_impl,
    attr_aspects = _LINK_ATTRS,
)

StaticImageInfo = provider(
    doc = "One packed image: what static_deploy pushes and tests read.",
    fields = {
        "layout": "the OCI image layout directory",
        "tar": "the docker-archive tarball (None for an index)",
        "digest": "a file holding the manifest (or index) digest",
        "sboms": "list of SPDX SBOM files, one per platform",
        "service": "the binary's name in the image",
        "target_triple": "the binary's target, e.g. x86_64-linux-musl (\"\" for an index)",
    },
)

def _target_triple(arch, libc):
    cpu = {"amd64": "x86_64", "arm64": "aarch64"}[arch]
    return "%s-linux-%s" % (cpu, "gnu" if libc == "glibc" else libc)

# --- Shared pieces ------------------------------------------------------------

# Per platform: image architecture, variant, libc. Anything else fails loudly.
_PLATFORMS = {
    "//toolchains:linux_x86_64_musl": struct(arch = "amd64", variant = "", libc = "musl"),
    "//toolchains:linux_aarch64_musl": struct(arch = "arm64", variant = "v8", libc = "musl"),
    "//toolchains:linux_x86_64_glibc": struct(arch = "amd64", variant = "", libc = "glibc"),
    "//toolchains:linux_x86_64_glibc_clang": struct(arch = "amd64", variant = "", libc = "glibc"),
}

# musl and libc++ ship inside the zig SDK and are in every static binary.
_TOOLCHAIN_BUNDLE = {"musl": "zig_sdk", "glibc": ""}

_TOOL_VERSION = "0.1.0"

# `licenses` names the image's org.opencontainers.image.licenses annotation,
# like the other annotation attributes and shipctl's flag; Bazel 4.2 takes it
# as a plain string attribute.
# buildifier: disable=attr-licenses
_COMMON_ATTRS = {
    "service": attr.string(doc = "Name in the image (default: the binary's name)."),
    "repository": attr.string(doc = "Repository for RepoTags (default: staticship/<service>)."),
    "tag": attr.string(default = "latest"),
    "entrypoint": attr.string_list(doc = "Default: [/usr/local/bin/<service>]."),
    "cmd": attr.string_list(),
    "env": attr.string_dict(),
    "ports": attr.string_list(doc = "\"8080\" or \"8080/udp\"."),
    "workdir": attr.string(),
    "user": attr.string(default = "65532:65532"),
    "labels": attr.string_dict(),
    "files": attr.label_keyed_string_dict(
        allow_files = True,
        doc = "Extra files: target -> \"/in/image/path\" or \"MODE:/in/image/path\".",
    ),
    "title": attr.string(),
    "version": attr.string(),
    "revision": attr.string(),
    "source": attr.string(),
    "licenses": attr.string(),
    "level": attr.int(default = 0, doc = "gzip level; 0 keeps shipctl's default."),
    "_shipctl": attr.label(
        default = "//release/shipctl",
        executable = True,
        cfg = "exec",
    ),
    "_deps_json": attr.label(
        default = "@staticship_deps//:deps.json",
        allow_single_file = True,
    ),
    "_zig": attr.label(
        default = "@zig_sdk//:zig",
        allow_single_file = True,
        executable = True,
        cfg = "exec",
    ),
}

def _licenses(linked_repos, libc):
    """SPDX expression over what is linked in, from deps.lock's licenses."""
    names = [name for name, dep in DEPS.items() if dep.get("repo", name) in linked_repos]
    if _TOOLCHAIN_BUNDLE[libc]:
        names += [name for name, dep in DEPS.items() if dep.get("bundled_in") == _TOOLCHAIN_BUNDLE[libc]]
    licenses = {}
    for name in names:
        licenses[DEPS[name]["license"]] = True
    return " AND ".join(["(%s)" % lic if " " in lic else lic for lic in sorted(licenses.keys())])

def _service_name(ctx, binary):
    return ctx.attr.service or binary.basename

def _shippable(ctx, binary, prefix):
    """The binary as the image carries it, and its symbol file if any.

    With --config=symbols the binary has debug info; it moves into a .debug
    file (the binary keeps a .gnu_debuglink to it, and both the same GNU
    build id), so profilers can symbolize while images never carry it.
    """
    if "symbols" not in ctx.features:
        return binary, []
    stripped = ctx.actions.declare_file(prefix + "_stripped/" + binary.basename)
    debug = ctx.actions.declare_file(prefix + "_symbols/" + binary.basename + ".debug")
    ctx.actions.run(
        executable = ctx.executable._zig,
        arguments = ["objcopy", "--strip-debug", "--extract-to", debug.path, binary.path, stripped.path],
        inputs = [binary],
        outputs = [stripped, debug],
        mnemonic = "SplitSymbols",
        progress_message = "Moving the debug info of %s into %s" % (binary.short_path, debug.basename),
    )
    return stripped, [debug]

def _pack(ctx, binary_target, arch, variant, libc, prefix):
    """Declares the outputs of one image and the shipctl pack action."""
    binary, symbols = _shippable(ctx, binary_target[DefaultInfo].files_to_run.executable, prefix)
    service = _service_name(ctx, binary)
    layout = ctx.actions.declare_directory(prefix + "_layout")
    tar = ctx.actions.declare_file(prefix + ".tar")
    digest = ctx.actions.declare_file(prefix + ".digest")
    sbom = ctx.actions.declare_file(prefix + ".spdx.json")

    args = ctx.actions.args()
    args.use_param_file("@%s", use_always = True)
    args.set_param_file_format("multiline")
    args.add("--binary=" + binary.path)
    args.add("--service=" + service)
    args.add("--repository=" + (ctx.attr.repository or "staticship/" + service))
    args.add("--tag=" + ctx.attr.tag)
    args.add("--architecture=" + arch)
    if variant:
        args.add("--variant=" + variant)
    args.add("--user=" + ctx.attr.user)
    for e in ctx.attr.entrypoint:
        args.add("--entrypoint=" + e)
    for c in ctx.attr.cmd:
        args.add("--cmd=" + c)
    for k in sorted(ctx.attr.env.keys()):
        args.add("--env=%s=%s" % (k, ctx.attr.env[k]))
    for p in ctx.attr.ports:
        args.add("--port=" + p)
    if ctx.attr.workdir:
        args.add("--workdir=" + ctx.attr.workdir)
    for k in sorted(ctx.attr.labels.keys()):
        args.add("--label=%s=%s" % (k, ctx.attr.labels[k]))
    linked = sorted(binary_target[LinkedReposInfo].repos.to_list())

    # Values for the annotation attributes above, not attributes.
    # buildifier: disable=attr-licenses
    defaults = {
        "title": service,
        "licenses": _licenses(linked, libc),
    }
    for field in ["title", "version", "revision", "source", "licenses"]:
        value = getattr(ctx.attr, field) or defaults.get(field, "")
        if value:
            args.add("--%s=%s" % (field, value))

    # The commit and the repository URL come from the workspace status
    # (release/workspace_status.sh) unless the target sets them. The commit
    # also goes into the Env as STATICSHIP_REVISION, which the services'
    # /debug/vars reports (common/diagnostics/build_info.h): written here,
    # at pack time, a new commit re-packs the image and relinks nothing.
    stamp = ctx.actions.declare_file(prefix + ".stamp")
    sed = ["-n"]
    if ctx.attr.revision:
        args.add("--env=STATICSHIP_REVISION=" + ctx.attr.revision)
    else:
        # One line in, two arguments out (GNU sed's \n).
        sed += ["-e", "s/^STABLE_STATICSHIP_REVISION \\(.*\\)$/--revision=\\1\\n--env=STATICSHIP_REVISION=\\1/p"]
    if not ctx.attr.source:
        sed += ["-e", "s/^STABLE_STATICSHIP_SOURCE /--source=/p"]
    if len(sed) == 1:
        sed += ["-e", ""]  # both set on the target: an empty stamp
    ctx.actions.run_shell(
        inputs = [ctx.info_file],
        outputs = [stamp],
        command = 'sed "${@:3}" "$1" > "$2"',
        arguments = [ctx.info_file.path, stamp.path] + sed,
        mnemonic = "OciStamp",
        progress_message = "Stamping %s" % ctx.label,
    )
    if ctx.attr.level:
        args.add("--level=%d" % ctx.attr.level)

    extra_inputs = []
    for target, spec in ctx.attr.files.items():
        files = target.files.to_list()
        if len(files) != 1:
            fail("files: %s must be exactly one file" % target.label)
        mode, dest = ("0644", spec) if spec.startswith("/") else spec.split(":", 1)
        args.add("--file=%s:%s=%s" % (mode, dest, files[0].path))
        extra_inputs.append(files[0])

    if libc == "glibc":
        args.add("--dynamic-libs")
    for repo in linked:
        args.add("--linked-repo=" + repo)
    if _TOOLCHAIN_BUNDLE[libc]:
        args.add("--toolchain-bundle=" + _TOOLCHAIN_BUNDLE[libc])
    args.add("--deps-json=" + ctx.file._deps_json.path)
    args.add("--tool-version=" + _TOOL_VERSION)
    args.add("--out-layout=" + layout.path)
    args.add("--out-tar=" + tar.path)
    args.add("--out-digest=" + digest.path)
    args.add("--out-sbom=" + sbom.path)

    ctx.actions.run(
        executable = ctx.executable._shipctl,
        arguments = ["pack", args, "@" + stamp.path],
        inputs = [binary, ctx.file._deps_json, stamp] + extra_inputs,
        outputs = [layout, tar, digest, sbom],
        mnemonic = "OciImage",
        progress_message = "Packing %s image %s (%s/%s)" % (libc, ctx.label, "linux", arch),
        # The glibc image copies the loader and libraries from the build
        # host, which Bazel cannot see as inputs: never cache or share it.
        execution_requirements = {"no-cache": "1", "no-remote": "1"} if libc == "glibc" else {},
    )
    return struct(layout = layout, tar = tar, digest = digest, sbom = sbom, symbols = symbols, service = service)

# --- static_image -------------------------------------------------------------

def _static_image_impl(ctx):
    out = _pack(ctx, ctx.attr.binary, ctx.attr.architecture, ctx.attr.variant, ctx.attr.libc, ctx.label.name)
    files = [out.layout, out.tar, out.digest, out.sbom]
    return [
        # In runfiles too, so tests and run scripts can take them as data.
        DefaultInfo(files = depset(files), runfiles = ctx.runfiles(files = files)),
        StaticImageInfo(
            layout = out.layout,
            tar = out.tar,
            digest = out.digest,
            sboms = [out.sbom],
            service = out.service,
            target_triple = _target_triple(ctx.attr.architecture, ctx.attr.libc),
        ),
        OutputGroupInfo(
            layout = depset([out.layout]),
            tarball = depset([out.tar]),
            digest = depset([out.digest]),
            sbom = depset([out.sbom]),
            # --config=symbols: the binary's debug info, never in the image.
            symbols = depset(out.symbols),
        ),
    ]

_static_image = rule(
    implementation = _static_image_impl,
    attrs = dict(_COMMON_ATTRS, **{
        "binary": attr.label(mandatory = True, aspects = [linked_repos_aspect]),
        "architecture": attr.string(mandatory = True),
        "variant": attr.string(),
        "libc": attr.string(mandatory = True, values = ["musl", "glibc"]),
    }),
    doc = "A FROM-scratch image of one binary for the target platform.",
)

# Every image target carries it: scripts find images by this tag (ci/
# check-reproducible), never by a rule's kind.
IMAGE_TAG = "static-image"

def static_image(name, binary, tags = [], **kwargs):
    """Packs `binary` at /usr/local/bin/<service> for the target platform.

    Outputs <name>_layout/ (OCI layout), <name>.tar (docker-archive),
    <name>.digest and <name>.spdx.json. See _COMMON_ATTRS for settings.
    """
    _static_image(
        name = name,
        binary = binary,
        tags = tags + [IMAGE_TAG],
        architecture = select({
            "//release:cpu_aarch64": "arm64",
            "//conditions:default": "amd64",
        }),
        variant = select({
            "//release:cpu_aarch64": "v8",
            "//conditions:default": "",
        }),
        libc = select({
            "//release:libc_glibc": "glibc",
            "//conditions:default": "musl",
        }),
        **kwargs
    )

# --- static_image_index -------------------------------------------------------

def _platforms_split_impl(_settings, attr):
    out = {}
    for platform in attr.platforms:
        if platform not in _PLATFORMS:
            fail("static_image_index: unknown platform %s (known: %s)" % (platform, ", ".join(_PLATFORMS.keys())))
        out[platform] = {"//command_line_option:platforms": platform}
    return out

_platforms_split = transition(
    implementation = _platforms_split_impl,
    inputs = [],
    outputs = ["//command_line_option:platforms"],
)

def _static_image_index_impl(ctx):
    images = []
    sboms = []
    services = []
    for platform, binary_target in sorted(ctx.split_attr.binary.items()):
        info = _PLATFORMS[platform]
        out = _pack(ctx, binary_target, info.arch, info.variant, info.libc, "%s_%s" % (ctx.label.name, info.arch))
        images.append(out.layout)
        sboms.append(out.sbom)
        services.append(out.service)

    layout = ctx.actions.declare_directory(ctx.label.name + "_layout")
    digest = ctx.actions.declare_file(ctx.label.name + ".digest")
    args = ctx.actions.args()
    for image in images:
        args.add("--layout=" + image.path)
    args.add("--tag=" + ctx.attr.tag)
    args.add("--out-layout=" + layout.path)
    args.add("--out-digest=" + digest.path)
    ctx.actions.run(
        executable = ctx.executable._shipctl,
        arguments = ["index", args],
        inputs = images,
        outputs = [layout, digest],
        mnemonic = "OciImageIndex",
        progress_message = "Indexing %s (%d platforms)" % (ctx.label, len(images)),
    )
    files = [layout, digest] + sboms
    return [
        DefaultInfo(files = depset(files), runfiles = ctx.runfiles(files = files)),
        StaticImageInfo(
            layout = layout,
            tar = None,
            digest = digest,
            sboms = sboms,
            service = services[0],
            target_triple = "",
        ),
        OutputGroupInfo(
            layout = depset([layout]),
            digest = depset([digest]),
            sbom = depset(sboms),
            images = depset(images),
        ),
    ]

_static_image_index = rule(
    implementation = _static_image_index_impl,
    attrs = dict(_COMMON_ATTRS, **{
        "binary": attr.label(
            mandatory = True,
            cfg = _platforms_split,
            aspects = [linked_repos_aspect],
        ),
        "platforms": attr.string_list(
            default = ["//toolchains:linux_x86_64_musl", "//toolchains:linux_aarch64_musl"],
            doc = "Platforms to build `binary` for; one image each.",
        ),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    }),
    doc = "One layout with an OCI image index over `binary` built per platform.",
)

def static_image_index(name, binary, tags = [], **kwargs):
    """One OCI layout with an index over `binary` built for each of `platforms`.

    Outputs <name>_layout/, <name>.digest and one SBOM per platform.
    """
    _static_image_index(name = name, binary = binary, tags = tags + [IMAGE_TAG], **kwargs)
