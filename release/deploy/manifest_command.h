// `shipctl manifest`: Kubernetes objects for an image, with the same
// container settings as `shipctl deploy` (k8s_manifest.h), on stdout.
//
//   shipctl manifest --ref HOST:PORT/REPO@sha256:... --name NAME --port P
//     [--health /health] [--layout DIR | --auth-file F --insecure-http]
//     [--deploy-file F] [--mount SRC:DST:ro]... [--volume NAME:DST]...
//     [--env K=V]... [--arg A]... [--memory 256M] [--cpus 1.5] > k8s.yaml
//
// The image's config (its Cmd, which --arg extends) is read from --layout
// when given (the layout must hold the --ref digest), else pulled from the
// registry.
#ifndef STATICSHIP_RELEASE_DEPLOY_MANIFEST_COMMAND_H_
#define STATICSHIP_RELEASE_DEPLOY_MANIFEST_COMMAND_H_

#include <span>

namespace staticship::deploy {

int RunManifest(std::span<char* const> args);

}  // namespace staticship::deploy

#endif  // STATICSHIP_RELEASE_DEPLOY_MANIFEST_COMMAND_H_
