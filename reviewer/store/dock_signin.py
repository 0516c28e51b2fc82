"""The dock's sign-in to the store: a one-time enrolment code (`reviewer store user add NAME --role dock`) is
exchanged once for tokens, kept in STATE_DIR/tokens.json (owner-only, written atomically, rewritten at every
refresh since refresh tokens rotate), and used from then on without the code."""

from __future__ import annotations

import json
from pathlib import Path

from reviewer.atomic import write_text
from reviewer.store.dock_client import DockError

TOKENS = "tokens.json"


def _client_auth():
    try:
        from reviewer.store import client_auth
    except ImportError:
        raise DockError("this version has no store sign-in: use --token-file, or none on a store without it") \
            from None
    return client_auth


def save_tokens(folder: Path, tokens) -> None:
    write_text(Path(folder) / TOKENS, json.dumps({  # mkstemp makes the file 0600 and the rename keeps that
        "access_token": tokens.access_token, "expires_at": tokens.expires_at.isoformat(),
        "refresh_token": tokens.refresh_token, "user": tokens.user, "role": tokens.role}))


def load_tokens(folder: Path):
    path = Path(folder) / TOKENS
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return _client_auth().Tokens.from_json(data)
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise DockError(f"{path}: not the dock's saved sign-in ({exc}); enrol again with --enrol CODE") from None


def store_auth(server: str, folder: Path, code: str | None):
    """httpx.Auth for the dock: enrol with `code` if given, else the saved tokens; None if neither exists."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if code:
        ca = _client_auth()
        try:
            tokens = ca.enrol(server, code.strip())
        except ca.SignInError as exc:
            raise DockError(str(exc)) from None
        save_tokens(folder, tokens)
    else:
        tokens = load_tokens(folder)
        if tokens is None:
            return None
    return _client_auth().StoreAuth(server, tokens, on_rotate=lambda t: save_tokens(folder, t))
