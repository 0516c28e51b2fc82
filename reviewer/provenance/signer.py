"""Who signs a Content Credential: the ClaimSigner interface, and the one implementation today, a P-256 key kept in
the OS keyring (fail closed, as the workstation key: reviewer/govern/signing.py).

c2pa-python is handed only a callback, never the key: the native library asks us to sign the claim bytes and we
answer with the raw ES256 signature. An HSM or a force key store is another ClaimSigner with the same four
members; nothing else changes.
"""

from __future__ import annotations

import threading
from typing import Protocol

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from reviewer.govern.signing import KeyUnavailable, secure_backend
from reviewer.provenance.certs import Chain, check_key_matches
from reviewer.provenance.context import load_c2pa

SERVICE = "BWV Reviewer C2PA signing key"
NO_CREDENTIALS = "exports cannot carry Content Credentials"


class ClaimSigner(Protocol):
    chain: Chain  # leaf first; embedded in every credential
    tsa_url: str | None  # an RFC 3161 time-stamp authority, or None (ADR 0021)

    def sign(self, data: bytes) -> bytes:
        """The ES256 signature of `data`: r and s, 32 bytes each (COSE's form, not DER)."""

    def check(self) -> None:
        """Raise KeyUnavailable (with the reason) unless sign() can work now."""


def account(workstation: str, fingerprint: str) -> str:
    """The keyring entry of one certificate's key on one workstation (a new certificate never overwrites the
    key of the one it replaces until the import has succeeded)."""
    return f"{workstation}:{fingerprint[:32]}"


def store_key(workstation: str, chain: Chain, key: ec.EllipticCurvePrivateKey) -> None:
    """Put the key in the secure keyring (never on disk); read it back to be sure it was kept."""
    backend = secure_backend(NO_CREDENTIALS)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    name = account(workstation, chain.fingerprint)
    try:
        backend.set_password(SERVICE, name, pem)
        kept = backend.get_password(SERVICE, name) == pem
    except Exception as exc:  # noqa: BLE001 - locked keyring, refused prompt
        raise KeyUnavailable(f"the C2PA signing key cannot be stored in the OS keyring: {exc}") from None
    if not kept:
        raise KeyUnavailable("the OS keyring did not keep the C2PA signing key")


class KeyringSigner:
    """The signing identity of this workstation: its certificate chain, its key in the OS keyring."""

    def __init__(self, workstation: str, chain: Chain, tsa_url: str | None = None):
        self.workstation, self.chain, self.tsa_url = workstation, chain, tsa_url
        self._key: ec.EllipticCurvePrivateKey | None = None
        self._lock = threading.Lock()

    def _load(self) -> ec.EllipticCurvePrivateKey:
        with self._lock:
            if self._key is not None:
                return self._key
            backend = secure_backend(NO_CREDENTIALS)
            try:
                pem = backend.get_password(SERVICE, account(self.workstation, self.chain.fingerprint))
            except Exception as exc:  # noqa: BLE001
                raise KeyUnavailable(f"the C2PA signing key cannot be read from the OS keyring: {exc}") from None
            if pem is None:
                raise KeyUnavailable(f"the C2PA signing key for {self.chain.subject} is not in this account's OS "
                                     "keyring; import it again (reviewer c2pa import-cert CHAIN.pem KEY.pem)")
            key = serialization.load_pem_private_key(pem.encode(), password=None)
            check_key_matches(self.chain, key, "the OS keyring's C2PA signing key")
            self._key = key
            return key

    def check(self) -> None:
        self._load()

    def sign(self, data: bytes) -> bytes:
        r, s = decode_dss_signature(self._load().sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


class NativeSigner:
    """A c2pa.Signer around a ClaimSigner. The native library reports a failed callback only as "-1", so the
    exception is kept here and raised by `reraise()` in place of the library's generic error."""

    def __init__(self, signer: ClaimSigner):
        c2pa = load_c2pa()

        self.error: BaseException | None = None

        def callback(data: bytes) -> bytes:
            try:
                return signer.sign(data)
            except BaseException as exc:  # noqa: BLE001 - returned to us below, never lost in native code
                self.error = exc
                raise

        self.native = c2pa.Signer.from_callback(callback, c2pa.C2paSigningAlg.ES256, signer.chain.pem(),
                                                signer.tsa_url or None)

    def reraise(self) -> None:
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        self.native.close()
