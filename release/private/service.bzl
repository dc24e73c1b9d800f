"""static_service: one call gives a service everything the pipeline needs.

Private: load it from //release:defs.bzl.

    static_service(name, srcs, deps, port, args = [], data = [], image = {}, ...)

creates, every name derived from `name`:
    :<name>               the cc_binary (static musl by default), tagged
                          "staticship-service": ci/pipeline finds services
                          by that tag
    :<name>_static_test   fails unless the binary is fully static and built
                          for the target CPU (dynamic under --config=dynamic)
    :<name>_rootfs_test   runs the binary alone in an empty root file system
                          and checks that it answers /health on `port`
    :<name>_image         the OCI image for the target platform: <name>_image_layout/,
                          <name>_image.tar, <name>_image.digest, <name>_image.spdx.json
    :<name>_image_index   one layout with an index over linux/amd64 and linux/arm64
    :<name>_image_conformance_test   the image through oci-image-tool, the OCI
                          schemas and skopeo; its SBOM against deps.lock
    :<name>_image_runc_test   the image under runc as uid 65532, /health on `port`
    :<name>_deploy        `bazel run`: push, deploy with runc, wait for /health

`args` are the arguments the image starts the binary with; `data` files are
placed at /etc/<name>/<basename> in the image and in the rootfs test;
`deploy_file` (optional, with the files it mounts in `deploy_data`) is what
`<name>_deploy` adds at deploy time: mounts, volumes, env, args, limits.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary")
load("//release/private:deploy.bzl", "static_deploy")
load("//release/private:image.bzl", "static_image", "static_image_index")
load("//toolchains:malloc.bzl", "static_malloc_deps")
load("//toolchains:static_binary_test.bzl", "static_binary_test")

STATICSHIP_VERSION = "0.1.0"

# The tag ci/pipeline queries for (attr(tags, ...)); nothing else reads it.
SERVICE_TAG = "staticship-service"

# Attributes every rule has: given to static_service, they apply to each
# target it creates, not only to the binary.
_EVERY_TARGET = ["testonly", "features", "target_compatible_with", "exec_compatible_with"]

def static_service(
        name,
        srcs,
        deps,
        port,
        args = [],
        data = [],
        deploy_file = None,
        deploy_data = [],
        image = {},
        visibility = None,
        tags = [],
        **kwargs):
    """Declares a service's binary, its tests, its images and deploy target.

    Args:
      name: the binary's name, also its name in the image, and the prefix of
        every target created.
      srcs: the binary's sources.
      deps: the binary's cc_library dependencies.
      port: the TCP port the service answers /health on.
      args: arguments the image starts the binary with.
      data: files placed at /etc/<name>/<basename> in the image and the
        rootfs test.
      deploy_file: optional YAML beside the BUILD file that <name>_deploy
        deploys with: mounts, volumes, env, args, memory, cpus
        (release/deploy/README.md).
      deploy_data: the files deploy_file mounts (paths relative to the
        package), so they travel with <name>_deploy.
      image: more static_image attributes (labels, licenses, user, env, ...);
        they apply to the image and the index.
      visibility: of the binary, the images and the deploy target.
      tags: added to every target created.
      **kwargs: testonly, features, target_compatible_with and
        exec_compatible_with apply to every target; anything else is a
        cc_binary attribute (linkopts, defines, ...).
    """

    # What every target gets; target_compatible_with is extended per target.
    common = {k: kwargs.pop(k) for k in _EVERY_TARGET if k in kwargs}
    compatible = common.pop("target_compatible_with", [])
    cc_binary(
        name = name,
        srcs = srcs,
        deps = deps + static_malloc_deps(),
        visibility = visibility,
        target_compatible_with = compatible,
        tags = tags + [SERVICE_TAG],
        **dict(kwargs, **common)
    )
    static_binary_test(
        name = name + "_static_test",
        binary = ":" + name,
        target_compatible_with = compatible,
        tags = tags,
        **common
    )
    native.sh_test(
        name = name + "_rootfs_test",
        size = "small",
        srcs = ["//release:rootfs_run_test.sh"],
        args = [
            "$(rootpath :%s)" % name,
            str(port),
            ":".join(["$(rootpath %s)" % d for d in data]) or "-",
        ] + args,
        data = [":" + name] + data,
        # The glibc baseline is dynamic by design and cannot run alone.
        target_compatible_with = compatible + [
            "@platforms//cpu:x86_64",
            "//toolchains:musl",
        ],
        # unshare --root and a network namespace need root and no sandbox.
        tags = tags + ["no-sandbox", "requires-root"],
        **common
    )

    image_settings = dict(
        binary = ":" + name,
        cmd = args,
        # distroless's PATH and home directory for the nonroot user.
        env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
        workdir = "/home/nonroot",
        files = {d: "/etc/%s/%s" % (name, d.split(":")[-1].split("/")[-1]) for d in data},
        ports = [str(port)],
        version = STATICSHIP_VERSION,
        visibility = visibility,
        target_compatible_with = compatible,
    )
    image_settings.update(image)
    image_settings.update(common)
    image_settings["tags"] = tags
    static_image(name = name + "_image", **image_settings)
    static_image_index(name = name + "_image_index", **image_settings)

    # The image as built must pass tools nobody here wrote (oci-image-tool,
    # the OCI schemas, skopeo), its SBOM must say what deps.lock says of
    # every linked input, and it must start under runc and answer /health.
    native.sh_test(
        name = name + "_image_conformance_test",
        size = "small",
        srcs = ["//release/image:image_conformance_test.sh"],
        args = [
            "$(rootpath //release/image:check_image.py)",
            "$(rootpath //release/image:check_sbom.py)",
            "$(rootpath @staticship_deps//:deps.json)",
            "staticship/%s:latest" % name,
            "$(rootpaths :%s_image)" % name,
            "--",
        ] + select({
            # The musl build carries the zig SDK's runtime (musl, libc++).
            "//toolchains:glibc_build": [],
            "//conditions:default": ["--expect-bundle=zig_sdk"],
        }),
        data = [
            ":%s_image" % name,
            "//release/image:check_image.py",
            "//release/image:check_sbom.py",
            "@staticship_deps//:deps.json",
        ],
        target_compatible_with = compatible,
        tags = tags,
        **common
    )
    native.sh_test(
        name = name + "_image_runc_test",
        size = "small",
        srcs = ["//release/image:runc_run_test.sh"],
        args = ["--image", str(port), "$(rootpaths :%s_image)" % name],
        data = [":%s_image" % name],
        target_compatible_with = compatible + ["@platforms//cpu:x86_64"],
        # runc needs root and its state directory: outside the sandbox, alone.
        tags = tags + ["exclusive", "no-sandbox", "requires-root"],
        **common
    )

    # `bazel run :<name>_deploy -- --registry HOST:PORT`: push, runc, /health.
    static_deploy(
        name = name + "_deploy",
        container_name = "staticship-" + name,
        deploy_data = deploy_data,
        deploy_file = deploy_file,
        image = ":%s_image" % name,
        port = port,
        repository = "staticship/" + name,
        visibility = visibility or ["//visibility:public"],
        target_compatible_with = compatible,
        tags = tags,
        **common
    )
