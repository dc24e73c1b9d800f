#!/usr/bin/env python3
"""Checks an OCI layout written by `shipctl pack` against the OCI JSON
schemas shipped in Debian's golang-github-opencontainers-image-spec-dev, and
checks the layer tar for the reproducibility rules (order, owners, mtime,
gzip header). Usage: check_image.py LAYOUT_DIR [--expect-platforms N]
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

import jsonschema

SCHEMA_DIR = "/usr/share/gocode/src/github.com/opencontainers/image-spec/schema"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def schema_validator(name):
    """A validator for one schema file, resolving its relative $refs."""
    store = {}
    for f in os.listdir(SCHEMA_DIR):
        if f.endswith(".json"):
            with open(os.path.join(SCHEMA_DIR, f)) as fh:
                doc = json.load(fh)
            store[f] = doc
            if "id" in doc:
                store[doc["id"]] = doc
    schema = store[name]
    # The schemas name each other by https URLs; serve them from disk (the
    # test must never touch the network).
    def local(url):
        return store[url.rstrip("/").rsplit("/", 1)[-1]]
    resolver = jsonschema.RefResolver(
        base_uri="file://" + SCHEMA_DIR + "/", referrer=schema, store=store,
        handlers={"https": local, "http": local})
    return jsonschema.Draft4Validator(schema, resolver=resolver)


def blob(layout, digest, size=None):
    algo, hexd = digest.split(":")
    assert algo == "sha256", digest
    with open(os.path.join(layout, "blobs", "sha256", hexd), "rb") as f:
        data = f.read()
    assert hashlib.sha256(data).hexdigest() == hexd, "digest mismatch " + digest
    if size is not None:
        assert len(data) == size, "size mismatch " + digest
    return data


def check_layer(data, diff_id):
    assert data[:4] == b"\x1f\x8b\x08\x00", "gzip header: no FLG bits allowed"
    assert data[4:8] == b"\0\0\0\0", "gzip MTIME must be 0"
    raw = gzip.decompress(data)
    assert "sha256:" + hashlib.sha256(raw).hexdigest() == diff_id, "diff_id"
    names = []
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
        for m in tar.getmembers():
            names.append(m.name.rstrip("/"))
            assert m.mtime == int(os.environ.get("SOURCE_DATE_EPOCH", "0")), m.name
            assert m.uname == "" and m.gname == "", m.name
            assert not m.pax_headers.keys() & {"atime", "ctime"}, m.name
            if m.name.rstrip("/") == "home/nonroot":
                assert (m.uid, m.gid, m.mode) == (65532, 65532, 0o700), m
            elif m.name.rstrip("/") == "tmp":
                assert m.mode == 0o1777, oct(m.mode)
            else:
                assert (m.uid, m.gid) == (0, 0), m.name
    assert names == sorted(names, key=lambda n: n.encode()), "not sorted"
    assert len(set(names)) == len(names), "duplicate entries"
    for n in names:
        parent = n.rsplit("/", 1)[0] if "/" in n else None
        assert parent is None or names.index(parent) < names.index(n), n
    for required in ("etc/passwd", "etc/group", "tmp", "home/nonroot"):
        assert required in names, required
    return names


def check_manifest(layout, desc, validators):
    manifest_bytes = blob(layout, desc["digest"], desc["size"])
    manifest = json.loads(manifest_bytes)
    validators["manifest"].validate(manifest)
    config = json.loads(blob(layout, manifest["config"]["digest"],
                             manifest["config"]["size"]))
    validators["config"].validate(config)
    assert config["created"] == manifest["annotations"][
        "org.opencontainers.image.created"]
    assert config["config"]["User"] == "65532:65532"
    assert len(config["rootfs"]["diff_ids"]) == len(manifest["layers"])
    assert len([h for h in config["history"] if not h.get("empty_layer")]) == \
        len(config["rootfs"]["diff_ids"])
    for layer, diff_id in zip(manifest["layers"], config["rootfs"]["diff_ids"]):
        check_layer(blob(layout, layer["digest"], layer["size"]), diff_id)
    return config


def main():
    layout = sys.argv[1]
    expect_platforms = None
    if len(sys.argv) > 3 and sys.argv[2] == "--expect-platforms":
        expect_platforms = int(sys.argv[3])
    validators = {
        "index": schema_validator("image-index-schema.json"),
        "manifest": schema_validator("image-manifest-schema.json"),
        "config": schema_validator("config-schema.json"),
        "layout": schema_validator("image-layout-schema.json"),
    }
    with open(os.path.join(layout, "oci-layout")) as f:
        validators["layout"].validate(json.load(f))
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    validators["index"].validate(index)
    platforms = []
    for desc in index["manifests"]:
        assert "org.opencontainers.image.ref.name" in desc["annotations"]
        if desc["mediaType"] == MT_MANIFEST:
            config = check_manifest(layout, desc, validators)
            platforms.append((config["os"], config["architecture"]))
        else:
            assert desc["mediaType"] == MT_INDEX, desc["mediaType"]
            inner = json.loads(blob(layout, desc["digest"], desc["size"]))
            validators["index"].validate(inner)
            for m in inner["manifests"]:
                config = check_manifest(layout, m, validators)
                assert (m["platform"]["os"], m["platform"]["architecture"]) == \
                    (config["os"], config["architecture"]), m["platform"]
                platforms.append((config["os"], config["architecture"]))
    if expect_platforms is not None:
        assert len(platforms) == expect_platforms, platforms
    print("schemas and layer rules OK:", layout, sorted(platforms))


if __name__ == "__main__":
    main()
