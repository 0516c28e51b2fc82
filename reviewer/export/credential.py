"""The Content Credential of one export or still: what the library knows (signer, master, disclosure fields) put
together before any footage is decoded, embedded by the export, stills and frame paths alike (ADR 0021).

Every output is checked after signing with the same reader a recipient uses: a credential that would not validate
is never handed out (the export fails, nothing is named).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from reviewer.atomic import stage_with
from reviewer.export.manifest import mask_hash
from reviewer.outputs import discard
from reviewer.provenance import describe
from reviewer.provenance.check import check_bytes, check_file
from reviewer.provenance.embed import Master, SigningFailed, composite_definition, definition, sign_bytes, sign_stream
from reviewer.provenance.signer import ClaimSigner


@dataclass(frozen=True)
class Credential:
    signer: ClaimSigner | None  # None: no identity configured and the library allows unsigned exports
    master: Master
    fields: dict  # the disclosure fields every credential of this job carries
    unsigned_reason: str = ""

    def at(self, path: Path) -> "Credential":
        """The same plan with the master's file (known once the recording is opened and re-hashed)."""
        return replace(self, master=replace(self.master, path=Path(path)))

    def note(self) -> dict:
        return _note(self.signer, self.unsigned_reason)


def _note(signer: ClaimSigner | None, unsigned_reason: str) -> dict:
    """What our manifest, sidecar and disclosure event say about the credential."""
    if signer is None:
        return {"embedded": False, "reason": unsigned_reason}
    chain = signer.chain
    return {"embedded": True, "alg": "ES256", "signer": chain.subject, "issuer": chain.leaf.issuer.rfc4514_string(),
            "certificate_sha256": chain.fingerprint, "time_stamp_authority": signer.tsa_url}


def for_library(library, view, decision, recipient: str = "", purpose: str = "") -> Credential:
    """The credential plan of a library recording's output, made before anything is opened or decoded: raises
    if a configured identity cannot sign (keyring, certificate) or the library requires credentials. The master's
    path is set with at() once the recording is open."""
    from reviewer.provenance.identity import signer_for_export

    signer, why = signer_for_export(library)
    approval = decision.approval.to_json() if decision.approval else None
    fields = {"recording_id": view.id, "incident_ref": view.incident_ref or "", "recipient": recipient,
              "purpose": purpose, "redacted": bool(decision.redacted),
              "approved_by": approval and approval["approved_by"],
              "approved_at": approval and approval["approved_at"],
              "approved_mask_set_sha256": approval and approval["mask_sha256"], "exported_by": library.actor}
    return Credential(signer, Master(Path(view.file_name), view.file_name, view.sha256), fields, why)


def embed_video(credential: Credential | None, tmp: Path, out_path: Path, mask_json: dict, settings: dict,
                ranges: list[dict], frames: int) -> tuple[Path | None, dict | None]:
    """(staged signed copy, manifest note). The copy is a new locked temp beside `out_path`; (None, note) when
    no credential is embedded."""
    if credential is None:
        return None, None
    if credential.signer is None:
        return None, credential.note()
    fields = {**credential.fields, "mask_set_sha256": mask_hash(mask_json), "frames": frames,
              "ranges": [[r["in"], r["out"]] for r in ranges]}
    doc = definition(out_path.name, "video/mp4", credential.master,
                     describe.export_edit(mask_json, settings, ranges, frames), fields)
    signed = _signed_and_checked(tmp, out_path, lambda src, fh: sign_stream(credential.signer, doc, credential.master,
                                                                           "video/mp4", src, fh))
    return signed, credential.note()


def _signed_and_checked(tmp: Path, out_path: Path, sign) -> Path:
    """The encoded `tmp` signed by sign(src, dst) into a staged copy beside `out_path`, then read back as a
    recipient's validator would; a copy that fails is discarded, never left behind."""
    with open(tmp, "rb") as src:
        signed = stage_with(out_path, lambda fh: sign(src, fh))
    try:
        _self_check(check_file(signed), out_path)
    except BaseException:
        discard(signed)
        raise
    return signed


@dataclass(frozen=True)
class CompositeCredential:
    """The credential plan of an incident composite: one signer, every source a component (ADR 0024)."""

    signer: ClaimSigner | None
    fields: dict
    unsigned_reason: str = ""

    def note(self) -> dict:
        return _note(self.signer, self.unsigned_reason)


def for_incident(library, incident: str, recipient: str = "", purpose: str = "") -> CompositeCredential:
    """Made before anything is opened or decoded, as for_library: raises if a configured identity cannot sign or
    the library requires credentials and has none."""
    from reviewer.provenance.identity import signer_for_export

    signer, why = signer_for_export(library)
    fields = {"kind": "composite", "incident_ref": incident, "recipient": recipient, "purpose": purpose,
              "exported_by": library.actor}
    return CompositeCredential(signer, fields, why)


def embed_composite(credential: CompositeCredential, tmp: Path, out_path: Path, sources: list[tuple[Master, str]],
                    edit: str, fields: dict) -> tuple[Path | None, dict]:
    """(staged signed copy or None, manifest note), as embed_video: `sources` are (master, its c2pa.placed
    description) in tile order; `fields` what this copy adds to the plan's disclosure fields."""
    if credential.signer is None:
        return None, credential.note()
    doc = composite_definition(out_path.name, "video/mp4", sources, edit, {**credential.fields, **fields})
    masters = [m for m, _said in sources]
    signed = _signed_and_checked(tmp, out_path,
                                 lambda src, fh: sign_stream(credential.signer, doc, masters, "video/mp4", src, fh))
    return signed, credential.note()


def embed_png(credential: Credential | None, data: bytes, png: Path, index: int, media_time: str,
              applied: list[dict], mask_set_sha256: str | None) -> bytes:
    """The PNG with its credential embedded (unchanged without a signer)."""
    if credential is None or credential.signer is None:
        return data
    fields = {**credential.fields, "mask_set_sha256": mask_set_sha256, "frame": index}
    doc = definition(png.name, "image/png", credential.master,
                     describe.still_edit(index, media_time, applied, mask_set_sha256 is not None), fields)
    signed = sign_bytes(credential.signer, doc, credential.master, "image/png", data)
    _self_check(check_bytes(signed, "image/png"), png)
    return signed


def _self_check(check, where: Path) -> None:
    if not check.ok:
        raise SigningFailed(f"{where}: the embedded Content Credential does not validate ({check.summary()}); "
                            "nothing was exported")


def note_text(note: dict | None) -> str:
    """One line for a user about a finished output's credential (the manifest's or sidecar's "c2pa" note)."""
    if note is None:
        return ""
    if note.get("embedded"):
        return f"Content Credentials signed by {note.get('signer')}"
    return f"NO Content Credentials: {note.get('reason')}"

