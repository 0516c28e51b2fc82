"""The metadata sidecar: a small JSON file next to a recording (schema in docs/sidecar.md).

Looked up as `<file name>.json` (clip.mp4.json), then `<stem>.json` (clip.json). Every field is optional, but
what is there must be right: a sidecar with a typo would otherwise silently drop the officer or the start time.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from reviewer.errors import ReviewerError

UTC = dt.timezone.utc
FIELDS = ("officer_id", "device_id", "start_time", "incident_ref")
MAX_TEXT = 100
MAX_BYTES = 64 * 1024  # a sidecar holds four short strings; anything bigger is not one
# Camera start times outside this range are a dead clock battery or a forged file, not evidence to file under.
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.timezone.utc)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)
# Unicode categories refused in identifiers: controls (C0, DEL, C1), format characters (bidi embeddings and
# overrides U+202A..U+202E and isolates U+2066..U+2069, marks U+200E/F, zero-width characters), line and
# paragraph separators, lone surrogates, private-use and unassigned code points. Bidi overrides make "PC 4512"
# display as something else in a list or a report; the others hide text from a reader or break the stored string.
_REFUSED = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


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


def unsafe_char(text: str) -> str | None:
    """The first character of `text` a reader could not see for what it is (see _REFUSED), else None."""
    for ch in text:
        if unicodedata.category(ch) in _REFUSED:
            return ch
    return None


def clean_text(value: str, what: str) -> str | None:
    """Trimmed identifier text, None when blank. ValueError for control or bidi characters or excess length."""
    text = value.strip()
    if not text:
        return None
    bad = unsafe_char(text)
    if bad is not None:
        kind = "bidi/format" if unicodedata.category(bad) == "Cf" else "control or invisible"
        raise ValueError(f"{what} contains a {kind} character (U+{ord(bad):04X}); only visible text is allowed")
    if len(text) > MAX_TEXT:
        raise ValueError(f"{what} is longer than {MAX_TEXT} characters")
    return text


def parse_start_time(text: str) -> dt.datetime:
    """ISO-8601 with an explicit zone ('2024-05-01T14:03:22.433Z' or '+01:00'), returned in UTC."""
    s = text.strip()
    shown = repr(s[:40] + ("..." if len(s) > 40 else ""))  # repr escapes what cannot be shown as it is
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    try:
        t = dt.datetime.fromisoformat(s)
    except ValueError:
        raise ValueError(f"start_time {shown} is not an ISO-8601 date-time (e.g. 2024-05-01T14:03:22.433Z)") from None
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"start_time {shown} has no time zone; write it in UTC with a trailing Z")
    try:
        t = t.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 shifted across midnight by its offset
        t = None
    if t is None or not EARLIEST <= t < LATEST:
        raise ValueError(f"start_time {shown} is out of range: camera start times must lie between "
                         f"{EARLIEST.year} and {LATEST.year - 1}")
    return t


def read_sidecar(media: Path) -> Sidecar | None:
    """The sidecar for `media`, None if there is none. SidecarError if one exists but is unusable."""
    path = find_sidecar(media)
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:
            blob = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise SidecarError(path, f"cannot be read ({exc.strerror or exc})") from None
    if len(blob) > MAX_BYTES:
        raise SidecarError(path, f"is larger than {MAX_BYTES // 1024} KiB; a sidecar holds a few short fields")
    try:
        raw = blob.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SidecarError(path, "is not UTF-8 text") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SidecarError(path, f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:  # the parser recurses per bracket; a flat schema never nests
        raise SidecarError(path, "is nested too deeply; it must be one flat JSON object") from None
    if not isinstance(data, dict):
        raise SidecarError(path, "must be a JSON object like {\"officer_id\": \"...\"}")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        shown = ", ".join(n if n.isprintable() and len(n) <= 40 else ascii(n[:40]) for n in unknown[:5])
        raise SidecarError(path, f"has unknown field(s) {shown}; allowed: {', '.join(FIELDS)}")
    values: dict[str, object] = {}
    try:
        for key in FIELDS:
            v = data.get(key)
            if v is None:
                continue
            if not isinstance(v, str):
                kind = {dict: "an object", list: "a list", bool: "true/false"}.get(type(v), "a number")
                raise ValueError(f"{key} must be a string, not {kind}")
            values[key] = parse_start_time(v) if key == "start_time" else clean_text(v, key)
    except ValueError as exc:
        raise SidecarError(path, str(exc)) from None
    return Sidecar(path=path, **values)  # type: ignore[arg-type]
