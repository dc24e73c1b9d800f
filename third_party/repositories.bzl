"""Every external repository of the build, declared in one place.

Versions and checksums are not written here: they come from deps.lock.
"""

load("//toolchains:zig_sdk.bzl", "zig_sdk")
load(":debian_bazel.bzl", "debian_bazel_repository")
load(":lock.bzl", "lock_archive", "lock_deb", "lock_member", "staticship_deps")

# A WORKSPACE macro declares many repositories, each under its own name, so
# it has no `name` of its own.
# buildifier: disable=unnamed-macro
def staticship_repositories():
    """Declares every external repository; WORKSPACE calls it once."""
    debian_bazel_repository(
        name = "rules_cc",
        debian_package = "bazel-rules-cc",
        path = "/usr/share/bazel/rules/cc",
        patches = ["//third_party/debian:rules_cc-bazel-4.2-no-use_cpp_toolchain.patch"],
    )
    debian_bazel_repository(
        name = "rules_java",
        debian_package = "bazel-rules-java",
        path = "/usr/share/bazel/rules/java",
    )
    debian_bazel_repository(
        name = "platforms",
        debian_package = "bazel-platforms",
        path = "/usr/share/bazel/platforms",
    )
    debian_bazel_repository(
        name = "bazel_skylib",
        debian_package = "bazel-skylib",
        path = "/usr/share/bazel/tools/skylib",
    )
    native.local_repository(
        name = "remote_coverage_tools",
        path = "third_party/remote_coverage_tools",
    )

    staticship_deps(name = "staticship_deps")
    zig_sdk(name = "zig_sdk")
    lock_archive(name = "zlib")
    lock_archive(name = "yaml_cpp")
    lock_archive(name = "mimalloc")
    lock_archive(name = "mbedtls")
    lock_archive(name = "nlohmann_json")
    lock_archive(name = "googletest")
    lock_archive(name = "re2")

    # Debian's re2 sources leave out its Unicode tables; they are generated
    # from this pinned package's data (third_party/unicode_data).
    lock_deb(name = "unicode_data")

    # Only the OpenAPI spec of the Kubernetes sources, to validate
    # `shipctl manifest` output (//tests:k8s_manifest_schema_test).
    lock_member(name = "kubernetes_openapi")
