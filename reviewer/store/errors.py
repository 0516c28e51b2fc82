"""Errors of the central store; each message names the object (or file) and the problem."""

from __future__ import annotations

from pathlib import Path

from reviewer.errors import ReviewerError


class StoreError(ReviewerError):
    """Base for the store's anticipated failures."""


class ConfigError(StoreError):
    def __init__(self, path: str | Path | None, problem: str):
        self.path = None if path is None else Path(path)
        super().__init__(f"{self.path}: {problem}" if self.path else problem)


class ChecksumMismatch(StoreError):
    """Bytes whose SHA-256 is not the one they were declared or stored under."""

    def __init__(self, what: str, expected: str, actual: str):
        self.expected, self.actual = expected, actual
        super().__init__(f"{what}: SHA-256 mismatch: expected {expected}, received {actual}; refused")


class BlobNotFound(StoreError):
    def __init__(self, sha256: str):
        super().__init__(f"blob {sha256}: not in the store")


class BlobLocked(StoreError):
    """Deletion refused because the blob is under legal hold or within its retention date."""

    def __init__(self, sha256: str, why: str):
        super().__init__(f"blob {sha256}: deletion refused: {why}")


class RetentionShortened(StoreError):
    def __init__(self, sha256: str, current, requested):
        super().__init__(f"blob {sha256}: retention can only be extended: it runs until {current.isoformat()}, "
                         f"{requested.isoformat()} would shorten it")


class Refused(StoreError):
    """A request the API answers with an error status (`status`, the message as its detail). Raised inside
    db.transact(), the transaction still commits: the refusal's own audit event (and a replayed refresh token's
    revocation) must persist. So raise it before writing any change the refusal should undo."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(message)
