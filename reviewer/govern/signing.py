"""The workstation key: an Ed25519 key pair whose private half lives only in the OS keyring, used to sign audit
checkpoints and export manifests. Its public half is registered in the library (audited), and verification
trusts only the keys the library knows.

Fail closed: only a keyring that keeps secrets encrypted under the user's login (Secret Service such as
gnome-keyring or KWallet, the macOS Keychain, the Windows Credential Locker) is accepted. The null, fail and
plaintext backends (keyrings.alt and the like) are refused, and without a secure backend nothing is sealed:
viewing still works, sealing raises KeyUnavailable with the reason.

What this cannot stop: whoever can use the keyring of the account that runs the app (that account itself,
or root) can sign a rewritten log. The central store closes that gap by holding checkpoints off the workstation.
"""

from __future__ import annotations

import hashlib
import threading

from reviewer.errors import ReviewerError

SERVICE = "BWV Reviewer workstation key"
ALGORITHM = "Ed25519"
# module.class of the keyring backends that keep secrets encrypted under the user's own login
SECURE_BACKENDS = frozenset({
    "keyring.backends.SecretService.Keyring",
    "keyring.backends.kwallet.DBusKeyring",
    "keyring.backends.macOS.Keyring",
    "keyring.backends.Windows.WinVaultKeyring",
})


class KeyUnavailable(ReviewerError):
    """No secure keyring, or it is locked or refused us: nothing can be sealed."""


def _name(backend) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


SEALING_REFUSED = "checkpoints and export manifests cannot be sealed"


def secure_backend(consequence: str = SEALING_REFUSED):
    """The first secure backend the keyring library offers; KeyUnavailable naming what was found (and
    `consequence`, what cannot be done without it) otherwise. Shared by the workstation key and the store
    sign-in (reviewer/sync/credentials.py), so both accept and refuse exactly the same backends."""
    try:
        import keyring
        from keyring.backends.chainer import ChainerBackend

        chosen = keyring.get_keyring()
    except Exception as exc:  # noqa: BLE001 - a broken keyring install must refuse sealing, not crash
        raise KeyUnavailable(f"the OS keyring cannot be loaded ({exc}); sealing is refused") from None
    candidates = list(chosen.backends) if isinstance(chosen, ChainerBackend) else [chosen]
    for backend in candidates:
        if _name(backend) in SECURE_BACKENDS:
            return backend
    found = ", ".join(_name(b) for b in candidates) or "none"
    raise KeyUnavailable(f"no secure OS keyring is available (found: {found}); {consequence}. Unlock or start "
                         "the login keyring (Secret Service, e.g. gnome-keyring)")


def key_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()


class WorkstationSigner:
    """This workstation's key, read from (or created in) the secure keyring once per process."""

    _lock = threading.Lock()

    def __init__(self, workstation: str):
        self.workstation = workstation
        self._private = None

    def _load(self):
        try:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        except ImportError as exc:  # a build without it must refuse sealing, not crash
            raise KeyUnavailable(f"Ed25519 signing is not available ({exc}); sealing is refused") from None
        with self._lock:
            if self._private is not None:
                return self._private
            backend = secure_backend()
            try:
                stored = backend.get_password(SERVICE, self.workstation)
                if stored is None:
                    key = Ed25519PrivateKey.generate()
                    stored = key.private_bytes_raw().hex()
                    backend.set_password(SERVICE, self.workstation, stored)
                    if backend.get_password(SERVICE, self.workstation) != stored:
                        raise KeyUnavailable("the OS keyring did not keep the workstation key")
                self._private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(stored))
            except KeyUnavailable:
                raise
            except Exception as exc:  # noqa: BLE001 - locked keyring, refused prompt, damaged entry
                raise KeyUnavailable(f"the workstation key cannot be read from the OS keyring ({_name(backend)}): "
                                     f"{exc or type(exc).__name__}") from None
            return self._private

    def public_raw(self) -> bytes:
        return self._load().public_key().public_bytes_raw()

    @property
    def key_id(self) -> str:
        return key_id(self.public_raw())

    def sign(self, message: bytes) -> dict:
        """{"algorithm", "key_id", "public_key", "signature"} over `message`."""
        private = self._load()
        public = private.public_key().public_bytes_raw()
        return {"algorithm": ALGORITHM, "key_id": key_id(public), "public_key": public.hex(),
                "signature": private.sign(message).hex()}


def check_signature(block, message: bytes, known: dict[str, str]) -> str | None:
    """None when `block` is a valid signature over `message` by a key in `known` (key_id -> public key hex);
    otherwise what is wrong with it."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not isinstance(block, dict) or block.get("algorithm") != ALGORITHM:
        return "the signature block is missing or not Ed25519"
    kid = block.get("key_id")
    public = known.get(kid) if isinstance(kid, str) else None
    if public is None:
        return f"signed by key {str(kid)[:16]}…, which this library does not know"
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public)).verify(bytes.fromhex(block["signature"]), message)
    except (InvalidSignature, ValueError, KeyError, TypeError):
        return f"the signature by key {kid[:16]}… does not verify (the content was changed after signing)"
    return None
