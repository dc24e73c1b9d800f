"""static_deploy: `bazel run` a service's image into a registry and onto runc.

Private: load it from //release:defs.bzl.

Like rules_oci's oci_push, plus the deploy: the run script pushes the image
layout (and its SBOM) that static_image built, then `shipctl deploy` pulls it
back by digest, starts it with runc and waits for its health URL. An optional deploy file
(`deploy_file`, with the files it mounts in `deploy_data`) adds mounts,
volumes, env, args and limits, as `shipctl deploy --deploy-file` reads it.
The image is pushed signed, with its SBOM and SLSA provenance attested, and
deploy verifies it against release/policy/default.yaml (trusting the signing
key) before it pulls a layer, unless the run is given --policy or
--insecure-skip-verify. The registry, credentials and CA come from the flags or from what `ci/registry
start` prints (STATICSHIP_REGISTRY, STATICSHIP_REGISTRY_AUTH_FILE,
STATICSHIP_REGISTRY_CA), never from the BUILD file; the push and the pull
are https (--insecure-http only for a loopback registry).
"""

load("//release/private:image.bzl", "StaticImageInfo")

def _static_deploy_impl(ctx):
    image = ctx.attr.image[StaticImageInfo]
    if len(image.sboms) != 1:
        fail("%s: %s is an index; deploy a single-platform static_image" % (ctx.label, ctx.attr.image.label))
    layout = image.layout
    sbom = image.sboms[0]
    shipctl = ctx.executable._shipctl
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    deploy_file = ctx.file.deploy_file
    deps_json = ctx.file._deps_json
    policy = ctx.file._policy
    ctx.actions.expand_template(
        template = ctx.file._template,
        output = script,
        substitutions = {
            "%{compilation_mode}": ctx.var["COMPILATION_MODE"],
            "%{deploy_file}": deploy_file.short_path if deploy_file else "",
            # An external file's short_path, ../staticship_deps/deps.json, is
            # where the runfiles tree keeps it beside the main repository.
            "%{deps_json}": deps_json.short_path,
            "%{health}": ctx.attr.health,
            "%{image_label}": str(ctx.attr.image.label),
            "%{layout}": layout.short_path,
            "%{name}": ctx.attr.container_name,
            "%{policy}": policy.short_path,
            "%{port}": str(ctx.attr.port),
            "%{repository}": ctx.attr.repository,
            "%{sbom}": sbom.short_path,
            "%{shipctl}": shipctl.short_path,
            "%{target_triple}": image.target_triple,
        },
        is_executable = True,
    )

    # shipctl's own runfiles include shipctl.
    # The deploy file's mount sources are found relative to it, in the
    # runfiles tree, so they travel with it.
    runfiles = ctx.runfiles(
        files = [layout, sbom, deps_json, policy] + ([deploy_file] if deploy_file else []) + ctx.files.deploy_data,
    )
    runfiles = runfiles.merge(ctx.attr._shipctl[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = script, runfiles = runfiles)]

static_deploy = rule(
    implementation = _static_deploy_impl,
    doc = "An executable that pushes a static_image and deploys it with runc.",
    attrs = {
        "container_name": attr.string(mandatory = True, doc = "runc container name (a second deploy replaces it)."),
        "deploy_data": attr.label_list(
            allow_files = True,
            doc = "Files the deploy file mounts (its mount sources), beside it in the package.",
        ),
        "deploy_file": attr.label(
            allow_single_file = [".yaml", ".yml"],
            doc = "Optional deploy file: mounts, volumes, env, args, memory, cpus (release/deploy/deploy_file.h).",
        ),
        "health": attr.string(default = "/health"),
        "image": attr.label(mandatory = True, providers = [StaticImageInfo], doc = "A static_image target."),
        "port": attr.int(mandatory = True, doc = "Port the service listens on, on the host network."),
        "repository": attr.string(mandatory = True, doc = "Repository in the registry, e.g. staticship/gateway."),
        "_shipctl": attr.label(
            default = "//release/shipctl",
            executable = True,
            # Runs on the machine that deploys, whatever the image's platform.
            cfg = "exec",
        ),
        "_deps_json": attr.label(
            default = "@staticship_deps//:deps.json",
            allow_single_file = True,
            doc = "deps.lock as JSON: the provenance's resolved dependencies.",
        ),
        "_policy": attr.label(
            default = "//release/policy:default.yaml",
            allow_single_file = True,
            doc = "The release policy deploy checks against unless --policy is given.",
        ),
        "_template": attr.label(
            default = "//release:deploy_target.sh.tpl",
            allow_single_file = True,
        ),
    },
    executable = True,
)
