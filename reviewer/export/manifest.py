"""The export manifest (versioned JSON) and its verification.

The manifest carries a hash of its own canonical body, so an edited manifest is detected; the output's SHA-256
and size, so a changed output is detected; and the full mask data with its hash, so the redaction that was applied
can be re-checked. Cross-checking against the library's audit trail (which records the manifest hash at export
time) is done by the caller when a library is at hand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import av

import reviewer
from reviewer.atomic import write_text
from reviewer.errors import ReviewerError
from reviewer.library.originals import sha256_file

SCHEMA = "bwv-reviewer/export-manifest"
VERSION = 1


def canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def mask_hash(mask_json: dict) -> str:
    return hashlib.sha256(canonical(mask_json)).hexdigest()


def manifest_path_for(out: Path) -> Path:
    return out.with_name(out.name + ".manifest.json")


def seal(body: dict) -> dict:
    body = {k: v for k, v in body.items() if k not in ("manifest_sha256", "signature")}
    return {**body, "manifest_sha256": hashlib.sha256(canonical(body)).hexdigest()}


def sign(sealed: dict, workstation: str) -> dict:
    """Add the workstation key's signature over the manifest hash (KeyUnavailable without a secure keyring:
    an export is never handed out unsealed)."""
    from reviewer.govern.signing import WorkstationSigner

    return {**sealed, "signature": WorkstationSigner(workstation).sign(sealed["manifest_sha256"].encode())}


def who_made_it(provenance) -> dict:
    """The fields every manifest (a single export's and an incident composite's) gives its maker: the tool and
    its FFmpeg, the operator, when, for what purpose and for whom."""
    return {
        "tool": {"name": "BWV Reviewer", "version": reviewer.__version__,
                 "libav": {k: ".".join(map(str, v)) for k, v in av.library_versions.items()}},
        "operator": {"user": provenance.operator, "role": provenance.role, "workstation": provenance.workstation},
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z"),
        "purpose": provenance.purpose,
        "recipient": provenance.recipient,
        "incident_ref": provenance.incident_ref,
    }


def build(*, source_path: Path, source_sha256: str, source_size: int, recording_id: str | None, out_path: Path,
          out_sha256: str, out_size: int, frames: int, duration: float, ranges: list[dict], mask_json: dict,
          settings: dict, provenance, leak: dict | None, source_name: str | None = None,
          c2pa: dict | None = None, incident: dict | None = None) -> dict:
    """`source_name`: the original's file name as imported; the store keeps it under its SHA-256, which the
    reader of a manifest could not match to the file they know. `c2pa`: whether the output carries a Content
    Credential, signed by whom, or why not (reviewer/export/credential.py); absent for exports made without
    the question being asked (no library). `incident`: the incident interval this copy was cut to, when it is one
    of an incident's separate exports (reviewer/export/incident_separate.py)."""
    return sign(seal({
        "schema": SCHEMA,
        "version": VERSION,
        "source": {"name": source_name or source_path.name, "size": source_size, "sha256": source_sha256,
                   "recording_id": recording_id},
        "output": {"name": out_path.name, "size": out_size, "sha256": out_sha256, "frames": frames,
                   "duration": round(duration, 6), "container": "mp4", "video": "h264/yuv420p", "audio": "aac"},
        "ranges": ranges,
        "masks": {"sha256": mask_hash(mask_json), "data": mask_json, "approval": provenance.approval},
        "settings": settings,
        **who_made_it(provenance),
        "leak_check": leak,
        **({"c2pa": c2pa} if c2pa is not None else {}),
        **({"incident": incident} if incident is not None else {}),
    }), provenance.workstation)


def text(manifest: dict) -> str:
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def write(path: Path, manifest: dict) -> None:
    write_text(path, text(manifest))


@dataclass
class Verification:
    output: Path
    manifest: Path
    problems: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    c2pa: dict | None = None  # the Content Credential's state (reviewer/provenance/check.py), when looked at
    notes: list[str] = field(default_factory=list)  # what a reader should know that is no failure
    sources: list[str] = field(default_factory=list)  # an incident composite's masters, one line each

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        d = asdict(self)
        d.update(output=str(self.output), manifest=str(self.manifest), ok=self.ok)
        return d


