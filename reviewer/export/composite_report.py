"""The PDF report of an incident composite: the single export's report (report.py) laid out per source, so a
court bundle states, for every camera in the copy, its master's hash, its place on the incident clock, the frames
it shows, whether its masks were approved, and each mask's reason."""

from __future__ import annotations

from reviewer.export import report
from reviewer.export.pdf import Document
from reviewer.media.frametable import FrameTable


def render(manifest: dict, tables: dict[str, FrameTable]) -> bytes:
    """`tables`: each source's frame table by SHA-256 (the redaction log names frames by its rule)."""
    inc, out = manifest["incident"], manifest["output"]
    d = Document(f"Incident composite report: {inc['incident']}")
    d.text("BWV Reviewer - incident composite report", size=16, bold=True)
    report.disclosure(d, manifest)
    d.text("Incident interval", size=12, bold=True)
    d.text(f"Incident {inc['incident']}: {inc['from']:.3f} s to {inc['to']:.3f} s on the incident clock "
           f"({inc['from_wall'] or 'no camera time'} to {inc['to_wall'] or '-'}), layout {inc['layout']}, "
           f"one output frame every {inc['frame_step']} s")
    d.text(inc["rule"], size=9)
    d.gap()
    d.text("Integrity", size=12, bold=True)
    d.text(f"Export: {out['name']} ({out['size']} bytes, {out['frames']} frames, {out['duration']:.3f} s, "
           f"{out['width']}x{out['height']})")
    d.text(f"Export SHA-256: {out['sha256']}", size=9)
    d.text(f"Mask sets SHA-256 (all sources): {manifest['masks']['sha256']}", size=9)
    report.credential_and_leak(d, manifest)
    audio = manifest.get("audio")
    d.text(f"Sound: {audio['camera']} ({audio['recording_id']}), {len(audio['redactions_applied'])} mute/bleep "
           f"range(s) applied" if audio else "Sound: none")
    if audio and audio.get("drift_ppm"):
        d.text(f"The sound is kept on the incident clock: its camera's drift ({audio['drift_ppm']:+.1f} ppm) is "
               f"followed by repeating or dropping one sample every {1e6 / abs(audio['drift_ppm']):,.0f} samples; "
               f"every other sample is the recording's own.", size=9)
    for s in manifest["sources"]:
        d.gap()
        d.text(f"Camera {s['camera']}: {s['name']}", size=12, bold=True)
        d.text(f"Master SHA-256: {s['sha256']} ({s['size']} bytes)", size=9)
        d.text(f"On the incident clock: starts at {s['incident_start']:.3f} s (camera start "
               f"{s['camera_start'] or 'unknown'}, offset {s['offset_us'] / 1e6:+.6f} s, drift {s['drift_ppm']:+.1f} "
               f"ppm, placed by {s['placement']})")
        if s["first_frame"] is None:
            d.text("No footage in the interval: its tile is black throughout and says so.")
        else:
            d.text(f"Shows frames {s['first_frame']}-{s['last_frame']} (incident {s['first_frame_incident_time']:.3f}"
                   f" - {s['last_frame_incident_time']:.3f} s) on {s['output_frames_with_footage']} of "
                   f"{out['frames']} output frames")
        d.text(f"Mask set SHA-256: {s['masks_sha256']}", size=9)
        report.approval_line(d, s["approval"])
        report.redaction_log(d, tables[s["sha256"]], manifest["masks"]["data"][s["sha256"]])
    report.footer(d, manifest)
    return d.to_bytes()
