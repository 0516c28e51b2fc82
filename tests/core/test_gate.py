"""One gate for everything that reveals footage or changes state (issue 8, section 1).

1. Every public operation of the core's services carries a gate marker (reviewer.govern.gated), and every class of
   the core that reaches the governance object is one of those services, so a new operation or service cannot
   slip in unmarked.
2. Every operation marked @gated is called for real: as a trainer whose role has been stripped of the
   operation's actions it must raise PermissionDenied and leave exactly one "refused" audit event (and no
   output); as the supervisor it must succeed and write exactly the events listed here. So a marker cannot claim
   a check the code does not make, and ATTEMPTS must name every gated operation.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import pkgutil
import uuid

import pytest

import reviewer
from reviewer.annotate.bookmarks import BookmarkStore
from reviewer.annotate.clips import ClipStore
from reviewer.annotate.evidential import EvidentialStore
from reviewer.annotate.service import Annotations
from reviewer.export import frame as frame_mod
from reviewer.export import incident_export as incident_export_mod
from reviewer.export import service as service_mod
from reviewer.export import stills as stills_mod
from reviewer.export.service import ExportJob
from reviewer.provenance import identity as c2pa_identity
from reviewer.provenance.certs import make_test_ca
from reviewer.redact import approval as approval_mod
from reviewer.govern.gated import marker
from reviewer.govern.holds import HoldStore
from reviewer.govern.purge import Retention
from reviewer.govern.retention import Policies
from reviewer.govern.roles import PERMISSIONS, PermissionDenied, Role
from reviewer.govern.users import Users
from reviewer.incident.clock import IncidentClock, Placement
from reviewer.incident.service import AlignmentProposal, IncidentClocks, Proposed
from reviewer.library.ingest import Ingestor
from reviewer.library.library import Library
from reviewer.redact.model import Keyframe, MaskSet, MaskTrack, PtsRange, ShapeKind
from reviewer.redact.store import MaskStore, TrackChange
from reviewer.sync.loop import SyncLoop
from tests.core.test_govern_support import gov_home, ids, lib, template, user_with_role  # noqa: F401

SERVICES = [Library, Ingestor, Annotations, BookmarkStore, ClipStore, EvidentialStore, HoldStore, MaskStore, Retention,
            Policies, Users, SyncLoop, IncidentClocks]
FUNCTIONS = [service_mod.run_export, frame_mod.export_frame, stills_mod.export_stills, approval_mod.status,
             approval_mod.approve, c2pa_identity.config, c2pa_identity.import_cert, c2pa_identity.configure,
             incident_export_mod.run_incident_export]


def public_operations() -> dict[str, object]:
    ops = {}
    for cls in SERVICES:
        for name, fn in vars(cls).items():
            if not name.startswith("_") and inspect.isfunction(fn):
                ops[f"{cls.__name__}.{name}"] = fn
    for fn in FUNCTIONS:
        ops[fn.__name__] = fn
    return ops


def gated_operations() -> dict[str, tuple]:
    return {name: marker(fn)[1] for name, fn in public_operations().items() if marker(fn)[0] == "gated"}


def test_every_public_operation_carries_a_gate_marker():
    unmarked = [name for name, fn in public_operations().items() if marker(fn) is None]
    assert not unmarked, f"public operations without @gated/@read_only/@ungated: {unmarked}"


# what a @read_only operation's own code must not do: open a write transaction, append to the audit trail,
# decode or open footage, or write files
WRITES_OR_REVEALS = ("write(", "gate(", ".record(", "record_now(", "reader(", "open_recording(", "MediaSource",
                     "os.replace", ".unlink(", "write_text(", "write_bytes(", ".add(", ".delete(")


def test_read_only_operations_neither_write_nor_touch_footage():
    offenders = {}
    for name, fn in public_operations().items():
        if marker(fn)[0] != "read_only":
            continue
        code = inspect.getsource(fn)
        doc = inspect.getdoc(fn) or ""
        found = [w for w in WRITES_OR_REVEALS if w in code.replace(doc, "")]
        if found:
            offenders[name] = found
    assert not offenders, f"@read_only operations that write or reveal footage: {offenders}"


def test_every_core_class_that_reaches_governance_is_a_listed_service():
    """A new service (a class holding the governance object) must join SERVICES, and so get its markers checked."""
    known = {c.__qualname__ for c in SERVICES}
    found = set()
    for info in pkgutil.walk_packages(reviewer.__path__, "reviewer."):
        if info.name.startswith("reviewer.library.migrations") or info.name == "reviewer.__main__":
            continue
        module = importlib.import_module(info.name)
        for name, cls in vars(module).items():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__:
                continue
            try:
                src = inspect.getsource(vars(cls)["__init__"])
            except (KeyError, OSError, TypeError):  # no __init__ of its own, or a generated one (dataclasses)
                continue
            if "self.gov =" in src or "self.gov=" in src:
                found.add(cls.__qualname__)
    assert found - known == set(), f"services not listed in SERVICES: {found - known}"


# ---- the runtime check -------------------------------------------------------------------------------------------
class Ctx:
    """What the attempts work on: the supervisor's library (which prepares objects) and a recording."""

    def __init__(self, sup: Library, rid: str, tmp, new_file):
        self.sup, self.rid, self.tmp, self.new_file = sup, rid, tmp, new_file
        self.ann = Annotations(sup)
        self.table = sup.open_recording(rid, reason="test setup").table

    def pts(self, i: int) -> int:
        return int(self.table.pts[i])

    def bookmark(self) -> str:
        return self.ann.add_bookmark(self.rid, self.pts(3), "setup").id

    def clip(self) -> str:
        return self.ann.add_clip(self.rid, self.pts(0), self.pts(20), f"c-{uuid.uuid4().hex[:6]}", "training").id

    def mark(self) -> str:
        return self.ann.mark_evidential(self.rid, "CR-1", "setup", clip_id=self.clip()).id

    def track(self) -> MaskTrack:
        box = ((0.0, 0.0), (40.0, 40.0))
        return MaskTrack(ShapeKind.RECT, (Keyframe(self.pts(0), box),), label="face", reason="third-party face")

    def out(self, name: str):
        return self.tmp / f"{name}-{uuid.uuid4().hex[:6]}"


