"""Error types the core raises. Each carries the file (when there is one) so callers can say which input failed."""

from __future__ import annotations

from pathlib import Path


class ReviewerError(Exception):
    """Base for every error the core raises on purpose."""


class MediaError(ReviewerError):
    """A media file could not be read as footage. The message names the file and the problem."""

    def __init__(self, path: str | Path | None, problem: str):
        self.path = None if path is None else Path(path)
        self.problem = problem
        where = f"{self.path}: " if self.path is not None else ""
        super().__init__(f"{where}{problem}")


class IntegrityError(ReviewerError):
    """An original no longer matches the hash recorded at ingest."""

    def __init__(self, path: str | Path, expected: str, actual: str):
        self.path = Path(path)
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{self.path}: integrity check failed: expected SHA-256 {expected}, found {actual}; "
            "the original has been altered or damaged and will not be opened"
        )


class Cancelled(ReviewerError):
    """Long work was cancelled by the user."""

    def __init__(self, what: str = "operation"):
        super().__init__(f"{what} cancelled")


class NotFound(ReviewerError):
    """A library object (recording, bookmark, ...) does not exist."""


class StillUploading(ReviewerError):
    """A recording the central store lists (announced by its dock, metadata first) whose footage is still on its
    way to the store: nothing can be downloaded or opened yet."""

    def __init__(self, recording_id: str, file_name: str):
        self.recording_id = recording_id
        super().__init__(f"recording {recording_id[:8]} ({file_name}): still uploading from the dock to the central "
                         "store; it can be opened once the store has received and verified it")
