"""Footage on demand against a real store process: the catalog lists what the user may see (with thumbnails),
opening a remote recording downloads and verifies it into the read-only originals store, a damaged partial is
refused and removed, and a download killed with -9 resumes re-fetching at most one chunk."""

from __future__ import annotations

import hashlib
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reviewer.library import Library
from reviewer.sync import catalog
from reviewer.sync.downloads import downloads_dir, ensure_local
from reviewer.sync.fetch import CHUNK, DownloadError, fetch, partial_path
from tests.fixtures import framecode
from tests.store import footage_world
from tests.store.faultproxy import FaultProxy


@pytest.fixture(scope="module")
def fs(tmp_path_factory, clip_dir):
    from tests.fixtures import clips

    with footage_world.start(tmp_path_factory.mktemp("footage") / "srv") as w:
        w.user("inv-a", "investigator")
        w.user("inv-b", "investigator")
        w.user("ps", "professional_standards")
        clip = clips.make("cfr_h264", clip_dir)
        w.clip = clip
        w.sha = w.add_recording(clip.path.read_bytes(), "FD-1", "cam7.mp4")
        w.incident("FD-1", assign=("inv-a",))
        w.other = w.add_recording(os.urandom(3000), "FD-2", "other.mp4", probed=False)  # inv-a is not assigned
        w.big = os.urandom(12 * CHUNK + 777)
        w.big_sha = w.add_recording(w.big, "FD-1", "big.bin", probed=False)
        yield w


def _events(lib: Library, since: int = 0) -> list[tuple[str, str]]:
    return [(e.action, e.outcome) for e in lib.gov.audit.events() if e.seq > since]


def test_catalog_lists_what_the_user_may_see_and_opening_downloads_it(fs, home):
    with fs.client("inv-a") as client, Library(home) as lib:
        report = catalog.refresh(lib, client)
        shas = {v.sha256: v for v in lib.recordings()}
        assert set(shas) == {fs.sha, fs.big_sha}  # not the unassigned incident's recording
        view = shas[fs.sha]
        assert view.availability == "remote" and view.store_state == "assigned"
        assert view.id == catalog.recording_id_for(fs.sha) and view.incident_ref == "FD-1"
        assert view.frame_count == fs.clip.frames  # the store's probe summary
        assert view.thumbnail_path is not None and view.thumbnail_path.read_bytes().startswith(b"\x89PNG")
        assert report.added and ("catalog.refresh", "ok") in _events(lib)
        assert not view.original_path.exists()

        lib.attach_footage(lambda rid, task: ensure_local(lib, client, rid, task))
        before = lib.gov.audit.count()
        opened = lib.open_recording(view.id, reason="complaint CR-9")
        assert _events(lib, before) == [("recording.download", "ok"), ("recording.open", "ok")]
        assert opened.view.availability == "local" and opened.view.integrity == "ok"
        path = opened.path
        assert hashlib.sha256(path.read_bytes()).hexdigest() == fs.sha
        assert stat.S_IMODE(path.stat().st_mode) == 0o400 and path.parent.parent == lib.paths.originals
        reader = opened.reader()
        try:
            assert framecode.read(reader.frame(17).rgb(), fs.clip.width) == fs.clip.first_code + 17
        finally:
            reader.close()
        assert not list(downloads_dir(lib).glob("*.part"))
        # a second refresh adds nothing and keeps the downloaded copy local
        again = catalog.refresh(lib, client)
        assert again.added == [] and lib.get(view.id).availability == "local"


def test_evicted_footage_is_downloaded_again_when_opened(fs, home):
    from reviewer.sync import cache

    with fs.client("ps") as client, Library(home) as lib:
        catalog.refresh(lib, client, thumbnails=False)
        rid = catalog.recording_id_for(fs.sha)
        assert lib.get(rid).store_state == "listed"  # professional standards see every incident: none assigned
        ensure_local(lib, client, rid)
        report = cache.enforce(lib, 0)
        assert [e.ids for e in report.evicted] == [(rid,)]
        evicted = lib.get(rid)
        assert evicted.availability == "evicted" and not evicted.original_path.exists()
        lib.attach_footage(lambda r, task: ensure_local(lib, client, r, task))
        before = lib.gov.audit.count()
        opened = lib.open_recording(rid, reason="second look")
        ev = [e for e in lib.gov.audit.events() if e.seq > before]
        assert [(e.action, e.outcome) for e in ev] == [("recording.download", "ok"), ("recording.open", "ok")]
        assert ev[0].details["received"] == fs.clip.path.stat().st_size
        reader = opened.reader()
        try:
            assert framecode.read(reader.frame(40).rgb(), fs.clip.width) == fs.clip.first_code + 40
        finally:
            reader.close()


