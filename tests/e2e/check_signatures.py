#!/usr/bin/python3
"""Checks what `shipctl push --sign-key` left in a registry with code that
is not ours: python3-cryptography verifies the cosign signature over the
simple-signing payload with the PEM public key, and reads the encrypted
PKCS#8 private key with its password; python3-securesystemslib's SSlibKey
verifies every DSSE envelope of the .att tag over the PAE that this file
computes from the DSSE spec (Debian's securesystemslib 0.26 and in-toto
1.3 have no DSSE envelope class of their own).

Usage: check_signatures.py REGISTRY REPO DIGEST CREDENTIALS_FILE PUB KEY PASSWORD_FILE
Prints one "ok: ..." line per check; exits 1 with "FAIL: ..." otherwise.
"""
import base64
import hashlib
import json
import sys
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from securesystemslib.signer import Signature, SSlibKey

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def fail(message):
    sys.exit("FAIL: " + message)


def main():
    registry, repo, digest, creds_file, pub_file, key_file, pw_file = sys.argv[1:8]
    creds = open(creds_file).read().strip()
    auth = "Basic " + base64.b64encode(creds.encode()).decode()

    def get(path, accept=None):
        request = urllib.request.Request("http://%s/v2/%s/%s" % (registry, repo, path))
        request.add_header("Authorization", auth)
        if accept:
            request.add_header("Accept", accept)
        with urllib.request.urlopen(request) as response:
            return response.read()

    hexdigest = digest.split(":", 1)[1]
    pub_pem = open(pub_file, "rb").read()
    public_key = serialization.load_pem_public_key(pub_pem)
    if not isinstance(public_key.curve, ec.SECP256R1):
        fail("%s is not a P-256 key" % pub_file)

    # The encrypted private key, read by an independent PKCS#8 reader.
    password = open(pw_file, "rb").read().split(b"\n")[0]
    private_key = serialization.load_pem_private_key(open(key_file, "rb").read(), password)
    derived = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    if derived != pub_pem:
        fail("the private key's public half differs from %s" % pub_file)
    try:
        serialization.load_pem_private_key(open(key_file, "rb").read(), b"not-the-password")
        fail("a wrong password opened the key")
    except ValueError:
        pass
    print("ok: python3-cryptography reads the encrypted key with its password, not without")

    # The cosign signature.
    sig_manifest = json.loads(get("manifests/sha256-%s.sig" % hexdigest, OCI_MANIFEST))
    layers = sig_manifest["layers"]
    if not layers:
        fail("no signature layer")
    for layer in layers:
        if layer["mediaType"] != "application/vnd.dev.cosign.simplesigning.v1+json":
            fail("signature layer media type %s" % layer["mediaType"])
        payload = get("blobs/" + layer["digest"])
        named = json.loads(payload)["critical"]["image"]["docker-manifest-digest"]
        if named != digest:
            fail("the payload names %s" % named)
        signature = base64.b64decode(layer["annotations"]["dev.cosignproject.cosign/signature"])
        try:
            public_key.verify(signature, payload, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            fail("python3-cryptography rejects the signature of %s" % layer["digest"])
    print("ok: python3-cryptography verifies %d cosign signature(s) of %s" % (len(layers), digest))

    # The attestations.
    # securesystemslib wants a hex keyid; ours is sha256 of the key's DER.
    keyid = hashlib.sha256(public_key.public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)).hexdigest()
    key = SSlibKey.from_securesystemslib_key({
        "keyid": keyid, "keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256",
        "keyval": {"public": pub_pem.decode()}})
    att_manifest = json.loads(get("manifests/sha256-%s.att" % hexdigest, OCI_MANIFEST))
    types = []
    for layer in att_manifest["layers"]:
        if layer["mediaType"] != "application/vnd.dsse.envelope.v1+json":
            fail("attestation layer media type %s" % layer["mediaType"])
        envelope = json.loads(get("blobs/" + layer["digest"]))
        payload_type = envelope["payloadType"]
        payload = base64.b64decode(envelope["payload"])
        pae = b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type.encode(),
                                        len(payload), payload)
        for sig in envelope["signatures"]:
            if sig["keyid"] != "sha256:" + keyid:
                fail("envelope keyid %s is not the key's" % sig["keyid"])
            key.verify_signature(Signature(keyid, base64.b64decode(sig["sig"]).hex()), pae)
        statement = json.loads(payload)
        if statement["_type"] != "https://in-toto.io/Statement/v1":
            fail("statement type %s" % statement["_type"])
        if statement["subject"][0]["digest"]["sha256"] != hexdigest:
            fail("statement subject %s" % statement["subject"])
        if statement["predicateType"] != layer["annotations"]["predicateType"]:
            fail("predicateType annotation differs from the statement's")
        types.append(statement["predicateType"])
    print("ok: securesystemslib verifies the DSSE envelopes: %s" % ", ".join(types))


if __name__ == "__main__":
    main()
