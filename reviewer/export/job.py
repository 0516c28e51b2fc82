"""One export, start to finish: verify the source, encode + leak-check, hash, write the manifest."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from reviewer import outputs
from reviewer.atomic import stage_bytes
from reviewer.export import credential as cred
from reviewer.errors import IntegrityError
from reviewer.library.originals import sha256_file
from reviewer.export import manifest as mf
from reviewer.export.leakcheck import LeakReport, make_checker
from reviewer.export.pipeline import Redactor, plan, run
from reviewer.export.settings import ExportRequest, Provenance
from reviewer.media.source import MediaSource
from reviewer.progress import NO_TASK, Task
from reviewer.redact.model import MaskSet, mask_set_to_json
from reviewer.redact.render import redact


# (temp video, manifest, [(temp, final) sidecars]) -> gives every file its final name, the video last
Publisher = Callable[[Path, dict, list[tuple[Path, Path]]], None]


@dataclass(frozen=True)
class ExportResult:
    output: Path
    manifest_path: Path
    manifest: dict
    frames: int
    seconds: float
    leak: LeakReport | None
    created: tuple[Path, ...] = ()  # folders made for the outputs (make_dirs), for the caller to report
    package: object | None = None  # the disclosure package they went into (reviewer.export.package.Package)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds else 0.0


def export(source: MediaSource, mask_set: MaskSet, request: ExportRequest, out_path: Path, provenance: Provenance,
           task: Task = NO_TASK, expected_sha256: str | None = None, redactor: Redactor = redact,
           source_verified: bool = False, publish: Publisher | None = None,
           overwrite: bool = False, credential: cred.Credential | None = None,
           incident: dict | None = None) -> ExportResult:
    """`source_verified`: the caller has just re-hashed the original against `expected_sha256` (the library does
    on every open), so it is not read a second time; otherwise it is hashed and compared here.

    The manifest is staged under a temp name. `publish(tmp_video, manifest, staged)` then names the files (the
    library's run_export adds the report and records the disclosure first); without it the manifest and then
    the video are renamed here.

    `credential`: the Content Credential to embed (ADR 0021), or why there is none. It is embedded before the
    manifest is built, so the manifest, the report and the disclosure log all hash the signed file.

    `incident`: the incident interval an incident's separate export was cut to, noted in the manifest."""
    out_path = Path(out_path)
    if source_verified and expected_sha256:
        src_sha = expected_sha256
    else:
        src_sha = sha256_file(source.path, Task(cancel=task.cancel), "verifying the original")
        if expected_sha256 is not None and src_sha != expected_sha256:
            raise IntegrityError(source.path, expected_sha256, src_sha)
    spans, total_ticks = plan(source, request.ranges)
    leak = LeakReport() if request.leak_check else None
    checker = make_checker(mask_set, request, source.table.time_base, leak, out_path) if leak is not None else None
    t = source.table
    ranges = [{"in": a, "out": b, "in_pts": int(t.pts[a]), "out_pts": int(t.pts[b]),
               "in_media_time": t.media_time(a), "out_media_time": t.media_time(b), "output_start_pts": base}
              for a, b, base in spans]
    mpath = mf.manifest_path_for(out_path)
    written: dict = {}

    def finish(tmp: Path, record) -> None:
        mask_json = mask_set_to_json(mask_set)
        settings = {**request.to_json(), "time_base": f"{t.time_base.numerator}/{t.time_base.denominator}"}
        signed, note = cred.embed_video(credential, tmp, out_path, mask_json, settings, ranges, len(record.frames))
        video = signed or tmp
        staged: list[tuple[Path, Path]] = []
        try:
            written.update(mf.build(
                source_path=source.path, source_sha256=src_sha, source_size=source.path.stat().st_size,
                recording_id=provenance.recording_id, out_path=out_path, out_sha256=sha256_file(video),
                out_size=video.stat().st_size, frames=len(record.frames), duration=float(total_ticks * t.time_base),
                ranges=ranges, mask_json=mask_json, settings=settings,
                provenance=provenance, leak=leak.to_json() if leak is not None else None,
                source_name=getattr(getattr(source, "view", None), "file_name", None), c2pa=note,
                incident=incident,
            ))
            staged.append((stage_bytes(mpath, mf.text(written).encode("utf-8")), mpath))
            if publish is not None:
                publish(video, written, staged)
            else:
                outputs.publish_all([*staged, (video, out_path)], overwrite)
        finally:
            outputs.discard(*(tmp_side for tmp_side, _final in staged), *((signed,) if signed else ()))
            if signed:  # the unsigned encode is no output of ours: only the signed copy is ever named
                outputs.discard(tmp)

    record, seconds, final = run(source, mask_set, request, out_path, task, redactor, checker, finish)
    manifest = written
    return ExportResult(final, mpath, manifest, len(record.frames), seconds, leak)

