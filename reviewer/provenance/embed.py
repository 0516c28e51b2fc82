"""Embedding a Content Credential in an export (MP4) or a still (PNG).

The credential names the master as its `parentOf` ingredient (title, SHA-256, and the master's own credential when
it carries one), records `c2pa.opened` then `c2pa.edited` in words, and carries our disclosure fields as a custom
assertion. `c2pa.redacted` is not used: C2PA means it for removing assertions from an ingredient's manifest, and
validators reject it for pixel redaction (issue 15). An incident composite has no one parent: each master is a
`componentOf` ingredient with its own `c2pa.placed` action (composite_definition, ADR 0024).

Order (ADR 0021): the credential is embedded first, into a new temp file; our export manifest, the sidecar and the
disclosure log then hash the signed file, so `reviewer verify` and sha256sum agree on the bytes a recipient holds.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Sequence

import reviewer
from reviewer.errors import ReviewerError
from reviewer.provenance.context import context, load_c2pa
from reviewer.provenance.signer import ClaimSigner, NativeSigner

ASSERTION = "org.bwvreviewer.disclosure"  # our fields; reverse-DNS style as C2PA asks of custom labels
SHA256_KEY = "org.bwvreviewer.sha256"  # the master's SHA-256, in the ingredient's metadata
# IPTC digital source type: "a composite of two or more captured elements", C2PA's term for a mosaic of captures
COMPOSITE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeCapture"
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


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def _manifest(title: str, fmt: str, actions: list[dict], ours: dict) -> dict:
    """A manifest definition: who made it, its actions, and our own assertion."""
    return {
        "claim_generator_info": [_agent()],
        "title": title,
        "format": fmt,
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": actions}},
            {"label": ASSERTION, "data": ours},
        ],
    }


def definition(title: str, fmt: str, master: Master, edit: str, fields: dict) -> dict:
    now = _now()
    return _manifest(title, fmt, [
        {"action": "c2pa.opened", "when": now, "softwareAgent": _agent(), "parameters": {"ingredientIds": ["master"]}},
        {"action": "c2pa.edited", "when": now, "softwareAgent": _agent(), "description": edit},
    ], {"master_sha256": master.sha256, **fields})


def composite_definition(title: str, fmt: str, sources: list[tuple[Master, str]], edit: str, fields: dict) -> dict:
    """A copy made of several masters side by side (an incident composite): none is its parent, so each is a
    `componentOf` ingredient placed by its own `c2pa.placed` action (what it shows, how it was redacted), after a
    `c2pa.created` whose source type says the copy is a composite of captures, and before the `c2pa.edited` that
    says what was done to the whole."""
    now = _now()
    placed = [{"action": "c2pa.placed", "when": now, "softwareAgent": _agent(), "description": said,
               "parameters": {"ingredientIds": [component_label(n)]}} for n, (_m, said) in enumerate(sources)]
    return _manifest(title, fmt, [
        {"action": "c2pa.created", "when": now, "softwareAgent": _agent(), "digitalSourceType": COMPOSITE},
        *placed,
        {"action": "c2pa.edited", "when": now, "softwareAgent": _agent(), "description": edit},
    ], {"source_sha256": [m.sha256 for m, _said in sources], **fields})


def component_label(n: int) -> str:
    return f"source-{n + 1}"


def _ingredient(master: Master, relationship: str = "parentOf", label: str = "master", what: str = "Master") -> dict:
    return {"title": master.name, "relationship": relationship, "label": label,
            "format": mime_of(master.path) or mime_of(Path(master.name)) or "application/octet-stream",
            "description": f"{what} recording {master.name}, SHA-256 {master.sha256}",
            "metadata": {SHA256_KEY: master.sha256}}


def _ingredients(masters: Master | Sequence[Master]) -> list[tuple[dict, Master]]:
    """One master: the parent. Several (a composite): each a component, in tile order."""
    if isinstance(masters, Master):
        return [(_ingredient(masters), masters)]
    return [(_ingredient(m, "componentOf", component_label(n), "Source"), m) for n, m in enumerate(masters)]


def _builder(doc: dict, masters: Master | Sequence[Master], ctx):
    """A Builder with the masters as its ingredients. A master in a format C2PA reads is passed as a stream, so its
    own credential (a camera that signs) is carried along; any other is described only."""
    c2pa = load_c2pa()

    parts = _ingredients(masters)
    fmts = [mime_of(m.path) or mime_of(Path(m.name)) for _i, m in parts]
    described = [ing for (ing, _m), fmt in zip(parts, fmts) if not fmt]
    while True:
        builder = c2pa.Builder({**doc, "ingredients": described} if described else doc, context=ctx)
        failed = None
        for (ingredient, master), fmt in zip(parts, fmts):
            if ingredient in described:
                continue
            try:
                with open(master.path, "rb") as fh:
                    builder.add_ingredient(ingredient, fmt, fh)
            except c2pa.C2paError:  # a container c2pa cannot parse: fall back to describing it
                failed = ingredient
                break
        if failed is None:
            return builder
        # the failed add may have left the builder half-changed: start again with that master described only
        builder.close()
        described.append(failed)


def sign_stream(signer: ClaimSigner, doc: dict, master: Master | Sequence[Master], fmt: str, src: IO,
                dst: IO) -> None:
    """Read `src`, write it with the credential embedded to `dst` (opened "w+b"). `master`: the parent, or the
    components of a composite (composite_definition)."""
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


def sign_bytes(signer: ClaimSigner, doc: dict, master: Master | Sequence[Master], fmt: str, data: bytes) -> bytes:
    out = io.BytesIO()
    sign_stream(signer, doc, master, fmt, io.BytesIO(data), out)
    return out.getvalue()
