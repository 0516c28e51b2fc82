"""A docked file registers its recording from its sidecar, with no administrator's step: the incident from its
reference, the camera, the officer and the camera start; unknown references go to an "unfiled" incident that
every supervisor sees until someone is assigned. Real store processes (embedded; PostgreSQL + SeaweedFS), the real
`reviewer store dock` command, and a real event-stream client."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from reviewer.store.config import load_config
from reviewer.store.db import open_store_database
from reviewer.store.dock import Dock
from reviewer.store.dock_client import StoreClient
from reviewer.store.models import AuditEvent
from tests.fixtures import clips
from tests.store import services
from tests.store.retention_world import people, rstore  # noqa: F401  (fixture)
from tests.store.sse import Listener
from tests.store.test_dock import dock_process, dock_thread, state_of, wait_for


@pytest.fixture(scope="module")
def p(rstore):  # noqa: F811
    return people(rstore)


def audit_events(store, action: str, object_id: str) -> list[AuditEvent]:
    engine, sessions = open_store_database(load_config(store.config).db_url)
    try:
        with sessions() as s:
            return s.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                      AuditEvent.object_id == object_id)).all()
    finally:
        engine.dispose()


def dock_files(p, watch: Path, names: list[str]) -> None:
    """The dock library (the same code as the command) until the store confirmed every file."""
    dock = Dock(watch, StoreClient(p.store.url, token=p.store.token), settle=0.1, chunk_size=1 << 20)
    with dock_thread(dock):
        wait_for(lambda: all(state_of(watch).get(n, {}).get("state") == "confirmed" for n in names),
                 f"the store's confirmation of {names}")


def test_a_docked_file_is_registered_from_its_sidecar_and_announced(p, tmp_path):
    reference = "INC-" + os.urandom(3).hex()
    incident = p.ok("sup", "POST", "/api/v1/admin/incidents", json={"reference": reference})["id"]
    p.ok("sup", "PUT", f"/api/v1/admin/incidents/{incident}/assignments/{p.ids['inv']}")
    watch = tmp_path / "camera"
    watch.mkdir()
    clip = clips.make("cfr_noaudio", tmp_path)
    name = "BWV-00731_0001.mp4"
    (watch / name).write_bytes(clip.path.read_bytes())
    sidecar = {"officer_id": "PC 4512", "device_id": "BWV-00731", "start_time": "2024-05-01T15:03:22.433+01:00",
               "incident_ref": reference}
    (watch / (name + ".json")).write_text(json.dumps(sidecar))
    sha = hashlib.sha256(clip.path.read_bytes()).hexdigest()
    inv, inv2 = Listener(p.store.url, p.tokens["inv"]), Listener(p.store.url, p.tokens["inv2"])
    try:
        code = services.add_user(p.store.config, "dock-" + os.urandom(4).hex(), "dock")
        with dock_process(watch, p.store.url, "--settle", "0.2", "--enrol", code) as dock:
            ev = inv.next("recording_registered", sha)
            wait_for(lambda: state_of(watch).get(name, {}).get("state") == "confirmed", "confirmation",
                     proc=dock, log=dock.log)
        assert ev["data"]["incident_id"] == incident and ev["data"]["file_name"] == name
        assert ev["data"]["unfiled"] is False
        rec = p.ok("inv", "GET", f"/api/v1/recordings/{sha}")
        assert (rec["incident_id"], rec["file_name"], rec["camera"], rec["officer"]) == \
            (incident, name, "BWV-00731", "PC 4512")
        assert dt.datetime.fromisoformat(rec["started_at"]) == dt.datetime(2024, 5, 1, 14, 3, 22, 433000,
                                                                            tzinfo=dt.timezone.utc)
        assert rec["size"] == clip.path.stat().st_size
        # the probe follows, and the sync listing carries its summary
        inv.next("recording_probed", sha, timeout=120)
        listed = {r["sha256"]: r for r in p.ok("inv", "GET", "/api/v1/recordings")["recordings"]}
        probe = listed[sha]["probe"]
        assert (probe["state"], probe["frame_count"], probe["fps"], probe["width"], probe["height"],
                probe["codec"]) == ("ok", 150, 30.0, 320, 240, "h264")
        assert probe["media"]["frame_count"] == 150 and "path" not in probe["media"]
        assert listed[sha]["incident_reference"] == reference
        assert listed[sha]["thumbnail_url"] == f"/api/v1/recordings/{sha}/thumbnail"
        assert all(e["data"]["sha256"] != sha for e in inv2.seen)  # not assigned: never told
        assert p.call("inv2", "GET", f"/api/v1/recordings/{sha}").status_code == 404
    finally:
        inv.close()
        inv2.close()
    [event] = audit_events(p.store, "recording_register", sha)
    details = json.loads(event.details)
    assert event.actor.startswith("dock-") and details["source"] == "dock" and details["incident"] == incident


def test_an_unknown_reference_is_unfiled_seen_by_supervisors_until_someone_is_assigned(p, tmp_path, rstore):  # noqa: F811
    reference = "NEW-" + os.urandom(3).hex()
    watch = tmp_path / "camera"
    watch.mkdir()
    names = ["cam_a.mp4", "cam_b.mp4"]
    shas = {}
    for n in names:
        data = os.urandom(40_000)
        (watch / n).write_bytes(data)
        (watch / (n + ".json")).write_text(json.dumps({"incident_ref": reference, "officer_id": "PC 1"}))
        shas[n] = hashlib.sha256(data).hexdigest()
    code = services.add_user(rstore.config, f"sup2-{os.urandom(3).hex()}", "supervisor")
    p.tokens["sup2"] = services.enrol(rstore.url, code)["access_token"]
    sup2 = Listener(p.store.url, p.tokens["sup2"])
    try:
        dock_files(p, watch, names)
        ev = sup2.next("recording_registered", shas["cam_a.mp4"])  # a supervisor assigned to nothing is told
    finally:
        sup2.close()
    unfiled = ev["data"]["incident_id"]
    assert ev["data"]["unfiled"] is True
    # both files of the reference went to one incident, made by the store
    for who in ("sup", "sup2", "psd"):
        inc = p.ok(who, "GET", f"/api/v1/incidents/{unfiled}")
        assert inc["reference"] == reference and inc["unfiled"] is True and "Unfiled" in inc["title"]
        assert {r["sha256"] for r in p.ok(who, "GET", f"/api/v1/incidents/{unfiled}/recordings")} == \
            set(shas.values())
    for who in ("inv", "trainer"):
        assert p.call(who, "GET", f"/api/v1/incidents/{unfiled}").status_code == 404
        assert not set(shas.values()) & {r["sha256"] for r in p.ok(who, "GET", "/api/v1/recordings")["recordings"]}
    [made] = audit_events(p.store, "incident_add", unfiled)
    assert json.loads(made.details)["unfiled"] is True and reference in json.loads(made.details)["why"]
    # assigning someone files it: the investigator now sees it, the other supervisor no longer does
    p.ok("sup", "PUT", f"/api/v1/admin/incidents/{unfiled}/assignments/{p.ids['inv']}")
    assert p.ok("inv", "GET", f"/api/v1/incidents/{unfiled}")["unfiled"] is False
    assert p.call("sup2", "GET", f"/api/v1/incidents/{unfiled}").status_code == 404
    assert p.ok("psd", "GET", f"/api/v1/incidents/{unfiled}")["reference"] == reference
    assert len(audit_events(p.store, "incident_filed", unfiled)) == 1
    # a later file with the same reference joins the now filed incident
    later = os.urandom(30_000)
    (watch / "cam_c.mp4").write_bytes(later)
    (watch / "cam_c.mp4.json").write_text(json.dumps({"incident_ref": reference}))
    dock_files(p, watch, ["cam_c.mp4"])
    sha_c = hashlib.sha256(later).hexdigest()
    assert p.ok("inv", "GET", f"/api/v1/recordings/{sha_c}")["incident_id"] == unfiled


def test_no_sidecar_or_a_bad_one_still_registers_the_footage_unfiled_and_says_why(p, tmp_path):
    watch = tmp_path / "camera"
    watch.mkdir()
    bare, bad = os.urandom(20_000), os.urandom(20_001)
    (watch / "bare.mp4").write_bytes(bare)
    (watch / "bad.mp4").write_bytes(bad)
    (watch / "bad.mp4.json").write_text(json.dumps({"incident_ref": "X", "start_time": "2024-05-01T14:00:00"}))
    dock_files(p, watch, ["bare.mp4", "bad.mp4"])
    sha_bare, sha_bad = (hashlib.sha256(d).hexdigest() for d in (bare, bad))
    rec_bare, rec_bad = (p.ok("sup", "GET", f"/api/v1/recordings/{s}") for s in (sha_bare, sha_bad))
    assert rec_bare["incident_id"] == rec_bad["incident_id"]  # the one unfiled incident without a reference
    inc = p.ok("sup", "GET", f"/api/v1/incidents/{rec_bare['incident_id']}")
    assert inc["unfiled"] is True and inc["reference"] == ""
    assert rec_bad["started_at"] is None and rec_bad["camera"] == ""  # nothing guessed from a refused sidecar
    [event] = audit_events(p.store, "recording_register", sha_bad)
    assert json.loads(event.details)["sidecar_problem"] == \
        "bad.mp4: sidecar start_time '2024-05-01T14:00:00' has no time zone; write it in UTC with a trailing Z"


def test_uploads_by_a_supervisor_or_without_a_file_name_are_not_registered(p):
    import base64
    import hashlib

    import httpx

    from tests.store.world import upload

    bare = upload(p.store, os.urandom(5000))  # the dock's user, but no file name: a blob, not a camera file
    data = os.urandom(5001)  # a supervisor's upload (a redacted rendition for training), named like a camera file
    rendition = hashlib.sha256(data).hexdigest()
    meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in
                    {"sha256": rendition, "filename": "clip.mp4", "sidecar": '{"incident_ref": "X"}'}.items())
    tus = {"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {p.tokens['sup']}"}
    r = httpx.post(p.store.uploads, headers={**tus, "Upload-Length": str(len(data)), "Upload-Metadata": meta},
                   timeout=30)
    assert r.status_code == 201, r.text
    r = httpx.patch(p.store.url + r.headers["Location"], content=data, timeout=30,
                    headers={**tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
    assert r.status_code == 204, r.text
    for sha in (bare, rendition):
        assert p.call("sup", "GET", f"/api/v1/recordings/{sha}").status_code == 404
        assert p.call("psd", "GET", f"/api/v1/recordings/{sha}").status_code == 404
