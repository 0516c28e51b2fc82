"""The authorization matrix: every endpoint x role (and anonymous) x (assigned, not assigned, nonexistent id),
against the real server process on SQLite and on PostgreSQL. Each status is written out here from the access
model of ADR 0010, independently of the server's code; a 200 anywhere else is a leak."""

from __future__ import annotations

import hashlib
import os
import uuid

import pytest

from tests.store.chains import chain
from tests.store.world import ROLES, World, build

TARGETS = ("mine", "other", "none")  # assigned to the caller / not assigned / nonexistent
WHO = (*ROLES, None)  # None: no token


@pytest.fixture(scope="module")
def world(store) -> World:
    w = build(store)
    w.names = {role: w.call(role, "GET", "/api/v1/auth/me").json()["name"] for role in w.tokens}
    # audit chains held for two workstations ("mine" and "other" alike: any workstation user may anchor and read)
    w.workstation = {t: f"ws-{t}-{os.urandom(3).hex()}" for t in TARGETS}
    w.chain = {t: chain(w.workstation[t], 2) for t in ("mine", "other")}
    for t in ("mine", "other"):
        r = w.call("investigator", "POST", f"/api/v1/workstations/{w.workstation[t]}/audit",
                   json={"events": w.chain[t]})
        assert r.status_code == 200, r.text
    return w


def an_operation(w: World, incident_id: str):
    """A fresh operation on the incident, in the name of whoever sends it (the store refuses another actor)."""
    return lambda who: {"operations": [{
        "op_id": str(uuid.uuid4()), "kind": "bookmark.create", "hlc": {"wall_ms": 1, "counter": 0},
        "actor": w.names.get(who, "nobody"), "workstation": "ws-matrix", "scope": {"type": "incident",
                                                                                   "id": incident_id},
        "entity": {"type": "bookmark", "id": "b1"}, "payload": {}}]}


def operations(role, target):
    return 403 if role in ("trainer", "dock") else read(role, target)


def chains(role, target):
    return 403 if role == "dock" else (404 if target == "none" else 200)


def sees_incident(role, target) -> bool:
    return (role in ("investigator", "supervisor", "professional_standards") and target == "mine") or \
        (role == "professional_standards" and target == "other")


def read(role, target):
    return 200 if sees_incident(role, target) else 404


def training(role, target):
    if role not in ("trainer", "supervisor"):
        return 403
    if target == "none" or (role == "trainer" and target == "other"):  # "other" is shared but not approved
        return 404
    return 200


def admin(ok_existing, ok_missing=404):
    return lambda role, target: 403 if role != "supervisor" else (ok_missing if target == "none" else ok_existing)


def uploads(ok_existing, ok_missing=404):
    return lambda role, target: 403 if role not in ("dock", "supervisor") else (
        ok_missing if target == "none" else ok_existing)


