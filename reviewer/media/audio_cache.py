"""Arrays derived from a recording's audio (waveform peaks, onset envelopes), cached on disk by its SHA-256.

An original never changes, so neither does what is derived from it: the decode is paid once per recording. A
recording with no audio is cached too, as such. A file that cannot be read is deleted and recomputed, never
trusted and never fatal.
"""

from __future__ import annotations

import contextlib
import logging
import zipfile
from pathlib import Path

import numpy as np

from reviewer.atomic import atomic_writer

log = logging.getLogger(__name__)


class AudioArrayCache:
    """Subclasses name their files (`suffix`, with a format version) and convert: `decode(npz)` builds the value
    from an open .npz (raise ValueError when it does not make sense), `encode(value)` gives the arrays to store."""

    suffix = ".npz"
    what = "audio cache"

    def __init__(self, root: Path):
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        return self.root / f"{sha256}{self.suffix}"

    def load(self, sha256: str):
        """The cached value (None: cached as "no audio"); KeyError when there is none or it was unusable."""
        path = self.path_for(sha256)
        if not path.exists():
            raise KeyError(sha256)
        try:
            with np.load(path, allow_pickle=False) as data:
                if not bool(data["has_audio"]):
                    return None
                return self.decode(data)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            log.warning("%s %s unusable (%s); recomputing", self.what, path, exc)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            raise KeyError(sha256) from None

    def save(self, sha256: str, value) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        with atomic_writer(self.path_for(sha256), "wb") as fh:
            np.savez(fh, has_audio=np.array(value is not None), **self.encode(value))

    def decode(self, data):
        raise NotImplementedError

    def encode(self, value) -> dict[str, np.ndarray]:
        raise NotImplementedError
