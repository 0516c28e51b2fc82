"""What a Content Credential says was done, in words a recipient reads in any C2PA verifier: the masks by reason
and count, blackouts, audio ranges muted or bleeped, burned-in overlays and the frames taken from the master."""

from __future__ import annotations

from collections import Counter


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _by_reason(items) -> str:
    counts = Counter((i.get("reason") or "no reason") for i in items)
    return ", ".join(f"{reason} x{n}" if n > 1 else reason for reason, n in sorted(counts.items()))


def redactions(mask_json: dict) -> list[str]:
    """One phrase each for the masks, blackouts and audio ranges of a mask set (mask_set_to_json form)."""
    out = []
    tracks = mask_json.get("tracks") or []
    if tracks:
        effects = sorted({(t.get("effect") or {}).get("kind", "?") for t in tracks})
        out.append(f"{_plural(len(tracks), 'mask')} ({_by_reason(tracks)}; effect {', '.join(effects)})")
    blackouts = mask_json.get("blackouts") or []
    if blackouts:
        out.append(f"{_plural(len(blackouts), 'full-frame blackout')} ({_by_reason(blackouts)})")
    audio = mask_json.get("audio") or []
    for mode, verb in (("mute", "muted"), ("bleep", "bleeped")):
        ranges = [a for a in audio if a.get("mode") == mode]
        if ranges:
            out.append(f"audio {verb} in {_plural(len(ranges), 'range')} ({_by_reason(ranges)})")
    return out


def overlays(settings: dict) -> list[str]:
    ov = settings.get("overlays") or {}
    words = []
    if ov.get("redacted_banner"):
        words.append("'REDACTED COPY' banner with the incident reference")
    if ov.get("watermark"):
        words.append(f"watermark '{ov['watermark']}'")
    if ov.get("timestamp"):
        words.append("per-frame date, time and frame number")
    return words


def export_edit(mask_json: dict, settings: dict, ranges: list[dict], frames: int) -> str:
    """The c2pa.edited description of a video export."""
    parts = redactions(mask_json) or ["no redaction applied"]
    if ov := overlays(settings):
        parts.append("burned in: " + "; ".join(ov))
    spans = ", ".join(f"{r['in']}-{r['out']}" for r in ranges) or "all"
    parts.append(f"frames {spans} of the master ({_plural(frames, 'frame')}), re-encoded H.264/AAC")
    return "Redacted copy made with BWV Reviewer: " + "; ".join(parts) + "."


def still_edit(index: int, media_time: str, applied: list[dict], redacted: bool) -> str:
    """The c2pa.edited description of one still (PNG) of frame `index`."""
    if applied:
        what = f"{_plural(len(applied), 'mask')} applied on this frame ({_by_reason(applied)})"
    else:
        what = "the recording's masks applied; none covers this frame" if redacted else "no redaction applied"
    return f"Still of frame {index} ({media_time}) of the master made with BWV Reviewer: {what}."


def composite_source(camera: str, name: str, n: int, layout: str, shown: dict, mask_json: dict) -> str:
    """The c2pa.placed description of one source of an incident composite: which frames it shows, where, and how
    it was redacted (its own masks)."""
    if shown.get("first_frame") is None:
        frames = "no footage in the interval (a black tile that says so)"
    else:
        frames = (f"its frames {shown['first_frame']}-{shown['last_frame']} in "
                  f"{_plural(shown['output_frames_with_footage'], 'output frame')}")
    red = "; ".join(redactions(mask_json)) or "no redaction applied"
    return f"Camera {camera} ({name}) placed in tile {n + 1} of the {layout} grid: {frames}; redacted by its own " \
           f"masks: {red}."


def composite_edit(cameras: int, incident: str, layout: str, frames: int, sound: dict | None) -> str:
    """The c2pa.edited description of an incident composite."""
    if sound is None:
        audio = "no sound"
    else:
        spans = sound.get("redactions_applied") or []
        muted = [s for s in spans if s[2] == "mute"]
        bleeped = [s for s in spans if s[2] == "bleep"]
        extra = [f"muted in {_plural(len(muted), 'range')}"] if muted else []
        extra += [f"bleeped in {_plural(len(bleeped), 'range')}"] if bleeped else []
        audio = f"sound from camera {sound['camera']}" + (f" ({', '.join(extra)})" if extra else "")
    return (f"Composite of {_plural(cameras, 'recording')} of incident {incident} made with BWV Reviewer: a {layout} "
            f"grid in which every tile shows its recording's frame at the same incident time (each camera's clock "
            f"offset and drift applied), each recording redacted by its own masks before it was scaled into its "
            f"tile and labelled with its camera, camera time and frame number; {audio}; "
            f"{_plural(frames, 'frame')}, re-encoded H.264/AAC.")
