#!/usr/bin/env python3
"""A minimal Docker registry token server over HTTPS (stdlib + cryptography).

    token_server.py CERT KEY SIGNER_CRT SIGNER_KEY HTPASSWD_USER:PASSWORD_FILE PORT_FILE

GET /token?service=S&scope=repository:NAME:ACTIONS with Basic credentials
answers {"token": JWT} where the JWT is ES256-signed by SIGNER_KEY and
carries SIGNER_CRT in its x5c header, which docker-registry's auth.token
verifies against its rootcertbundle (the same certificate). Wrong or no
credentials: 401. The kernel-chosen port is written to PORT_FILE. Each
request is logged to stderr as "token: user scope" (the test counts them).
"""
import base64
import json
import os
import ssl
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

cert, key, signer_crt, signer_key_file, creds_file, port_file = sys.argv[1:]
with open(signer_crt, "rb") as f:
    signer_der = x509.load_pem_x509_certificate(f.read()).public_bytes(serialization.Encoding.DER)
with open(signer_key_file, "rb") as f:
    signer_key = serialization.load_pem_private_key(f.read(), password=None)
with open(creds_file) as f:
    expected = f.read().strip()
ISSUER = "staticship-token"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(claims):
    header = {"typ": "JWT", "alg": "ES256", "x5c": [base64.b64encode(signer_der).decode()]}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    der = signer_key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return signing_input + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        auth = self.headers.get("Authorization", "")
        user = ""
        if auth.startswith("Basic "):
            user_pass = base64.b64decode(auth[6:]).decode(errors="replace")
            if user_pass == expected:
                user = user_pass.split(":", 1)[0]
        if url.path != "/token" or not user:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        access = []
        for scope in query.get("scope", []):
            kind, name, actions = scope.split(":", 2)
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        token = jwt({"iss": ISSUER, "sub": user, "aud": query.get("service", [""])[0],
                     "exp": now + 300, "nbf": now - 10, "iat": now,
                     "jti": b64url(os.urandom(12)), "access": access})
        print("token:", user, " ".join(query.get("scope", [])), file=sys.stderr, flush=True)
        body = json.dumps({"token": token, "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
