"""The device/browser provider of oidc_device_idp.py also served over https, because MSAL accepts only https
authorities. Its certificate is self-signed for 127.0.0.1 and written to `ca`; a test points MSAL's HTTP client
(requests) at it with REQUESTS_CA_BUNDLE. The issuer is the https one; the store reads the JWKS over the plain
listener (`plain_jwks`, its [oidc] jwks_uri), so the store process needs no trust in the test certificate."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import ssl
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.store.oidc_device_idp import DeviceIdp


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "idp-cert.pem", folder / "idp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class TlsDeviceIdp(DeviceIdp):
    def __init__(self, folder: Path):
        super().__init__()
        self.plain_jwks = self.issuer + "/keys"
        self.ca, key = _certificate(folder)
        self.tls_server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.ca, key)
        self.tls_server.socket = ctx.wrap_socket(self.tls_server.socket, server_side=True)
        self.issuer = f"https://127.0.0.1:{self.tls_server.server_address[1]}/tenant"

    @contextlib.contextmanager
    def running(self):
        thread = threading.Thread(target=self.tls_server.serve_forever, daemon=True)
        thread.start()
        try:
            with super().running():
                yield self
        finally:
            self.tls_server.shutdown()
            self.tls_server.server_close()
