"""Embedding a Content Credential in an export (MP4) or a still (PNG).

The credential names the master as its `parentOf` ingredient (title, SHA-256, and the master's own credential when
it carries one), records `c2pa.opened` then `c2pa.edited` in words, and carries our disclosure fields as a custom
assertion. `c2pa.redacted` is not used: C2PA means it for removing assertions from an ingredient's manifest, and
validators reject it for pixel redaction (issue 15).

Order (ADR 0021): the credential is embedded first, into a new temp file; our export manifest, the sidecar and the
disclosure log then hash the signed file, so `reviewer verify` and sha256sum agree on the bytes a recipient holds.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import reviewer
from reviewer.errors import ReviewerError
from reviewer.provenance.context import context, load_c2pa
from reviewer.provenance.signer import ClaimSigner, NativeSigner

ASSERTION = "org.bwvreviewer.disclosure"  # our fields; reverse-DNS style as C2PA asks of custom labels
SHA256_KEY = "org.bwvreviewer.sha256"  # the master's SHA-256, in the ingredient's metadata
AGENT = "BWV Reviewer"
MIME = {".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".png": "image/png",
        ".avi": "video/x-msvideo", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


class SigningFailed(ReviewerError):
    """The credential could not be embedded; nothing is published."""


@dataclass(frozen=True)
class Master:
    path: Path  # the original in the library's store (read only)
    name: str  # its file name as imported
    sha256: str


def mime_of(path: Path) -> str | None:
    return MIME.get(Path(path).suffix.lower())


def _agent() -> dict:
    return {"name": AGENT, "version": reviewer.__version__}


def definition(title: str, fmt: str, master: Master, edit: str, fields: dict) -> dict:
    now = dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    return {
        "claim_generator_info": [_agent()],
        "title": title,
        "format": fmt,
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": [
                {"action": "c2pa.opened", "when": now, "softwareAgent": _agent(),
                 "parameters": {"ingredientIds": ["master"]}},
                {"action": "c2pa.edited", "when": now, "softwareAgent": _agent(), "description": edit},
            ]}},
            {"label": ASSERTION, "data": {"master_sha256": master.sha256, **fields}},
        ],
    }


def _ingredient(master: Master) -> dict:
    return {"title": master.name, "relationship": "parentOf", "label": "master",
            "format": mime_of(master.path) or mime_of(Path(master.name)) or "application/octet-stream",
            "description": f"Master recording {master.name}, SHA-256 {master.sha256}",
            "metadata": {SHA256_KEY: master.sha256}}


def _builder(doc: dict, master: Master, ctx):
    """A Builder with the master as its parent. A master in a format C2PA reads is passed as a stream, so its own
    credential (a camera that signs) is carried along; any other is described only."""
    c2pa = load_c2pa()

    ingredient = _ingredient(master)
    fmt = mime_of(master.path) or mime_of(Path(master.name))
    if fmt:
        builder = c2pa.Builder(doc, context=ctx)
        try:
            with open(master.path, "rb") as fh:
                builder.add_ingredient(ingredient, fmt, fh)
            return builder
        except c2pa.C2paError:  # a container c2pa cannot parse: fall back to describing it
            builder.close()
    return c2pa.Builder({**doc, "ingredients": [ingredient]}, context=ctx)


def sign_stream(signer: ClaimSigner, doc: dict, master: Master, fmt: str, src: IO, dst: IO) -> None:
    """Read `src`, write it with the credential embedded to `dst` (opened "w+b")."""
    c2pa = load_c2pa()

    native = NativeSigner(signer)
    ctx = context()
    builder = None
    try:
        builder = _builder(doc, master, ctx)
        builder.sign(native.native, fmt, src, dst)
    except c2pa.C2paError as exc:
        native.reraise()  # the key's own failure (keyring locked mid-export) says more than "-1"
        raise SigningFailed(f"{doc.get('title')}: the Content Credential could not be embedded ({exc})") from None
    finally:
        if builder is not None:
            builder.close()
        native.close()
        ctx.close()


def sign_bytes(signer: ClaimSigner, doc: dict, master: Master, fmt: str, data: bytes) -> bytes:
    out = io.BytesIO()
    sign_stream(signer, doc, master, fmt, io.BytesIO(data), out)
    return out.getvalue()
