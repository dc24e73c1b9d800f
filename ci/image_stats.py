#!/usr/bin/env python3
"""Facts about a single-image OCI layout that the pipeline records.

    image_stats.py LAYOUT files|shared-libs|port
"""
import gzip
import json
import os
import sys
import tarfile


def blob(layout, digest):
    algo, hex_ = digest.split(":", 1)
    return os.path.join(layout, "blobs", algo, hex_)


def manifest(layout):
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    with open(blob(layout, index["manifests"][0]["digest"])) as f:
        return json.load(f)


def members(layout):
    for layer in manifest(layout)["layers"]:
        with gzip.open(blob(layout, layer["digest"])) as raw:
            with tarfile.open(fileobj=raw) as tar:
                yield from tar.getmembers()


def main():
    layout, what = sys.argv[1], sys.argv[2]
    if what == "files":
        print(sum(1 for m in members(layout) if m.isfile()))
    elif what == "shared-libs":
        print(sum(1 for m in members(layout) if m.isfile() and ".so" in os.path.basename(m.name)))
    elif what == "port":
        with open(blob(layout, manifest(layout)["config"]["digest"])) as f:
            config = json.load(f)
        ports = sorted(config.get("config", {}).get("ExposedPorts", {}))
        if not ports:
            sys.exit("image_stats: the image exposes no port")
        print(ports[0].split("/")[0])
    else:
        sys.exit("usage: image_stats.py LAYOUT files|shared-libs|port")


if __name__ == "__main__":
    main()
