"""Footage on demand, assembled for the app and the sync loop: one object per signed-in library that lists the
store's recordings (catalog.py), fetches on open or on request (downloads.py, the queue in download_manager.py),
keeps the cache within its budget (cache.py) and applies the store's purges (purges.py).

    footage = Footage(library, open_client(library))   # open_client: reviewer/sync/link.py
    footage.refresh()                                  # the library now lists the store's recordings
    library.open_recording(rid)                        # downloads first if the footage is not here
    footage.on_store_event(event)                      # from the store's event stream (the sync loop)
    footage.close()
"""

from __future__ import annotations

import threading

import httpx

from reviewer.progress import NO_TASK, Task
from reviewer.sync import cache, catalog, purges
from reviewer.sync.download_manager import DownloadManager
from reviewer.sync.downloads import ensure_local, reset_interrupted

# events of the store's stream that change what the catalog shows
LISTING_EVENTS = {"recording_registered", "recording_available", "recording_withdrawn", "recording_probed",
                  "recording_changed", "recording_restored", "resync"}


class Footage:
    def __init__(self, library, client: httpx.Client, parallel: int = 2):
        self.library, self.client = library, client
        self.downloads = DownloadManager(library, client, parallel, fetch=self.fetch)
        self.open_ids: set[str] = set()  # recordings open in a window: the cache keeps them
        self._cache_lock = threading.Lock()
        library.attach_footage(self.fetch)
        reset_interrupted(library)  # "downloading" rows a killed process left behind

    def fetch(self, recording_id: str, task: Task = NO_TASK, on_bytes=None):
        """The footage, downloaded if needed; then the cache is brought back within its budget (the recording
        just fetched counts as open, so it is not what makes room)."""
        view = ensure_local(self.library, self.client, recording_id, task, on_bytes)
        self.enforce_cache(also_keep=view.id)
        return view

    def refresh(self, task: Task = NO_TASK) -> catalog.CatalogReport:
        return catalog.refresh(self.library, self.client, task)

    def on_store_event(self, event: dict) -> None:
        """One event of GET /api/v1/events ({"event": kind, "data": {...}}): purges act at once; changes to what
        the store lists refresh the catalog."""
        kind = event.get("event") or event.get("data", {}).get("kind")
        if kind in purges.KINDS:
            purges.on_store_event(self.library, event)
        elif kind in LISTING_EVENTS:
            self.refresh()

    def opened(self, recording_id: str) -> None:
        self.open_ids.add(recording_id)

    def closed(self, recording_id: str) -> None:
        self.open_ids.discard(recording_id)

    def enforce_cache(self, also_keep: str | None = None) -> cache.CacheReport:
        with self._cache_lock:  # two downloads finishing together must not both count the same room
            keep = frozenset(self.open_ids | ({also_keep} if also_keep else set()))
            return cache.enforce(self.library, open_ids=keep)

    def close(self) -> None:
        self.downloads.close()
        self.library.attach_footage(None)
