#!/usr/bin/python3
"""Validates every document of a Kubernetes YAML file against the OpenAPI
v2 spec of the Kubernetes sources (api/openapi-spec/swagger.json), the way
`kubectl --validate=strict` does, with no cluster:

  * each document's apiVersion/kind picks its definition through the
    spec's x-kubernetes-group-version-kind;
  * fields not in the spec are errors (additionalProperties: false on every
    object definition that lists properties, as kubectl's strict mode);
  * the spec's int-or-string format becomes "string or integer", which is
    what the API server accepts for IntOrString.

  k8s_validate.py SWAGGER_JSON MANIFEST_YAML

Prints one line per document and exits 0 when all are valid; else prints
each error (document, path, message) and exits 1.
"""
import json
import sys

import jsonschema
import yaml


def strict(node):
    """The spec's schemas with the two changes the docstring names."""
    if isinstance(node, dict):
        if node.get("format") == "int-or-string":
            return {"oneOf": [{"type": "string"}, {"type": "integer"}]}
        out = {k: strict(v) for k, v in node.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [strict(v) for v in node]
    return node


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: k8s_validate.py SWAGGER_JSON MANIFEST_YAML")
    with open(sys.argv[1]) as f:
        definitions = strict(json.load(f)["definitions"])
    by_kind = {}
    for name, schema in definitions.items():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            api = gvk["version"] if not gvk["group"] else gvk["group"] + "/" + gvk["version"]
            by_kind[(api, gvk["kind"])] = name
    with open(sys.argv[2]) as f:
        documents = [d for d in yaml.safe_load_all(f) if d is not None]
    if not documents:
        sys.exit("k8s_validate: %s holds no document" % sys.argv[2])
    errors = 0
    for index, doc in enumerate(documents):
        label = "document %d" % (index + 1)
        if not isinstance(doc, dict):
            print("%s: not a mapping" % label)
            errors += 1
            continue
        key = (doc.get("apiVersion"), doc.get("kind"))
        label += " (%s %s)" % (key[1], (doc.get("metadata") or {}).get("name"))
        if key not in by_kind:
            print("%s: no %s of apiVersion %s in the spec" % (label, key[1], key[0]))
            errors += 1
            continue
        schema = {"$ref": "#/definitions/" + by_kind[key], "definitions": definitions}
        found = sorted(jsonschema.Draft4Validator(schema).iter_errors(doc),
                       key=lambda e: list(e.absolute_path))
        if not (doc.get("metadata") or {}).get("name"):
            print("%s: metadata.name is required" % label)
            errors += 1
        for error in found:
            path = "." + ".".join(str(p) for p in error.absolute_path)
            print("%s: %s: %s" % (label, path, error.message))
            errors += 1
        if not found:
            print("%s: valid against %s" % (label, by_kind[key]))
    if errors:
        print("k8s_validate: %d error(s) in %s" % (errors, sys.argv[2]))
        return 1
    print("k8s_validate: %d documents valid" % len(documents))
    return 0


if __name__ == "__main__":
    sys.exit(main())