def _no_hold(c: Ctx):
    if c.ann.holds.active_for(c.rid) is not None:
        c.ann.holds.release(c.rid, "setup")


def _hold(c: Ctx):
    _no_hold(c)
    hid = str(uuid.uuid4())
    c.ann.holds.set(hid, c.rid, "setup")
    return hid


def _released_hold(c: Ctx):
    hid = _hold(c)
    c.ann.holds.release(c.rid, "setup")
    return hid


def _cleared_mark(c: Ctx):
    mid = c.mark()
    c.ann.evidential.clear(mid, "setup")
    return mid


def _deleted(store, make):
    def prepare(c: Ctx):
        oid = make(c)
        store(c).delete(oid)
        return oid
    return prepare


def _saved_track(c: Ctx):
    t = c.track()
    MaskStore(c.sup).save_track(c.rid, t)
    return t.id


def _saved_range(c: Ctx):
    r = PtsRange(c.pts(0), c.pts(5), "address", "black")
    MaskStore(c.sup).save_range(c.rid, "blackout", r)
    return r.id


def _category(c: Ctx):
    name = f"cat-{uuid.uuid4().hex[:6]}"
    BookmarkStore(c.sup.gov).add_category(name)
    return name


def _unredact(c: Ctx):
    """An export of a recording without masks is an unredacted disclosure."""
    ms = MaskStore(c.sup)
    for t in ms.load(c.rid).tracks:
        ms.delete_track(c.rid, t.id)


def _redact(c: Ctx):
    _unredact(c)
    MaskStore(c.sup).save_track(c.rid, c.track())


def _none(_c):
    return None


def _test_ca_files(c: Ctx):
    """A signing chain and key on disk (made before the attempt: the refused one must write nothing)."""
    _ca, chain, key = make_test_ca()
    folder = c.out("ca")
    folder.mkdir()
    (folder / "chain.pem").write_bytes(chain)
    (folder / "key.pem").write_bytes(key)
    return folder / "chain.pem", folder / "key.pem"


def _gate_clock(c: Ctx) -> IncidentClock:
    """Two recordings with sound on an ad hoc incident clock."""
    views = [v for v in c.sup.recordings() if v.file_name.startswith(("cfr_h264", "vfr_h264"))]
    return IncidentClock("gate", None, tuple(Placement(v.sha256, v.id, v.file_name, v.camera_start,
                                                       duration=v.duration) for v in views))


def _incident(c: Ctx) -> str:
    """An incident of one recording (no masks: its composite is an unredacted copy)."""
    report = c.sup.import_paths([c.new_file("long_lowres")], incident="GATE-INC")
    assert not report.errors, report.errors
    return "GATE-INC"


def _new_offset(_c) -> int:
    return uuid.uuid4().int % 10_000_000 + 1


