"""The metadata sidecar: a small JSON file next to a recording (schema in docs/sidecar.md).

Looked up as `<file name>.json` (clip.mp4.json), then `<stem>.json` (clip.json). Every field is optional, but
what is there must be right: a sidecar with a typo would otherwise silently drop the officer or the start time.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from reviewer.errors import ReviewerError

UTC = dt.timezone.utc
FIELDS = ("officer_id", "device_id", "start_time", "incident_ref")
MAX_TEXT = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SidecarError(ReviewerError):
    """A sidecar exists but cannot be used. The message names the sidecar file."""

    def __init__(self, path: Path, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: sidecar {problem}")


@dataclass(frozen=True)
class Sidecar:
    path: Path
    officer_id: str | None = None
    device_id: str | None = None
    start_time: dt.datetime | None = None  # aware, UTC
    incident_ref: str | None = None


def candidates(media: Path) -> list[Path]:
    media = Path(media)
    return [media.with_name(media.name + ".json"), media.with_suffix(".json")]


def find_sidecar(media: Path) -> Path | None:
    for c in candidates(media):
        if c != media and c.is_file():
            return c
    return None


def clean_text(value: str, what: str) -> str | None:
    """Trimmed identifier text, None when blank. ValueError for control characters or excess length."""
    text = value.strip()
    if not text:
        return None
    if _CONTROL.search(text):
        raise ValueError(f"{what} contains control characters")
    if len(text) > MAX_TEXT:
        raise ValueError(f"{what} is longer than {MAX_TEXT} characters")
    return text


def parse_start_time(text: str) -> dt.datetime:
    """ISO-8601 with an explicit zone ('2024-05-01T14:03:22.433Z' or '+01:00'), returned in UTC."""
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    try:
        t = dt.datetime.fromisoformat(s)
    except ValueError:
        raise ValueError(f"start_time {text!r} is not an ISO-8601 date-time (e.g. 2024-05-01T14:03:22.433Z)") from None
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"start_time {text!r} has no time zone; write it in UTC with a trailing Z")
    return t.astimezone(UTC)


def read_sidecar(media: Path) -> Sidecar | None:
    """The sidecar for `media`, None if there is none. SidecarError if one exists but is unusable."""
    path = find_sidecar(media)
    if path is None:
        return None
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise SidecarError(path, "is not UTF-8 text") from None
    except OSError as exc:
        raise SidecarError(path, f"cannot be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SidecarError(path, f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise SidecarError(path, "must be a JSON object like {\"officer_id\": \"...\"}")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise SidecarError(path, f"has unknown field(s) {', '.join(unknown)}; allowed: {', '.join(FIELDS)}")
    values: dict[str, object] = {}
    try:
        for key in FIELDS:
            v = data.get(key)
            if v is None:
                continue
            if not isinstance(v, str):
                raise ValueError(f"{key} must be a string, not {type(v).__name__}")
            values[key] = parse_start_time(v) if key == "start_time" else clean_text(v, key)
    except ValueError as exc:
        raise SidecarError(path, str(exc)) from None
    return Sidecar(path=path, **values)  # type: ignore[arg-type]
