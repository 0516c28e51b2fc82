"""Footage on demand through the real sign-in (reviewer/sync/link.py): `login` with an enrolment code, then the
client `open_client` builds (tokens from the keyring) lists, fetches and opens; a signed-in library takes the
store's word on deletions before its first catalog refresh."""

from __future__ import annotations

import io

from reviewer.govern.purge import default_store_confirms
from reviewer.library import Library
from reviewer.sync import catalog, link, purges
from reviewer.sync.footage import Footage
from tests.fixtures import framecode
from tests.store import footage_world, services


def test_a_signed_in_workstation_lists_fetches_and_opens(tmp_path, home, make_clip):
    from reviewer.cli_sync_footage import run_fetch

    clip = make_clip("cfr_h264")
    with footage_world.start(tmp_path / "srv") as w:
        sha = w.add_recording(clip.path.read_bytes(), "SI-1", "signed.mp4")
        code = services.add_user(w.config, "si-ps", "professional_standards")
        with Library(home) as lib:
            link.login(lib, w.server.url, code)
            assert purges.linked(lib) and not default_store_confirms(lib)(sha)  # before any catalog refresh
            with link.open_client(lib) as client:
                out = io.StringIO()
                assert run_fetch(lib, client, sha, out=out) == 0
                rid = catalog.recording_id_for(sha)
                assert out.getvalue().startswith(f"{rid[:8]}  signed.mp4: downloaded {clip.path.stat().st_size} "
                                                 "bytes, SHA-256 verified")
                footage = Footage(lib, client)
                try:
                    opened = lib.open_recording(rid, reason="signed-in review")
                    reader = opened.reader()
                    try:
                        assert framecode.read(reader.frame(12).rgb(), clip.width) == clip.first_code + 12
                    finally:
                        reader.close()
                finally:
                    footage.close()
            ev = [e for e in lib.gov.audit.events() if e.action in ("recording.download", "recording.open")]
            assert [(e.action, e.role) for e in ev] == [("recording.download", "professional_standards"),
                                                        ("recording.open", "professional_standards")]