def test_without_a_store_a_remote_recording_says_how_to_get_it(fs, home):
    with fs.client("inv-a") as client, Library(home) as lib:
        catalog.refresh(lib, client, thumbnails=False)
    with Library(home) as lib:
        rid = catalog.recording_id_for(fs.sha)
        with pytest.raises(Exception) as exc:
            lib.open_recording(rid, reason="check")
        assert str(exc.value) == (f"recording {rid[:8]} (cam7.mp4): its footage is in the central store only; "
                                  "connect to the store (reviewer sync login) to download it")


def test_a_damaged_partial_is_refused_and_removed(fs, home):
    data = fs.clip.path.read_bytes()
    with fs.client("inv-a") as client, Library(home) as lib:
        catalog.refresh(lib, client, thumbnails=False)
        rid = catalog.recording_id_for(fs.sha)
        part = partial_path(downloads_dir(lib), fs.sha)
        part.parent.mkdir(parents=True, exist_ok=True)
        damaged = bytearray(data[:len(data) // 2])
        damaged[1000] ^= 0xFF  # a bit flipped on disk while the download was paused
        part.write_bytes(bytes(damaged))
        before = lib.gov.audit.count()
        with pytest.raises(DownloadError) as exc:
            ensure_local(lib, client, rid)
        got = hashlib.sha256(bytes(damaged) + data[len(damaged):]).hexdigest()
        assert str(exc.value) == (f"{part}: downloaded content has SHA-256 {got}, expected {fs.sha}; "
                                  "refused and removed (download again)")
        assert not part.exists()
        assert lib.get(rid).availability == "remote" and not lib.store.find(fs.sha)
        assert _events(lib, before) == [("recording.download", "failed")]
        # the next attempt starts from nothing and succeeds
        view = ensure_local(lib, client, rid)
        assert view.availability == "local" and lib.store.find(fs.sha).read_bytes() == data


def test_a_recording_not_visible_is_refused_with_the_stores_answer(fs, tmp_path):
    with fs.client("inv-b") as client:
        with pytest.raises(DownloadError) as exc:
            fetch(client, fs.sha, tmp_path)
    assert str(exc.value).startswith(f"recording {fs.sha}: not in the central store, or not visible to you")
    assert not list(tmp_path.iterdir())


KILLED_FETCH = """
import sys
from pathlib import Path
import httpx
from reviewer.store.client_auth import StoreAuth, Tokens
from reviewer.sync.fetch import fetch
url, server, token, sha, folder = sys.argv[1:6]
tokens = Tokens(token, __import__("datetime").datetime(2999, 1, 1, tzinfo=__import__("datetime").timezone.utc),
                "", "inv-a", "investigator")
with httpx.Client(base_url=url, auth=StoreAuth(server, tokens)) as c:
    fetch(c, sha, Path(folder))
"""


def test_a_download_killed_mid_way_resumes_refetching_at_most_one_chunk(fs, tmp_path):
    """kill -9 of the downloading process, then a new process finishes: the bytes the store sent in all (counted
    by a proxy between them) exceed the recording's size by at most one chunk (plus the HTTP headers)."""
    folder = tmp_path / "downloads"
    part = partial_path(folder, fs.big_sha)
    token = fs.users["inv-a"][1].access_token
    with FaultProxy(int(fs.server.url.rsplit(":", 1)[1])) as proxy:
        proxy.set_delay(0.002)  # slow enough to be caught mid-way, as a slow link would be
        repo = Path(__file__).resolve().parents[2]
        env = {**os.environ, "PYTHONPATH": str(repo)}
        proc = subprocess.Popen([sys.executable, "-c", KILLED_FETCH, proxy.url, fs.server.url, token, fs.big_sha,
                                 str(folder)], env=env)
        deadline = time.monotonic() + 120
        while not (part.exists() and part.stat().st_size >= 5 * CHUNK):
            assert proc.poll() is None, "the download ended before it could be killed"
            assert time.monotonic() < deadline, "the download made no progress"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        held = part.stat().st_size
        assert 5 * CHUNK <= held < len(fs.big)
        first = proxy.down_bytes
        proxy.passing()
        with fs.client("inv-a", url=proxy.url) as client:
            got = fetch(client, fs.big_sha, folder)
        second = proxy.down_bytes - first
    assert got.resumed_from == held and got.received == len(fs.big) - held
    assert part.read_bytes() == fs.big
    headers = 4096  # two responses' status lines and headers
    refetched = first + second - len(fs.big) - headers
    print(f"\nre-fetched {refetched} bytes after kill -9 (held {held}, chunk {CHUNK})")
    assert refetched <= CHUNK, f"re-fetched {refetched} bytes (first run {first}, second {second}, held {held})"


def _slow_client(fs, proxy):
    proxy.set_delay(0.05)  # about 1.3 MB/s in 64 KB reads: a download lasts long enough to pause and cancel
    return fs.client("inv-a", url=proxy.url)


def test_the_queue_pauses_resumes_and_reports_progress_with_an_eta(fs, home):
    from reviewer.sync.download_manager import DownloadManager

    seen: list[dict] = []
    with FaultProxy(int(fs.server.url.rsplit(":", 1)[1])) as proxy, _slow_client(fs, proxy) as client, \
            Library(home) as lib:
        catalog.refresh(lib, client, thumbnails=False)
        rid = catalog.recording_id_for(fs.sha)
        manager = DownloadManager(lib, client, parallel=1)
        manager.subscribe(lambda name, ev: seen.append(ev))
        try:
            manager.enqueue(rid)
            deadline = time.monotonic() + 60
            while not any(e["state"] == "running" and e["done"] > 0 and e["eta_s"] for e in seen):
                assert time.monotonic() < deadline, seen[-3:]
                time.sleep(0.01)
            manager.pause(rid)
            paused = manager.wait(rid)
            part = partial_path(downloads_dir(lib), fs.sha)
            assert paused.state == "paused" and 0 < part.stat().st_size < fs.clip.path.stat().st_size
            assert lib.get(rid).availability == "remote"
            held = part.stat().st_size
            proxy.passing()
            manager.resume(rid)
            done = manager.wait(rid)
            assert done.state == "done" and done.done == done.total == fs.clip.path.stat().st_size
            assert lib.get(rid).availability == "local" and not part.exists()
        finally:
            manager.close()
        states = [e["state"] for e in seen]
        assert states[0] == "queued" and "paused" in states and states[-1] == "done"
        running = [e for e in seen if e["state"] == "running" and e["rate"] > 0]
        assert running and all(e["eta_s"] is not None and e["total"] == fs.clip.path.stat().st_size
                               for e in running)
        # the resumed run started from the partial: its first progress report is at the bytes held
        after_pause = [e for e in seen[states.index("paused") + 1:] if e["state"] == "running" and e["done"]]
        assert after_pause[0]["done"] >= held


def test_the_queue_cancels_and_removes_the_partial(fs, home):
    from reviewer.sync.download_manager import DownloadManager

    with FaultProxy(int(fs.server.url.rsplit(":", 1)[1])) as proxy, _slow_client(fs, proxy) as client, \
            Library(home) as lib:
        catalog.refresh(lib, client, thumbnails=False)
        rid = catalog.recording_id_for(fs.sha)
        part = partial_path(downloads_dir(lib), fs.sha)
        manager = DownloadManager(lib, client, parallel=1)
        try:
            manager.enqueue(rid)
            deadline = time.monotonic() + 60
            while not (part.exists() and part.stat().st_size > 0):
                assert time.monotonic() < deadline
                time.sleep(0.01)
            manager.cancel(rid)
            assert manager.wait(rid).state == "cancelled"
        finally:
            manager.close()
        assert not part.exists() and lib.get(rid).availability == "remote"
        assert lib.store.find(fs.sha) is None


def test_sync_fetch_by_sha_downloads_once_and_says_so(fs, home):
    import io

    from reviewer.cli_sync_footage import run_fetch
    from reviewer.errors import NotFound

    with fs.client("inv-a") as client, Library(home) as lib:
        out = io.StringIO()
        assert run_fetch(lib, client, fs.sha.upper(), out=out) == 0
        view = lib.get(catalog.recording_id_for(fs.sha))
        assert out.getvalue() == (f"{view.short_id}  cam7.mp4: downloaded {view.size} bytes, SHA-256 verified "
                                  f"({view.original_path})\n")
        out = io.StringIO()
        assert run_fetch(lib, client, view.short_id, refresh=False, out=out) == 0
        assert out.getvalue() == f"{view.short_id}  cam7.mp4: already in the library ({view.original_path})\n"
        with pytest.raises(NotFound) as exc:
            run_fetch(lib, client, fs.other, out=io.StringIO())  # in the store, but not visible to inv-a
        assert str(exc.value) == f"no recording with SHA-256 {fs.other} in the library or the store's listing"


def test_a_second_download_of_the_same_recording_is_refused_while_the_first_runs(fs, home):
    from reviewer.sync.download_manager import DownloadManager

    with FaultProxy(int(fs.server.url.rsplit(":", 1)[1])) as proxy, _slow_client(fs, proxy) as client, \
            Library(home) as lib:
        catalog.refresh(lib, client, thumbnails=False)
        rid = catalog.recording_id_for(fs.sha)
        part = partial_path(downloads_dir(lib), fs.sha)
        manager = DownloadManager(lib, client, parallel=1)
        try:
            manager.enqueue(rid)
            deadline = time.monotonic() + 60
            while not (part.exists() and part.stat().st_size > 0):
                assert time.monotonic() < deadline
                time.sleep(0.01)
            with pytest.raises(DownloadError) as exc:
                fetch(client, fs.sha, downloads_dir(lib))
            assert str(exc.value) == (f"recording {fs.sha}: already being downloaded (by another window or "
                                      "process); wait for that download to finish")
            proxy.passing()
            assert manager.wait(rid).state == "done"
        finally:
            manager.close()
        assert lib.store.find(fs.sha).read_bytes() == fs.clip.path.read_bytes()


def test_a_recording_registered_while_connected_is_listed_and_opens(fs, home, clip_dir):
    """The store's event stream drives the catalog: the new recording is listed at once and opens (downloaded)."""
    from tests.fixtures import clips
    from reviewer.sync.footage import Footage
    from tests.store.sse import Listener

    clip = clips.make("vfr_h264", clip_dir)
    with fs.client("inv-a") as client, Library(home) as lib:
        footage = Footage(lib, client)
        try:
            footage.refresh()
            listener = Listener(fs.server.url, fs.users["inv-a"][1].access_token)
            sha = fs.add_recording(clip.path.read_bytes(), "FD-1", "late.mp4")
            footage.on_store_event(listener.next("recording_registered", sha))
            view = lib.get(catalog.recording_id_for(sha))
            assert view.availability == "remote" and view.file_name == "late.mp4"
            opened = lib.open_recording(view.id, reason="new footage")
            reader = opened.reader()
            try:
                assert framecode.read(reader.frame(9).rgb(), clip.width) == clip.first_code + 9
            finally:
                reader.close()
        finally:
            footage.close()


def test_a_download_left_running_by_a_killed_process_is_shown_remote_again(fs, home):
    from reviewer.sync.downloads import reset_interrupted, set_availability

    with fs.client("inv-a") as client, Library(home) as lib:
        catalog.refresh(lib, client, thumbnails=False)
        rid = catalog.recording_id_for(fs.big_sha)
        set_availability(lib, rid, "downloading")  # what a process killed mid-download leaves
        part = partial_path(downloads_dir(lib), fs.big_sha)
        part.parent.mkdir(parents=True, exist_ok=True)
        part.write_bytes(fs.big[:CHUNK])
        assert reset_interrupted(lib) == [rid] and lib.get(rid).availability == "remote"
        assert part.read_bytes() == fs.big[:CHUNK]  # kept, to resume from


def test_footage_altered_in_the_store_is_refused_and_nothing_is_kept(fs, home):
    """The store cuts a whole download of a rotted blob short; the resumed ranged request then delivers the rot,
    and the client's own SHA-256 check refuses it: no partial, nothing in the originals store."""
    stored = fs.server.home / "blobs" / fs.big_sha[:2] / fs.big_sha
    os.chmod(stored, 0o644)
    stored.write_bytes(fs.big[:-1] + bytes([fs.big[-1] ^ 1]))
    try:
        with fs.client("inv-a") as client, Library(home) as lib:
            catalog.refresh(lib, client, thumbnails=False)
            rid = catalog.recording_id_for(fs.big_sha)
            with pytest.raises(DownloadError) as exc:
                ensure_local(lib, client, rid)
            part = partial_path(downloads_dir(lib), fs.big_sha)
            assert str(exc.value).startswith(f"{part}: downloaded content has SHA-256 ")
            assert str(exc.value).endswith(f", expected {fs.big_sha}; refused and removed (download again)")
            assert not part.exists() and lib.store.find(fs.big_sha) is None
            assert lib.get(rid).availability == "remote"
    finally:
        stored.write_bytes(fs.big)
        os.chmod(stored, 0o444)


def test_an_unreachable_store_is_named_in_one_line(fs, tmp_path):
    with FaultProxy(int(fs.server.url.rsplit(":", 1)[1])) as proxy:
        url = proxy.url
    with fs.client("inv-a", url=url) as client:  # the proxy is gone: nothing listens there
        with pytest.raises(DownloadError) as exc:
            fetch(client, fs.sha, tmp_path / "downloads")
    msg = str(exc.value)
    assert msg.startswith(f"recording {fs.sha}: cannot reach the central store at {url}") and "\n" not in msg
    assert not list((tmp_path / "downloads").iterdir())


def test_operations_that_waited_for_a_recording_apply_once_the_catalog_lists_it(fs, home):
    """A bookmark made on another workstation reaches this one before the recording is listed here: it waits
    (parked) and is applied by the catalog refresh that adds the recording."""
    import uuid as uuid_mod

    from reviewer.annotate.bookmarks import BookmarkStore
    from reviewer.ops.apply import apply_remote
    from reviewer.ops.envelope import Operation
    from reviewer.ops.hlc import Stamp
    from reviewer.ops.ids import uuid7

    op = Operation(op_id=str(uuid7()), kind="bookmark.create", stamp=Stamp(int(time.time() * 1000), 0, "ws-other"),
                   actor="inv-b", scope_type="recording", scope_id=fs.sha, entity_type="bookmark",
                   entity_id=str(uuid_mod.uuid4()), payload={"pts": 0, "title": "from elsewhere", "note": "",
                                                             "category": "general"})
    with fs.client("inv-a") as client, Library(home) as lib:
        apply_remote(lib.gov, op, "investigator", 1)
        assert BookmarkStore(lib.gov).list() == []
        catalog.refresh(lib, client, thumbnails=False)
        (b,) = BookmarkStore(lib.gov).list(catalog.recording_id_for(fs.sha))
        assert b.id == op.entity_id and b.title == "from elsewhere"


def test_fetching_keeps_the_cache_within_its_budget(fs, home, clip_dir):
    from tests.fixtures import clips
    from reviewer.sync import cache
    from reviewer.sync.footage import Footage

    second = clips.make("cfr_noaudio", clip_dir)
    sha2 = fs.add_recording(second.path.read_bytes(), "FD-3", "second.mp4")  # only the supervisor and ps see it
    with fs.client("ps") as client, Library(home) as lib:
        footage = Footage(lib, client)
        try:
            footage.refresh()
            first, then = catalog.recording_id_for(fs.sha), catalog.recording_id_for(sha2)
            cache.set_budget(lib, fs.clip.path.stat().st_size + second.path.stat().st_size - 1)
            footage.fetch(first)
            assert lib.get(first).availability == "local"
            footage.downloads.enqueue(then)
            assert footage.downloads.wait(then).state == "done"
            assert lib.get(then).availability == "local"
            assert lib.get(first).availability == "evicted" and lib.store.find(fs.sha) is None
        finally:
            footage.close()