def _proposal(c: Ctx) -> AlignmentProposal:
    sha = c.sup.get(c.rid).sha256
    return AlignmentProposal("gate", sha, (Proposed(sha, c.rid, "x.mp4", "aligned", _new_offset(c), 0, None, 0.5),),
                             (), {})


def _offset_set(c: Ctx) -> None:
    IncidentClocks(c.sup).set_offset(c.rid, _new_offset(c))


OK = "ok"
# name -> (prepare(ctx) -> arg, attempt(lib, ctx, arg), events the supervisor's call writes: (action, outcome))
ATTEMPTS = {
    "Library.import_paths": (lambda c: c.new_file("editlist"), lambda lib, c, f: lib.import_paths([f]),
                             [("recording.import", OK)]),
    "Ingestor.run": (lambda c: c.new_file("hevc_open_gop"), lambda lib, c, f: lib._ingestor.run([f]),
                     [("recording.import", OK)]),
    "Library.open_recording": (_none, lambda lib, c, _: lib.open_recording(c.rid, reason="gate test"),
                               [("recording.open", OK)]),
    "Library.ensure_local": (_none, lambda lib, c, _: lib.ensure_local(c.rid), []),  # already local: no event
    "Annotations.add_bookmark": (_none, lambda lib, c, _: Annotations(lib).add_bookmark(c.rid, c.pts(1), "b"),
                                 [("bookmark.create", OK)]),
    "Annotations.add_incident_bookmark": (_none, lambda lib, c, _: Annotations(lib).add_incident_bookmark(
        [(c.rid, c.pts(1))], 1_000_000, "g"), [("bookmark.create", OK)]),
    "Annotations.edit_bookmark": (Ctx.bookmark, lambda lib, c, b: Annotations(lib).edit_bookmark(b, title="t2"),
                                  [("bookmark.update", OK)]),
    "Annotations.delete_bookmark": (Ctx.bookmark, lambda lib, c, b: Annotations(lib).delete_bookmark(b),
                                    [("bookmark.delete", OK)]),
    "Annotations.add_clip": (_none, lambda lib, c, _: Annotations(lib).add_clip(c.rid, c.pts(0), c.pts(9), "k",
                                                                                 "training"),
                             [("clip.create", OK)]),
    "Annotations.edit_clip": (Ctx.clip, lambda lib, c, k: Annotations(lib).edit_clip(k, name=f"n{k[:6]}"),
                              [("clip.update", OK)]),
    "Annotations.delete_clip": (Ctx.clip, lambda lib, c, k: Annotations(lib).delete_clip(k),
                                [("clip.delete", OK)]),
    "Annotations.mark_evidential": (Ctx.clip, lambda lib, c, k: Annotations(lib).mark_evidential(
        c.rid, "CR-9", "shows the arrest", clip_id=k), [("evidential.mark", OK)]),
    "Annotations.clear_evidential": (Ctx.mark, lambda lib, c, m: Annotations(lib).clear_evidential(m, "done"),
                                     [("evidential.clear", OK)]),
    "Annotations.set_hold": (_no_hold, lambda lib, c, _: Annotations(lib).set_hold(c.rid, "claim"),
                             [("hold.set", OK)]),
    "Annotations.release_hold": (_hold, lambda lib, c, _: Annotations(lib).release_hold(c.rid, "settled"),
                                 [("hold.release", OK)]),
    "BookmarkStore.create": (_none, lambda lib, c, _: BookmarkStore(lib.gov).create(
        str(uuid.uuid4()), c.rid, c.pts(2), "b"), [("bookmark.create", OK)]),
    "BookmarkStore.update": (Ctx.bookmark, lambda lib, c, b: BookmarkStore(lib.gov).update(b, title="u"),
                             [("bookmark.update", OK)]),
    "BookmarkStore.delete": (Ctx.bookmark, lambda lib, c, b: BookmarkStore(lib.gov).delete(b),
                             [("bookmark.delete", OK)]),
    "BookmarkStore.restore": (_deleted(lambda c: c.ann.bookmarks, Ctx.bookmark),
                              lambda lib, c, b: BookmarkStore(lib.gov).restore(b), [("bookmark.restore", OK)]),
    "BookmarkStore.add_category": (_none, lambda lib, c, _: BookmarkStore(lib.gov).add_category(
        f"new-{uuid.uuid4().hex[:6]}"), [("bookmark_category.add", OK)]),
    "BookmarkStore.remove_category": (_category, lambda lib, c, n: BookmarkStore(lib.gov).remove_category(n),
                                      [("bookmark_category.remove", OK)]),
    "ClipStore.create": (_none, lambda lib, c, _: ClipStore(lib.gov).create(
        str(uuid.uuid4()), c.rid, c.pts(0), c.pts(9), f"s{uuid.uuid4().hex[:6]}", "training"),
        [("clip.create", OK)]),
    "ClipStore.update": (Ctx.clip, lambda lib, c, k: ClipStore(lib.gov).update(k, name=f"u{k[:6]}"),
                         [("clip.update", OK)]),
    "ClipStore.delete": (Ctx.clip, lambda lib, c, k: ClipStore(lib.gov).delete(k), [("clip.delete", OK)]),
    "ClipStore.restore": (_deleted(lambda c: c.ann.clips, Ctx.clip),
                          lambda lib, c, k: ClipStore(lib.gov).restore(k), [("clip.restore", OK)]),
    "EvidentialStore.mark": (Ctx.clip, lambda lib, c, k: EvidentialStore(lib.gov).mark(
        str(uuid.uuid4()), c.rid, "CR-3", "reason", clip_id=k), [("evidential.mark", OK)]),
    "EvidentialStore.clear": (Ctx.mark, lambda lib, c, m: EvidentialStore(lib.gov).clear(m, "done"),
                              [("evidential.clear", OK)]),
    "EvidentialStore.reinstate": (_cleared_mark, lambda lib, c, m: EvidentialStore(lib.gov).reinstate(m),
                                  [("evidential.reinstate", OK)]),
    "HoldStore.set": (_no_hold, lambda lib, c, _: HoldStore(lib.gov).set(str(uuid.uuid4()), c.rid, "claim"),
                      [("hold.set", OK)]),
    "HoldStore.release": (_hold, lambda lib, c, _: HoldStore(lib.gov).release(c.rid, "settled"),
                          [("hold.release", OK)]),
    "HoldStore.reinstate": (_released_hold, lambda lib, c, h: HoldStore(lib.gov).reinstate(h),
                            [("hold.reinstate", OK)]),
    "Users.set_role": (_none, lambda lib, c, _: Users(lib.gov).set_role("u_investigator", Role.PROFESSIONAL_STANDARDS),
                       [("user.set_role", OK)]),
    "Policies.set": (_none, lambda lib, c, _: Policies(lib.gov).set("complaint", 400, "longer"),
                     [("retention.policy_set", OK)]),
    # one "retention.purge" per recording that was due (the template's footage is old), then the run itself
    "Retention.run": (_none, lambda lib, c, _: Retention(lib).run(),
                      lambda got: got[-1] == ("retention.run", OK) and len(got) > 1
                      and set(got[:-1]) == {("retention.purge", OK)}),
    "MaskStore.save_track": (_none, lambda lib, c, _: MaskStore(lib).save_track(c.rid, c.track()),
                             [("mask_track.create", OK)]),
    "MaskStore.apply": (_none, lambda lib, c, _: MaskStore(lib).apply(c.rid, [TrackChange(None, c.track())]),
                        [("mask_track.create", OK)]),
    "MaskStore.delete_track": (_saved_track, lambda lib, c, t: MaskStore(lib).delete_track(c.rid, t),
                               [("mask_track.delete", OK)]),
    "MaskStore.save_range": (_none, lambda lib, c, _: MaskStore(lib).save_range(
        c.rid, "blackout", PtsRange(c.pts(0), c.pts(4), "address", "black")), [("blackout_range.create", OK)]),
    "MaskStore.delete_range": (_saved_range, lambda lib, c, r: MaskStore(lib).delete_range(c.rid, r),
                               [("blackout_range.delete", OK)]),
    "MaskStore.import_set": (_none, lambda lib, c, _: MaskStore(lib).import_set(c.rid, MaskSet((c.track(),))),
                             [("mask_track.create", OK), ("masks.import", OK)]),
    "IncidentClocks.propose": (_gate_clock, lambda lib, c, clk: IncidentClocks(lib).propose(clk),
                               [("incident.align", OK)]),
    "IncidentClocks.accept": (_proposal, lambda lib, c, p: IncidentClocks(lib).accept(p),
                              [("clock_offset.accept", OK)]),
    "IncidentClocks.set_offset": (_new_offset, lambda lib, c, us: IncidentClocks(lib).set_offset(c.rid, us),
                                  [("clock_offset.set", OK)]),
    "IncidentClocks.nudge": (_none, lambda lib, c, _: IncidentClocks(lib).nudge(c.rid, 1),
                             [("clock_offset.nudge", OK)]),
    "IncidentClocks.clear": (_offset_set, lambda lib, c, _: IncidentClocks(lib).clear(c.rid),
                             [("clock_offset.clear", OK)]),
    "run_export": (_unredact, lambda lib, c, _: service_mod.run_export(lib, ExportJob(
        c.rid, c.out("export") .with_suffix(".mp4"), ranges=((0, 9),), preset="ultrafast", report=False,
        purpose="gate test", recipient="CPS")),
        [("recording.open", OK), ("recording.export", "started"), ("recording.export", OK)]),
    "run_incident_export": (_incident, lambda lib, c, ref: incident_export_mod.run_incident_export(
        lib, incident_export_mod.IncidentExportJob(ref, 0.0, 0.2, c.out("incident").with_suffix(".mp4"), layout="1x2",
                                                   preset="ultrafast", purpose="gate test", recipient="CPS")),
        [("recording.open", OK), ("incident.export", "started"), ("incident.export", OK)]),
    "export_frame": (_unredact, lambda lib, c, _: frame_mod.export_frame(lib, c.rid, 5, c.out("frame")),
                     [("recording.open", OK), ("recording.frame_export", "started"),
                      ("recording.frame_export", OK)]),
    # approved by a second user: the supervisor drew the masks, so the investigator approves them
    "approve": (_redact, lambda lib, c, _: approval_mod.approve(c.second if lib is c.sup else lib, c.rid),
                [("masks.approve", OK)]),
    "import_cert": (_test_ca_files, lambda lib, c, f: c2pa_identity.import_cert(lib, *f),
                    [("c2pa.identity_set", OK)]),
    "configure": (_none, lambda lib, c, _: c2pa_identity.configure(lib, required=False), [("c2pa.configure", OK)]),
    "export_stills": (_redact, lambda lib, c, _: stills_mod.export_stills(lib, c.rid, [2, 4], c.out("stills"),
                                                                          make_dirs=True),
                      [("recording.open", OK), ("recording.stills_export", "started"),
                       ("recording.stills_export", OK)]),
}


