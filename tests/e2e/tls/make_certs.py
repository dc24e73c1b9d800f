#!/usr/bin/env python3
"""Certificates for registry_tls_test.sh (python3-cryptography, ECDSA P-256).

    make_certs.py DIR

writes into DIR:
  ca.crt                       the test CA (what --ca-cert trusts)
  good.{crt,key}               127.0.0.1 and localhost, valid now
  expired.{crt,key}            127.0.0.1, valid 2020-01-01 .. 2021-01-01
  wrongname.{crt,key}          only registry.invalid
  untrusted.{crt,key}          127.0.0.1, signed by another CA
  signer.{crt,key}             the token server's JWT signing certificate
                               (self-signed: the registry's rootcertbundle)
"""
import datetime
import ipaddress
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def key():
    return ec.generate_private_key(ec.SECP256R1())


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def build(subject_cn, subject_key, issuer_cn, issuer_key, *, ca, sans=(),
          not_before=None, not_after=None):
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(subject_cn))
        .issuer_name(name(issuer_cn))
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - datetime.timedelta(hours=1))
        .not_valid_after(not_after or NOW + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False,
                          key_encipherment=False, data_encipherment=False,
                          key_agreement=False, key_cert_sign=True, crl_sign=True,
                          encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    if sans:
        entries = []
        for san in sans:
            try:
                entries.append(x509.IPAddress(ipaddress.ip_address(san)))
            except ValueError:
                entries.append(x509.DNSName(san))
        builder = builder.add_extension(x509.SubjectAlternativeName(entries), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def write(directory, stem, cert, private_key=None):
    with open(os.path.join(directory, stem + ".crt"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    if private_key is not None:
        with open(os.path.join(directory, stem + ".key"), "wb") as f:
            f.write(private_key.private_bytes(serialization.Encoding.PEM,
                                              serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    ca_key, other_key = key(), key()
    write(out, "ca", build("registry test CA", ca_key, "registry test CA", ca_key, ca=True))
    other = build("other CA", other_key, "other CA", other_key, ca=True)
    for stem, sans, issuer, extra in [
        ("good", ("127.0.0.1", "localhost"), ("registry test CA", ca_key), {}),
        ("expired", ("127.0.0.1",), ("registry test CA", ca_key),
         {"not_before": datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc),
          "not_after": datetime.datetime(2021, 1, 1, tzinfo=datetime.timezone.utc)}),
        ("wrongname", ("registry.invalid",), ("registry test CA", ca_key), {}),
        ("untrusted", ("127.0.0.1",), ("other CA", other_key), {}),
    ]:
        k = key()
        write(out, stem, build(stem, k, issuer[0], issuer[1], ca=False, sans=sans, **extra), k)
    signer_key = key()
    write(out, "signer", build("token signer", signer_key, "token signer", signer_key, ca=True),
          signer_key)
    del other


if __name__ == "__main__":
    main()
