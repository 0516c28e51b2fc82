"""The disclosure package (`reviewer export ... --package`, `reviewer incident export ... --package`): one ZIP a
recipient without our software can check.

It holds each redacted copy (or an incident's composite or separate copies) with its manifest and PDF report, the
signing certificate chain (and the trust anchors, when configured), SHA256SUMS and a plain-language VERIFY.txt.
The files are read back from their final names and must still hash to what their manifests say, so the package
holds exactly what was disclosed. The ZIP is written under a locked temp name, then disclosed through the gate
("recording.export_package", or "incident.export_package" on the incident, with its SHA-256) before it gets its
own name, as every other output (reviewer/export/disclose.py).
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from reviewer.atomic import stage_with
from reviewer.errors import ReviewerError
from reviewer.export.disclose import disclose
from reviewer.export.job import ExportResult
from reviewer.export.package_text import verify_text
from reviewer.export.report import report_path_for
from reviewer.library.originals import sha256_file
from reviewer.outputs import discard

CHAIN_NAME = "signing-certificate-chain.pem"
ANCHORS_NAME = "trust-anchors.pem"


@dataclass(frozen=True)
class Package:
    path: Path
    sha256: str
    files: list[dict]  # {"name", "sha256"}


def package_path_for(out: Path) -> Path:
    return out.with_name(out.stem + "-disclosure.zip")


def build(library, results: list[ExportResult], path: Path, decision, object_id: str, recipient: str,
          purpose: str, overwrite: bool, object_type: str = "recording") -> Package:
    """`decision`: what was disclosed (its `action` and `redacted`); `object_type` "incident" (with the reference
    as `object_id`) for an incident composite, disclosed as "incident.export_package"."""
    from reviewer.provenance.identity import config

    members: list[tuple[str, bytes | Path]] = []
    for r in results:
        report = report_path_for(r.output)
        if not report.exists():
            raise ReviewerError(f"{path}: a disclosure package needs the PDF report ({report} is missing)")
        if sha256_file(r.output) != r.manifest["output"]["sha256"]:
            raise ReviewerError(f"{r.output}: changed since it was exported; the package is not made")
        members += [(r.output.name, r.output), (r.manifest_path.name, r.manifest_path), (report.name, report)]
    cfg = config(library)
    if cfg.chain_pem:
        members.append((CHAIN_NAME, cfg.chain_pem.encode()))
    anchors = cfg.anchors_pem()
    if anchors:
        members.append((ANCHORS_NAME, anchors.encode()))
    sums = [(name, _sha(src)) for name, src in members]
    members.append(("SHA256SUMS", "".join(f"{h}  {n}\n" for n, h in sums).encode()))
    members.append(("VERIFY.txt", verify_text([r.manifest for r in results], bool(cfg.chain_pem),
                                              bool(anchors)).encode()))
    tmp = stage_with(path, lambda fh: _zip(fh, members))
    try:
        _check_members(tmp, sums)
    except BaseException:
        discard(tmp)
        raise
    sha = sha256_file(tmp)
    files = [{"name": n, "sha256": h} for n, h in sums]
    try:
        disclose(library.gov, decision.action, object_id, f"{object_type}.export_package", {
            "recipient": recipient, "purpose": purpose, "output": str(path), "sha256": sha, "files": files,
            "redacted": decision.redacted}, [(tmp, path)], overwrite, justification=purpose or None,
            object_type=object_type)
    finally:
        discard(tmp)
    return Package(path, sha, files)


def _check_members(zip_path: Path, sums: list[tuple[str, str]]) -> None:
    """Each member as written must hash to its SHA256SUMS line: a file changed while it was being packed (after
    it was hashed) fails the package instead of shipping a copy that contradicts its own checksum."""
    with zipfile.ZipFile(zip_path) as z:
        for name, want in sums:
            h = hashlib.sha256()
            with z.open(name) as m:
                for block in iter(lambda: m.read(1 << 20), b""):
                    h.update(block)
            if h.hexdigest() != want:
                raise ReviewerError(f"{name}: changed while the disclosure package was written; not made")


def _sha(src: bytes | Path) -> str:
    return hashlib.sha256(src).hexdigest() if isinstance(src, bytes) else sha256_file(src)


def _zip(fh, members: list[tuple[str, bytes | Path]]) -> None:
    # stored, not deflated: H.264 and PNG do not shrink, and any unzip tool opens a stored member
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as z:
        for name, src in members:
            if isinstance(src, bytes):
                z.writestr(name, src)
            else:
                z.write(src, name)