def endpoints(w: World):
    """(name, method, path(target), json(target), expected(role, target)). Order matters for the assignment
    pair: PUT then DELETE."""
    inc, rec, share = w.incident, w.recording, w.share
    return [
        ("incident detail", "GET", lambda t: f"/api/v1/incidents/{inc[t]}", None, read),
        ("incident recordings", "GET", lambda t: f"/api/v1/incidents/{inc[t]}/recordings", None, read),
        ("recording metadata", "GET", lambda t: f"/api/v1/recordings/{rec[t]}", None, read),
        ("recording download", "GET", lambda t: f"/api/v1/recordings/{rec[t]}/content", None, read),
        ("training clip download", "GET", lambda t: f"/api/v1/training/clips/{share[t]}/content", None, training),
        ("blob check", "GET", lambda t: f"/api/v1/blobs/{rec[t]}", None, uploads(200)),
        ("upload offset", "HEAD", lambda t: f"/api/v1/uploads/{os.urandom(16).hex()}", None, uploads(404)),
        ("assign", "PUT", lambda t: f"/api/v1/admin/incidents/{inc[t]}/assignments/{w.temp_user}", None,
         admin(204)),
        ("unassign", "DELETE", lambda t: f"/api/v1/admin/incidents/{inc[t]}/assignments/{w.temp_user}", None,
         admin(204)),
        ("change user", "PATCH", lambda t: f"/api/v1/admin/users/{w.temp_user if t != 'none' else 'f' * 32}",
         lambda t: {"role": "investigator"}, admin(200)),
        ("register recording", "POST", lambda t: "/api/v1/admin/recordings",
         lambda t: {"sha256": rec["mine"], "incident_id": inc[t], "file_name": "x.mp4"}, admin(409)),
        ("share for training", "POST", lambda t: "/api/v1/admin/training-shares",
         lambda t: {"recording_sha256": rec[t], "clip_sha256": w.clip["mine"]}, admin(201)),
        ("approve share", "POST", lambda t: f"/api/v1/admin/training-shares/{share[t]}/approve", None,
         lambda role, t: 403 if role != "supervisor" else {"mine": 409, "other": 409, "none": 404}[t]),
        # (both shares were made by this supervisor, who may never approve them; a second one approved "mine")
        ("push operations", "POST", lambda t: "/api/v1/operations", lambda t: an_operation(w, inc[t]), operations),
        ("anchor audit chain", "POST", lambda t: f"/api/v1/workstations/{w.workstation[t]}/audit",
         lambda t: {"events": w.chain.get(t, [])}, chains),  # a resend (idempotent); nothing held for "none"
        ("audit checkpoint", "GET", lambda t: f"/api/v1/workstations/{w.workstation[t]}/audit/checkpoint", None,
         chains),
        ("recording probe", "GET", lambda t: f"/api/v1/recordings/{rec[t]}/probe", None, read),
        ("recording thumbnail", "GET", lambda t: f"/api/v1/recordings/{rec[t]}/thumbnail", None,
         lambda role, t: 409 if read(role, t) == 200 else 404),  # visible, but random bytes have no picture
        ("set retention", "PUT", lambda t: f"/api/v1/admin/recordings/{rec[t]}/retention",
         lambda t: {"category": "matrix", "category_days": 40}, admin(200)),
        ("restore", "POST", lambda t: f"/api/v1/admin/recordings/{rec[t]}/restore", None, admin(409)),  # not purged
    ]


COLLECTIONS = [  # no id: only the role matters
    ("list incidents", "GET", "/api/v1/incidents", None, lambda role: 200),
    ("list recordings", "GET", "/api/v1/recordings", None, lambda role: 200),  # what each holds: the test below
    ("list training clips", "GET", "/api/v1/training/clips", None,
     lambda role: 200 if role in ("trainer", "supervisor") else 403),
    ("who am I", "GET", "/api/v1/auth/me", None, lambda role: 200),
    ("add incident", "POST", "/api/v1/admin/incidents", {"reference": "matrix"},
     lambda role: 201 if role == "supervisor" else 403),
    ("add user", "POST", "/api/v1/admin/users", "USER", lambda role: 201 if role == "supervisor" else 403),
    ("create upload", "POST", "/api/v1/uploads", "UPLOAD",
     lambda role: 201 if role in ("dock", "supervisor") else 403),
    ("changes since", "GET", "/api/v1/changes", None, lambda role: 403 if role in ("trainer", "dock") else 200),
    ("deletion notices", "GET", "/api/v1/notices", None, lambda role: 200),
    ("tombstones", "GET", "/api/v1/admin/tombstones", None, lambda role: 200 if role == "supervisor" else 403),
    ("offline grant", "GET", "/api/v1/grant", None, lambda role: 403 if role == "dock" else 200),
]
OPEN = [  # public: the same answer with or without a token (expected(None) is the anonymous caller's status)
    ("sign-in methods", "GET", "/api/v1/signin", None, lambda who: 200),
]


