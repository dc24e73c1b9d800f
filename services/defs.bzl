"""static_service: one call gives a service everything the pipeline needs.

    static_service(name, srcs, deps, port, args = [], data = [])

creates
    :<name>               the cc_binary (static musl by default)
    :<name>_static_test   fails unless the binary is fully static and built
                          for the target CPU (dynamic under --config=dynamic)
    :<name>_rootfs_test   runs the binary alone in an empty root file system
                          and checks that it answers /health on `port`
    :image                the OCI image for the target platform (release/image.bzl):
                          image_layout/, image.tar, image.digest, image.spdx.json
    :image_multiarch      one layout with an index over linux/amd64 and linux/arm64
    :<name>_image_conformance_test   the image through oci-image-tool, the OCI
                          schemas and skopeo; its SBOM against deps.lock
    :<name>_image_runc_test   the image under runc as uid 65532, /health on `port`
    :deploy               `bazel run`: push, deploy with runc, wait for /health

`args` are the arguments the image starts the binary with; `data` files are
placed at /etc/<name>/<basename> in the image and in the rootfs test.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary")
load("//release:deploy.bzl", "oci_deploy")
load("//release:image.bzl", "oci_image", "oci_image_index")
load("//toolchains:copts.bzl", "STATICSHIP_COPTS")
load("//toolchains:elf_checks.bzl", "static_binary_test")

STATICSHIP_VERSION = "0.1.0"

def static_service(name, srcs, deps, port, args = [], data = [], visibility = None, **kwargs):
    """Declares a service's binary, its tests and its images (see the top).

    Args:
      name: the binary's name, also its name in the image.
      srcs: the binary's sources.
      deps: the binary's cc_library dependencies.
      port: the TCP port the service answers /health on.
      args: arguments the image starts the binary with.
      data: files placed at /etc/<name>/<basename> in the image and the
        rootfs test.
      visibility: of the binary.
      **kwargs: passed on to the cc_binary.
    """
    cc_binary(
        name = name,
        srcs = srcs,
        copts = STATICSHIP_COPTS,
        # Static builds replace musl's malloc with mimalloc (see
        # third_party/mimalloc); the glibc baseline keeps glibc's, which is
        # what a conventional dynamic build ships.
        deps = deps + select({
            "//toolchains:glibc_build": [],
            "//conditions:default": ["@mimalloc"],
        }),
        visibility = visibility,
        **kwargs
    )
    static_binary_test(
        name = name + "_static_test",
        binary = ":" + name,
    )
    native.sh_test(
        name = name + "_rootfs_test",
        size = "small",
        srcs = ["//services:rootfs_run_test.sh"],
        args = [
            "$(rootpath :%s)" % name,
            str(port),
            ":".join(["$(rootpath %s)" % d for d in data]) or "-",
        ] + args,
        data = [":" + name] + data,
        # unshare --root and a network namespace need root and no sandbox.
        tags = ["no-sandbox", "requires-root"],
        # The glibc baseline is dynamic by design and cannot run alone.
        target_compatible_with = [
            "@platforms//cpu:x86_64",
            "//toolchains:musl",
        ],
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
    )
    oci_image(name = "image", **image_settings)

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
            "$(rootpaths :image)",
            "--",
        ] + select({
            # The musl build carries the zig SDK's runtime (musl, libc++).
            "//toolchains:glibc_build": [],
            "//conditions:default": ["--expect-bundle=zig_sdk"],
        }),
        data = [
            ":image",
            "//release/image:check_image.py",
            "//release/image:check_sbom.py",
            "@staticship_deps//:deps.json",
        ],
    )
    native.sh_test(
        name = name + "_image_runc_test",
        size = "small",
        srcs = ["//release/image:runc_run_test.sh"],
        args = ["--image", str(port), "$(rootpaths :image)"],
        data = [":image"],
        # runc needs root and its state directory: outside the sandbox, alone.
        tags = ["exclusive", "no-sandbox", "requires-root"],
        target_compatible_with = ["@platforms//cpu:x86_64"],
    )
    oci_image_index(name = "image_multiarch", **image_settings)

    # `bazel run :deploy -- --registry HOST:PORT`: push, runc, /health.
    oci_deploy(
        name = "deploy",
        container_name = "staticship-" + name,
        image = ":image",
        port = port,
        repository = "staticship/" + name,
        visibility = ["//visibility:public"],
    )