def load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReviewerError(f"{path}: manifest not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReviewerError(f"{path}: manifest is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ReviewerError(f"{path}: not a BWV Reviewer export manifest")
    if data.get("version") != VERSION:
        raise ReviewerError(f"{path}: manifest version {data.get('version')} is not supported (expected {VERSION})")
    return data


def verify(output: Path, manifest_file: Path | None = None, known_keys: dict[str, str] | None = None,
           anchors_pem: str | None = None) -> Verification:
    """`known_keys` (key id -> public key hex, from the library) makes the signature count: without them a
    self-consistent signature proves nothing, since anyone can sign with a key of their own. The output's
    Content Credential is validated too (trusted when it chains to `anchors_pem`) and cross-checked with the
    manifest."""
    from reviewer.govern.signing import check_signature

    manifest_file = manifest_file or manifest_path_for(output)
    v = Verification(output, manifest_file)
    m = load(manifest_file)
    if seal(m).get("manifest_sha256") != m.get("manifest_sha256"):
        v.problems.append("manifest has been edited: its content no longer matches its own hash")
    else:
        v.checks.append("manifest self-hash")
    if known_keys is not None:
        problem = check_signature(m.get("signature"), str(m.get("manifest_sha256")).encode(), known_keys)
        if problem:
            v.problems.append(f"workstation signature: {problem}")
        else:
            v.checks.append("workstation signature")
    else:
        v.notes.append("the manifest's workstation signature was not checked: no library here knows the "
                       "exporting workstation's key")
    if mask_hash(m.get("masks", {}).get("data", {})) != m.get("masks", {}).get("sha256"):
        v.problems.append("mask data does not match the recorded mask-set hash")
    else:
        v.checks.append("mask-set hash")
    approval = m.get("masks", {}).get("approval")
    if approval and approval.get("mask_sha256") != m.get("masks", {}).get("sha256"):
        v.problems.append("the recorded approval pins a different mask set than the one applied")
    out = m.get("output", {})
    if not output.exists():
        v.problems.append(f"{output}: output file not found")
        return v
    size = output.stat().st_size
    if size != out.get("size"):
        v.problems.append(f"output size {size} differs from the manifest's {out.get('size')}")
    actual = sha256_file(output)
    if actual != out.get("sha256"):
        v.problems.append(f"output SHA-256 {actual} differs from the manifest's {out.get('sha256')}")
    else:
        v.checks.append("output SHA-256")
    if m.get("leak_check") is not None and not m["leak_check"].get("passed"):
        v.problems.append("the manifest records a failed leak check")
    from reviewer.provenance.verify import cross_check

    composite = m.get("sources") if m.get("kind") == "composite" else None
    cc = cross_check(v, output, m.get("c2pa"), anchors_pem, {
        "master SHA-256": m.get("source", {}).get("sha256"), "mask-set hash": m.get("masks", {}).get("sha256"),
        "source SHA-256s": composite and sorted(str(s.get("sha256")) for s in composite)})
    if composite:
        _list_sources(v, composite, cc)
    return v


def _list_sources(v: Verification, sources: list[dict], cc) -> None:
    """One line per master of a composite: what the manifest says it showed, and whether the Content Credential
    names it (an ingredient carrying the same SHA-256)."""
    named = {i.get("sha256") for i in (cc.ingredients if cc.ok else [])}
    if named and all(s.get("sha256") in named for s in sources):
        v.checks.append(f"C2PA names all {len(sources)} sources")
    for s in sources:
        frames = "no footage in the interval" if s.get("first_frame") is None else \
            f"frames {s['first_frame']}-{s['last_frame']}"
        said = " (a C2PA ingredient)" if s.get("sha256") in named else ""
        v.sources.append(f"camera {s.get('camera')}: {s.get('name')} SHA-256 {s.get('sha256')}, {frames}{said}")