def test_every_endpoint_role_and_target_gives_the_expected_status(world):
    w = world
    wrong, ok_bodies, n, seen_404 = [], 0, 0, {}
    for name, method, path, body, expected in endpoints(w):
        for who in WHO:
            for target in TARGETS:
                payload = body(target) if body else None
                payload = payload(who) if callable(payload) else payload
                r = w.call(who, method, path(target), json=payload, headers={"Tus-Resumable": "1.0.0"})
                want = 401 if who is None else expected(who, target)
                n += 1
                if r.status_code != want:
                    wrong.append(f"{name} as {who} on {target}: {r.status_code}, expected {want}: {r.text[:120]}")
                elif want == 404 and method == "GET":
                    # not assigned and nonexistent look the same: one message, naming only the id asked for
                    asked = next(ids[target] for ids in (w.incident, w.recording, w.share, w.workstation)
                                 if ids[target] in path(target))
                    seen_404.setdefault((name, who), set()).add(r.text.replace(asked, "ID"))
                if r.status_code == 200 and name.endswith("download"):
                    sha = w.clip["mine" if target == "mine" else "other"] if name.startswith("training") \
                        else w.recording[target]
                    assert hashlib.sha256(r.content).hexdigest() == sha and r.headers["ETag"] == f'"{sha}"'
                    ok_bodies += 1
    for name, method, path, body, expected in COLLECTIONS:
        for who in WHO:
            if body == "USER":
                body_now = {"name": f"matrix-{os.urandom(4).hex()}", "role": "trainer"}
            elif body == "UPLOAD":
                body_now = None
            else:
                body_now = body
            headers = {}
            if body == "UPLOAD":
                headers = {"Tus-Resumable": "1.0.0", "Upload-Length": "1",
                           "Upload-Metadata": "sha256 " + __import__("base64").b64encode(b"a" * 64).decode()}
            r = w.call(who, method, path, json=body_now, headers=headers)
            want = 401 if who is None else expected(who)
            n += 1
            if r.status_code != want:
                wrong.append(f"{name} as {who}: {r.status_code}, expected {want}: {r.text[:120]}")
    for name, method, path, body, expected in OPEN:
        answers = set()
        for who in WHO:
            r = w.call(who, method, path, json=body)
            n += 1
            answers.add(r.text)
            if r.status_code != expected(who):
                wrong.append(f"{name} as {who}: {r.status_code}, expected {expected(who)}: {r.text[:120]}")
        if len(answers) != 1:
            wrong.append(f"{name}: the answer depends on who asks: {sorted(answers)}")
    assert wrong == [], "\n".join(wrong)
    assert all(len(bodies) == 1 for bodies in seen_404.values()), seen_404
    assert len(seen_404) > 20
    assert n == 20 * 6 * 3 + 11 * 6 + 1 * 6 and ok_bodies == 3 * 1 + 2 + 1 + 1  # each 200 download was the footage


def test_lists_hold_only_what_the_role_may_see(world):
    w = world
    listed = {role: {i["id"] for i in w.call(role, "GET", "/api/v1/incidents").json()} for role in ROLES}
    mine, other = w.incident["mine"], w.incident["other"]
    assert mine in listed["investigator"] and other not in listed["investigator"]
    assert mine in listed["supervisor"] and other not in listed["supervisor"]
    assert {mine, other} <= listed["professional_standards"]
    assert listed["trainer"] == set() and listed["dock"] == set()
    # the sync listing: exactly the recordings of the incidents each role may see (whatever else the store holds)
    recs = {role: {r["sha256"] for r in w.call(role, "GET", "/api/v1/recordings", params={"limit": 1000})
                   .json()["recordings"]} for role in ROLES}
    held = {w.recording["mine"], w.recording["other"]}
    for role in ("investigator", "supervisor"):
        assert recs[role] & held == {w.recording["mine"]}, role
    assert held <= recs["professional_standards"]
    assert recs["trainer"] == set() and recs["dock"] == set()
    assert not {w.clip["mine"], w.clip["other"]} & recs["professional_standards"]  # blobs, not recordings
    clips = {c["id"] for c in w.call("trainer", "GET", "/api/v1/training/clips").json()}
    assert w.share["mine"] in clips and w.share["other"] not in clips
    assert w.share["other"] in {c["id"] for c in w.call("supervisor", "GET", "/api/v1/training/clips").json()}


def _signed_elsewhere(world) -> str:
    """A token with every claim right (the psd user's id, the store's issuer) but signed with another key."""
    import datetime as dt

    import jwt
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    now = dt.datetime.now(dt.timezone.utc)
    kid = world.call(None, "GET", "/api/v1/auth/jwks.json").json()["keys"][0]["kid"]
    return jwt.encode({"iss": "bwv-store", "aud": "bwv-store", "sub": world.ids["professional_standards"],
                       "iat": now, "exp": now + dt.timedelta(minutes=5)}, Ed25519PrivateKey.generate(),
                      algorithm="EdDSA", headers={"kid": kid})


