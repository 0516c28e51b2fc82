"""The store's refresh token, kept only in the OS keyring (ADR 0016).

Only the backends the workstation key trusts (signing.secure_backend: Secret Service, KWallet, macOS Keychain,
Windows Credential Locker) are used; the null, fail and plaintext ones are refused, and without a secure backend
sign-in fails closed. The access token is never stored anywhere: each process gets its own from the refresh
token, and each refresh rotates the refresh token here.
"""

from __future__ import annotations

from reviewer.errors import ReviewerError
from reviewer.govern.signing import KeyUnavailable, secure_backend

SERVICE = "BWV Reviewer store sign-in"
REFUSED = "the store's sign-in cannot be kept, so signing in is refused"


class CredentialsUnavailable(ReviewerError):
    """No secure OS keyring, or it refused us: the refresh token cannot be kept (or read)."""


def _entry(workstation: str, url: str) -> str:
    # one library (its workstation id) may be linked to one store; the URL keeps two stores' tokens apart
    return f"{workstation} {url}"


def _backend():
    try:
        return secure_backend(REFUSED)
    except KeyUnavailable as exc:
        raise CredentialsUnavailable(str(exc)) from None


def require_secure_keyring() -> None:
    """Fail closed before anything is spent (an enrolment code works once)."""
    _backend()


def save_refresh_token(workstation: str, url: str, token: str) -> None:
    backend = _backend()
    try:
        backend.set_password(SERVICE, _entry(workstation, url), token)
        kept = backend.get_password(SERVICE, _entry(workstation, url))
    except Exception as exc:  # noqa: BLE001 - locked keyring, refused prompt
        raise CredentialsUnavailable(f"the OS keyring refused the store's sign-in: {exc or type(exc).__name__}") \
            from None
    if kept != token:
        raise CredentialsUnavailable("the OS keyring did not keep the store's sign-in")


def load_refresh_token(workstation: str, url: str) -> str | None:
    backend = _backend()
    try:
        return backend.get_password(SERVICE, _entry(workstation, url))
    except Exception as exc:  # noqa: BLE001
        raise CredentialsUnavailable(f"the store's sign-in cannot be read from the OS keyring: "
                                     f"{exc or type(exc).__name__}") from None


def forget_refresh_token(workstation: str, url: str) -> bool:
    """True when a token was removed."""
    backend = _backend()
    try:
        if backend.get_password(SERVICE, _entry(workstation, url)) is None:
            return False
        backend.delete_password(SERVICE, _entry(workstation, url))
        return True
    except Exception as exc:  # noqa: BLE001
        raise CredentialsUnavailable(f"the OS keyring refused to forget the store's sign-in: "
                                     f"{exc or type(exc).__name__}") from None
