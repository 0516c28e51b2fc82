"""The three clocks of a recording and their text forms.

Frame index (position in the frame table), media time (seconds since the first presented frame) and camera time
(the camera's UTC start plus media time). Conversion between index and media time lives on FrameTable; this
module adds the camera clock and parsing/formatting.
"""

from __future__ import annotations

import datetime as dt
import re

UTC = dt.timezone.utc


def format_media_time(seconds: float) -> str:
    """'HH:MM:SS.mmm'; milliseconds are truncated so a frame never shows a time after it starts."""
    ms_total = int(seconds * 1000 + 1e-6) if seconds >= 0 else 0
    h, rem = divmod(ms_total, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


_MEDIA_RE = re.compile(r"^\s*(?:(?:(\d+):)?(\d+):)?(\d+(?:\.\d*)?)\s*$")


def parse_media_time(text: str) -> float:
    """Accepts 'SS(.fff)', 'MM:SS(.fff)' or 'HH:MM:SS(.fff)'. ValueError otherwise."""
    m = _MEDIA_RE.match(text)
    if not m:
        raise ValueError(f"not a media time: {text!r} (use HH:MM:SS.mmm)")
    h, mnt, s = m.groups()
    return int(h or 0) * 3600 + int(mnt or 0) * 60 + float(s)


def camera_time(start: dt.datetime | None, media_seconds: float) -> dt.datetime | None:
    if start is None:
        return None
    return start.astimezone(UTC) + dt.timedelta(seconds=media_seconds)


def format_camera_time(t: dt.datetime | None) -> str:
    if t is None:
        return "camera time unknown"
    t = t.astimezone(UTC)
    return t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d} UTC"


def parse_camera_time(text: str, default_date: dt.date | None = None) -> dt.datetime:
    """ISO date-time ('2024-05-01 14:03:22.433', optional 'Z'/'UTC'/offset; naive means UTC), or a bare
    'HH:MM:SS(.fff)' on `default_date` (the recording's day)."""
    s = text.strip().removesuffix("UTC").strip().replace("Z", "+00:00")
    if default_date is not None and re.fullmatch(r"\d{1,2}:\d{2}:\d{2}(\.\d+)?", s):
        s = f"{default_date.isoformat()} {s}"
    try:
        t = dt.datetime.fromisoformat(s)
    except ValueError:
        raise ValueError(f"not a camera time: {text!r} (use YYYY-MM-DD HH:MM:SS.mmm UTC)") from None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
