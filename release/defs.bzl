"""staticship's public rules: load everything from here.

    load("//release:defs.bzl", "static_service")

    static_service(
        name = "gateway",
        srcs = ["main.cc"],
        port = 8080,
        deps = [":gateway_lib"],
    )

`static_service` gives a service its binary, tests, images and deploy target
(see release/private/service.bzl for the list). The rules it is made of are
public too, for images of other binaries: `static_image` and
`static_image_index` (FROM-scratch OCI images, release/private/image.bzl),
`static_deploy` (`bazel run`: push, runc, /health) and `static_binary_test`
(elfcheck). `StaticImageInfo` is what an image target provides. Everything
under release/private/ may change without notice.
"""

load("//release/private:deploy.bzl", _static_deploy = "static_deploy")
load(
    "//release/private:image.bzl",
    _StaticImageInfo = "StaticImageInfo",
    _static_image = "static_image",
    _static_image_index = "static_image_index",
)
load("//release/private:service.bzl", _SERVICE_TAG = "SERVICE_TAG", _static_service = "static_service")
load("//toolchains:static_binary_test.bzl", _static_binary_test = "static_binary_test")

StaticImageInfo = _StaticImageInfo
SERVICE_TAG = _SERVICE_TAG
static_binary_test = _static_binary_test
static_deploy = _static_deploy
static_image = _static_image
static_image_index = _static_image_index
static_service = _static_service