@pytest.mark.parametrize("token", ["", "not-a-jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "ELSEWHERE"])
def test_a_missing_or_forged_token_is_401(world, token):
    if token == "ELSEWHERE":
        token = _signed_elsewhere(world)
    r = world.call(None, "GET", "/api/v1/incidents", headers={"Authorization": f"Bearer {token}".strip()})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
    assert r.json()["detail"].startswith("sign-in required")


PUBLIC = {("GET", "/api/v1/health"), ("POST", "/api/v1/auth/enrol"), ("POST", "/api/v1/auth/refresh"),
          ("GET", "/api/v1/auth/jwks.json"), ("GET", "/api/v1/openapi.json"), ("GET", "/api/v1/docs"),
          ("GET", "/api/v1/keys"), ("GET", "/api/v1/signin")}
COVERED = {  # what the matrix above exercises, as (method, OpenAPI path)
    ("GET", "/api/v1/incidents/{incident_id}"), ("GET", "/api/v1/incidents/{incident_id}/recordings"),
    ("GET", "/api/v1/recordings/{sha256}"), ("GET", "/api/v1/recordings/{sha256}/content"),
    ("GET", "/api/v1/training/clips/{share_id}/content"), ("GET", "/api/v1/blobs/{sha256}"),
    ("HEAD", "/api/v1/uploads/{upload_id}"), ("PUT", "/api/v1/admin/incidents/{incident_id}/assignments/{user_id}"),
    ("DELETE", "/api/v1/admin/incidents/{incident_id}/assignments/{user_id}"),
    ("PATCH", "/api/v1/admin/users/{user_id}"), ("POST", "/api/v1/admin/recordings"),
    ("POST", "/api/v1/admin/training-shares"), ("POST", "/api/v1/admin/training-shares/{share_id}/approve"),
    ("GET", "/api/v1/incidents"), ("GET", "/api/v1/recordings"), ("GET", "/api/v1/training/clips"), ("GET", "/api/v1/auth/me"),
    ("POST", "/api/v1/admin/incidents"), ("POST", "/api/v1/admin/users"), ("POST", "/api/v1/uploads"),
    ("POST", "/api/v1/operations"), ("GET", "/api/v1/changes"), ("POST", "/api/v1/workstations/{workstation}/audit"),
    ("GET", "/api/v1/workstations/{workstation}/audit/checkpoint"),
    ("GET", "/api/v1/recordings/{sha256}/probe"), ("GET", "/api/v1/recordings/{sha256}/thumbnail"),
    ("PUT", "/api/v1/admin/recordings/{sha256}/retention"), ("POST", "/api/v1/admin/recordings/{sha256}/restore"),
    ("GET", "/api/v1/notices"), ("GET", "/api/v1/admin/tombstones"), ("GET", "/api/v1/grant"),
    ("GET", "/api/v1/events"),  # a stream: test_the_event_stream_is_open_to_every_signed_in_role
}
NOT_IN_MATRIX = {  # the rest of the tus protocol: same uploader dependency as POST/HEAD, covered by tus tests
    ("OPTIONS", "/api/v1/uploads"), ("PATCH", "/api/v1/uploads/{upload_id}"), ("DELETE", "/api/v1/uploads/{upload_id}"),
}


def test_the_matrix_covers_every_endpoint_and_each_declares_the_bearer_scheme(world):
    doc = world.call(None, "GET", "/api/v1/openapi.json").json()
    published = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    assert published - PUBLIC == COVERED | NOT_IN_MATRIX  # a new endpoint must join the matrix
    for method, path in published - PUBLIC:
        assert doc["paths"][path][method.lower()].get("security") == [{"HTTPBearer": []}], (method, path)
    for method, path in NOT_IN_MATRIX:  # and without a token they are closed too
        r = world.call(None, method, path.replace("{upload_id}", "0" * 32), headers={"Tus-Resumable": "1.0.0"})
        assert r.status_code == 401, (method, path, r.status_code)


def test_the_event_stream_is_open_to_every_signed_in_role(world):
    """Every role may listen (what each hears is filtered by what it may see: test_store_events_probe)."""
    from tests.store.sse import Listener

    for role in ROLES:
        listener = Listener(world.store.url, world.tokens[role])
        listener.close()
        assert listener.status == 200 and listener.content_type.startswith("text/event-stream"), role
    r = world.call(None, "GET", "/api/v1/events")
    assert r.status_code == 401
