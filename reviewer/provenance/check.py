"""Reading and validating the Content Credential in a file, as any C2PA verifier would.

States: "trusted" (valid, and the signer chains to a configured trust anchor), "valid" (intact and signed, but
the signer is not among the trust anchors given), "invalid" (the file or the credential was changed after
signing: the failures say what), "absent" (no credential: never signed, or re-encoded or stripped since),
"unreadable" (c2pa cannot parse the file as its format at all).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from reviewer.provenance.context import context, load_c2pa
from reviewer.provenance.embed import ASSERTION, SHA256_KEY, mime_of

UNTRUSTED = "signingCredential.untrusted"  # a trust question, reported as the state, not as damage


@dataclass
class CredentialCheck:
    state: str
    failures: list[str] = field(default_factory=list)
    signer: str | None = None
    fields: dict | None = None  # our disclosure assertion
    master_sha256: str | None = None  # from the parent ingredient
    master_title: str | None = None
    master_has_credential: bool = False
    actions: list[dict] = field(default_factory=list)
    # every ingredient in order: {"title", "relationship", "sha256", "has_credential"}; a composite's sources
    ingredients: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.state in ("trusted", "valid")

    def summary(self) -> str:
        if self.state == "trusted":
            return f"Content Credentials valid and trusted (signed by {self.signer})"
        if self.state == "valid":
            return (f"Content Credentials valid, but the signer ({self.signer}) is not among the trust anchors "
                    "given (reviewer verify --trust CA.pem)")
        if self.state == "absent":
            return "no Content Credentials in the file (never signed, or re-encoded or stripped since)"
        if self.state == "unreadable":
            return "the file cannot be read for Content Credentials: " + "; ".join(self.failures)
        return "Content Credentials INVALID: " + ("; ".join(self.failures) or "the credential cannot be read")

    def to_json(self) -> dict:
        return {"state": self.state, "ok": self.ok, "failures": self.failures, "signer": self.signer,
                "master_sha256": self.master_sha256, "fields": self.fields,
                "ingredients": self.ingredients}


def check_file(path: Path, anchors_pem: str | None = None) -> CredentialCheck:
    with open(path, "rb") as fh:
        return check_stream(fh, mime_of(path) or "video/mp4", anchors_pem)


def check_bytes(data: bytes, fmt: str, anchors_pem: str | None = None) -> CredentialCheck:
    return check_stream(io.BytesIO(data), fmt, anchors_pem)


def check_stream(stream, fmt: str, anchors_pem: str | None = None) -> CredentialCheck:
    c2pa = load_c2pa()

    ctx = context(anchors_pem)
    try:
        try:
            reader = c2pa.Reader(fmt, stream, context=ctx)
        except c2pa.C2paError.ManifestNotFound:
            return CredentialCheck("absent")
        except c2pa.C2paError as exc:  # not parseable as its format: verify decides with our own record
            return CredentialCheck("unreadable", [str(exc)])
        with reader:
            store = json.loads(reader.json())
        return _judge(store)
    finally:
        ctx.close()


def _judge(store: dict) -> CredentialCheck:
    manifest = store.get("manifests", {}).get(store.get("active_manifest"), {})
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    failures = [f"{f.get('code')}: {f.get('explanation')}" for f in results.get("failure", [])
                if f.get("code") != UNTRUSTED]
    raw_state = str(store.get("validation_state") or "")
    state = "invalid" if failures or raw_state == "Invalid" else "trusted" if raw_state == "Trusted" else "valid"
    sig = manifest.get("signature_info") or {}
    check = CredentialCheck(state, failures, signer=", ".join(x for x in (sig.get("common_name"),
                                                                          sig.get("issuer")) if x) or None)
    for a in manifest.get("assertions", []):
        if a.get("label") == ASSERTION:
            check.fields = a.get("data")
        elif str(a.get("label", "")).startswith("c2pa.actions"):
            check.actions = list((a.get("data") or {}).get("actions", []))
    check.ingredients = [{"title": i.get("title"), "relationship": i.get("relationship"),
                          "sha256": (i.get("metadata") or {}).get(SHA256_KEY),
                          "has_credential": bool(i.get("active_manifest"))} for i in manifest.get("ingredients", [])]
    parents = [i for i in manifest.get("ingredients", []) if i.get("relationship") == "parentOf"]
    if parents:
        parent = parents[0]
        check.master_sha256 = (parent.get("metadata") or {}).get(SHA256_KEY)
        check.master_title = parent.get("title")
        check.master_has_credential = bool(parent.get("active_manifest"))
    return check