def test_the_runtime_check_covers_every_gated_operation():
    assert set(ATTEMPTS) == set(gated_operations())


@contextlib.contextmanager
def stripped(role: Role, actions):
    """The permission matrix without `role` in `actions`, for the length of the block."""
    saved = {a: PERMISSIONS[a] for a in actions}
    try:
        for a in actions:
            PERMISSIONS[a] = saved[a] - {role}
        yield
    finally:
        PERMISSIONS.update(saved)


def new_events(lib, before: int):
    return [e for e in lib.gov.audit.events() if e.seq > before]


def test_every_gated_operation_is_refused_and_audited_then_allowed(lib, gov_home, ids, monkeypatch, tmp_path,
                                                                   make_clip):
    def new_file(name: str):
        """A clip the library does not hold yet (the import it is for must not be a duplicate)."""
        clip = make_clip(name).path
        link = tmp_path / "new" / clip.name
        link.parent.mkdir(exist_ok=True)
        link.symlink_to(clip)
        return link

    second = user_with_role(lib, gov_home, monkeypatch, Role.INVESTIGATOR)  # also an account for Users.set_role
    trainer = user_with_role(lib, gov_home, monkeypatch, Role.TRAINER)
    c = Ctx(lib, ids["cfr_noaudio"], tmp_path, new_file)
    c.second = second
    try:
        # the purge runs last: it may remove the recordings the other attempts work on
        for name, actions in sorted(gated_operations().items(), key=lambda kv: kv[0] == "Retention.run"):
            prepare, attempt, expected = ATTEMPTS[name]
            arg = prepare(c)
            files = set(tmp_path.rglob("*"))
            before = lib.gov.audit.count()
            with stripped(Role.TRAINER, actions), pytest.raises(PermissionDenied) as exc:
                attempt(trainer, c, arg)
            assert exc.value.action in actions, name
            got = [(e.user, e.role, e.action, e.outcome) for e in new_events(lib, before)]
            assert got == [("u_trainer", "trainer", exc.value.action.value, "refused")], name
            assert set(tmp_path.rglob("*")) == files, f"{name}: a refused operation wrote a file"

            before = lib.gov.audit.count()
            attempt(lib, c, arg)
            got = [(e.action, e.outcome) for e in new_events(lib, before)]
            assert expected(got) if callable(expected) else got == expected, (name, got)
            assert not [e for e in new_events(lib, before) if e.outcome == "refused"], name
        assert lib.gov.audit.check().ok
    finally:
        trainer.close()
        second.close()
