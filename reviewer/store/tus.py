"""The tus 1.0 protocol core we serve (core, creation, termination, expiration): header names, parsing and the
errors that map to its status codes. Transport-free, so it is tested without a server (ADR 0008)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from email.utils import format_datetime

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
CHECKSUM_MISMATCH = 460  # the status the tus checksum extension gives a body whose checksum does not match
METADATA_SHA256 = "sha256"  # Upload-Metadata key carrying the whole file's SHA-256 (hex), required at creation

_KEY = re.compile(r"^[^\s,]+$")
_SHA = re.compile(r"^[0-9a-fA-F]{64}$")


class TusError(Exception):
    """A request the protocol refuses: status code and a one-line reason for the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def parse_metadata(header: str | None) -> dict[str, str]:
    """Upload-Metadata: comma-separated `key base64(value)` pairs; a key alone means an empty value."""
    out: dict[str, str] = {}
    for part in (header or "").split(","):
        part = part.strip()
        if not part:
            continue
        key, _, value = part.partition(" ")
        if not _KEY.match(key) or key in out:
            raise TusError(400, f"Upload-Metadata: bad or repeated key {key!r}")
        try:
            out[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8") if value.strip() else ""
        except (binascii.Error, UnicodeDecodeError):
            raise TusError(400, f"Upload-Metadata: value of {key!r} is not base64 of UTF-8 text") from None
    return out


def declared_sha256(metadata: dict[str, str]) -> str:
    sha = metadata.get(METADATA_SHA256, "")
    if not _SHA.match(sha):
        raise TusError(400, "Upload-Metadata must declare the file's SHA-256: key 'sha256', 64 hex digits")
    return sha.lower()


def parse_non_negative(name: str, value: str | None) -> int:
    if value is None:
        raise TusError(400, f"{name} header is required")
    if not value.isdigit():
        raise TusError(400, f"{name} must be a non-negative integer, not {value!r}")
    return int(value)


def check_resumable(value: str | None) -> None:
    if value != TUS_VERSION:
        raise TusError(412, f"Tus-Resumable {value!r} is not supported; this server speaks {TUS_VERSION}")


def http_date(when: dt.datetime) -> str:
    return format_datetime(when.astimezone(dt.timezone.utc), usegmt=True)
