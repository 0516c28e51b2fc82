"""`reviewer verify STILL.png`: the PNG against its JSON sidecar (hash) and its Content Credential."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from reviewer.errors import ReviewerError
from reviewer.export.manifest import Verification
from reviewer.provenance.verify import cross_check


def verify_still(png: Path, sidecar: Path | None = None, anchors_pem: str | None = None) -> Verification:
    sidecar = sidecar or png.with_suffix(".json")
    v = Verification(png, sidecar)
    if not png.is_file():
        v.problems.append(f"{png}: still not found")
        return v
    record: dict = {}
    if sidecar.exists():
        try:
            record = json.loads(sidecar.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ReviewerError(f"{sidecar}: sidecar is not valid JSON ({exc})") from None
        actual = hashlib.sha256(png.read_bytes()).hexdigest()
        if actual != record.get("png_sha256"):
            v.problems.append(f"PNG SHA-256 {actual} differs from the sidecar's {record.get('png_sha256')}")
        else:
            v.checks.append("PNG SHA-256")
    else:
        v.notes.append(f"no sidecar {sidecar.name}: only the Content Credential is checked")
    cross_check(v, png, record.get("c2pa"), anchors_pem, {"master SHA-256": record.get("recording_sha256"),
                                                          "mask-set hash": record.get("mask_set_sha256")},
                has_record=sidecar.exists())
    return v
