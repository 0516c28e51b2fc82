"""An incident composite carries Content Credentials (issue 13 s.4, ADR 0024): every source a component ingredient
with its own SHA-256, actions saying what was done (created as a composite, each source placed with its frames
and masks, edited), signed before it is hashed; `reviewer verify` reports it trusted and lists every source; a
library that requires credentials accepts composites."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.errors import ReviewerError
from reviewer.export.incident_export import IncidentExportJob, run_incident_export
from reviewer.export.manifest import verify
from reviewer.incident.service import IncidentClocks
from reviewer.library.originals import sha256_file
from reviewer.provenance import identity
from reviewer.provenance.check import check_file
from reviewer.provenance.embed import COMPOSITE
from tests.core.c2pa_support import sha, test_ca  # noqa: F401
from tests.core.test_incident_export import INCIDENT, decoded, ids, lib, template  # noqa: F401
from tests.fixtures import framecode
from tests.fixtures.packages import unpack_checked

ORDER = ("pc-a", "pc-b", "pc-c")


@pytest.fixture
def signing(lib, test_ca):
    identity.import_cert(lib, test_ca.chain, test_ca.key)
    return lib


def composite(lib, ids, out: Path, seconds: float = 0.6, **kw):
    clock = IncidentClocks(lib).clock(INCIDENT)
    start = max(clock.start(lib.get(ids[n]).sha256) for n in ORDER) + 2.0  # every camera running
    job = IncidentExportJob(INCIDENT, start, start + seconds, out, layout="2x2",
                            recordings=tuple(ids[n] for n in ORDER), audio_from=ids["pc-a"], recipient="PSD",
                            purpose="complaint review", preset="ultrafast", report=False, **kw)
    [res] = run_incident_export(lib, job)
    return res


def test_a_composite_names_every_source_as_an_ingredient_with_its_originals_hash(signing, ids, test_ca, tmp_path):
    lib = signing
    res = composite(lib, ids, tmp_path / "comp.mp4")
    out, m = res.output, res.manifest
    cc = check_file(out, test_ca.ca_pem)
    assert cc.state == "trusted", cc.summary()

    # each ingredient: a component (none is the one parent), titled with the master's name, and carrying the
    # SHA-256 of the original in the library's store, in tile order
    originals = [lib.get(ids[n]) for n in ORDER]
    assert [i["relationship"] for i in cc.ingredients] == ["componentOf"] * 3
    assert [i["sha256"] for i in cc.ingredients] == [sha256_file(v.original_path) for v in originals] \
        == [s["sha256"] for s in m["sources"]]
    assert [i["title"] for i in cc.ingredients] == [v.file_name for v in originals]
    assert cc.master_sha256 is None

    # the actions: created as a composite of captures, each camera placed (its frames, its masks), then edited
    kinds = [a["action"] for a in cc.actions]
    assert kinds == ["c2pa.created", "c2pa.placed", "c2pa.placed", "c2pa.placed", "c2pa.edited"]
    assert cc.actions[0]["digitalSourceType"] == COMPOSITE
    placed = {s["camera"]: a["description"] for s, a in zip(m["sources"], cc.actions[1:4])}
    b = next(s for s in m["sources"] if s["camera"] == "pc-b")
    assert f"its frames {b['first_frame']}-{b['last_frame']}" in placed["pc-b"]
    assert "1 mask (third-party face; effect solid)" in placed["pc-b"]
    assert "no redaction applied" in placed["pc-c"]
    edit = cc.actions[-1]["description"]
    assert "Composite of 3 recordings of incident INC-EXPORT-1" in edit and "2x2 grid" in edit
    assert "sound from camera pc-a" in edit
    f = cc.fields
    assert f["kind"] == "composite" and f["source_sha256"] == [s["sha256"] for s in m["sources"]]
    assert f["mask_set_sha256"] == m["masks"]["sha256"] and f["frames"] == m["output"]["frames"]
    assert (f["recipient"], f["purpose"]) == ("PSD", "complaint review")

    # our manifest and the disclosure log hash the signed file
    assert m["output"]["sha256"] == sha(out) and m["c2pa"]["embedded"] is True
    ok = [e for e in lib.gov.audit.events() if e.action == "incident.export"][-1]
    assert ok.outcome == "ok" and ok.details["output_sha256"] == sha(out) and ok.details["c2pa"]["embedded"]

    # signing left the pictures alone: every tile's frame code still reads as the manifest says
    frames = decoded(out)
    assert len(frames) == m["output"]["frames"]
    for s in m["sources"]:
        x, y, w, h = s["picture"]
        assert framecode.read(frames[0][y:y + h, x:x + w]) == s["first_frame"]

    v = verify(out, anchors_pem=test_ca.ca_pem)
    assert v.ok and "C2PA trusted" in v.checks and "C2PA names all 3 sources" in v.checks, v.problems
    assert len(v.sources) == 3 and all("(a C2PA ingredient)" in line for line in v.sources)


def test_a_flipped_byte_fails_and_a_manifest_naming_another_source_is_caught(signing, ids, test_ca, tmp_path):
    lib = signing
    res = composite(lib, ids, tmp_path / "c.mp4", seconds=0.3)
    out = res.output
    flipped = tmp_path / "flipped.mp4"
    data = bytearray(out.read_bytes())
    data[data.find(b"mdat") + 2000] ^= 0x01
    flipped.write_bytes(bytes(data))
    shutil.copy(f"{out}.manifest.json", f"{flipped}.manifest.json")
    cc = check_file(flipped, test_ca.ca_pem)
    assert cc.state == "invalid" and any("mismatch" in x for x in cc.failures), cc.failures
    v = verify(flipped, anchors_pem=test_ca.ca_pem)
    assert not v.ok and any(p.startswith("Content Credentials INVALID") for p in v.problems)

    # the credential and our record must name the same masters: a source swapped in the manifest is a problem
    m = json.loads(Path(f"{out}.manifest.json").read_text())
    other = lib.get(ids["phone"]).sha256
    m["sources"][1]["sha256"] = other
    from reviewer.export import manifest as mf

    Path(f"{out}.manifest.json").write_text(mf.text(mf.seal(m)))
    v = verify(out, anchors_pem=test_ca.ca_pem)
    assert any("source SHA-256s" in p for p in v.problems), v.problems


def test_a_library_that_requires_credentials_accepts_a_composite_and_verify_lists_its_sources(signing, ids, test_ca,
                                                                                             tmp_path):
    lib = signing
    identity.configure(lib, required=True, trust_anchors=test_ca.ca)
    res = composite(lib, ids, tmp_path / "req.mp4", seconds=0.3)
    assert res.manifest["c2pa"]["embedded"] is True
    root = Path(__file__).resolve().parents[2]
    p = subprocess.run([sys.executable, "-m", "reviewer", "verify", str(res.output)], capture_output=True, text=True,
                       cwd=root, env={**os.environ, "REVIEWER_HOME": str(lib.paths.home)})
    assert p.returncode == 0, p.stderr
    assert "C2PA trusted" in p.stdout and "C2PA names all 3 sources" in p.stdout
    lines = [x for x in p.stdout.splitlines() if x.startswith("SOURCE: ")]
    assert [x.split(":")[1].strip().split()[-1] for x in lines] == list(ORDER)
    for x, s in zip(lines, res.manifest["sources"]):
        assert s["sha256"] in x and s["name"] in x and "(a C2PA ingredient)" in x


def test_a_required_library_without_an_identity_refuses_before_decoding(lib, ids, tmp_path):
    identity.configure(lib, required=True)
    with pytest.raises(ReviewerError, match="requires Content Credentials on every export"):
        run_incident_export(lib, IncidentExportJob(INCIDENT, 10.0, 10.5, tmp_path / "c.mp4"))
    assert not list(tmp_path.glob("c.mp4*")) and not list(tmp_path.glob(".c.*"))
    assert not [e for e in lib.gov.audit.events() if e.action == "incident.export"]


def test_a_composite_package_unzips_to_a_copy_a_recipient_verifies_with_every_source_listed(signing, ids, test_ca,
                                                                                           tmp_path):
    lib = signing
    identity.configure(lib, trust_anchors=test_ca.ca)
    clock = IncidentClocks(lib).clock(INCIDENT)
    start = max(clock.start(lib.get(ids[n]).sha256) for n in ORDER) + 2.0
    out = tmp_path / "out" / "inc.mp4"
    root = Path(__file__).resolve().parents[2]

    def cli(home, *args):
        return subprocess.run([sys.executable, "-m", "reviewer", *args], capture_output=True, text=True, cwd=root,
                              env={**os.environ, "REVIEWER_HOME": str(home)})

    cams = [a for n in ORDER for a in ("--camera", ids[n])]
    p = cli(lib.paths.home, "incident", "export", INCIDENT, "--from", f"{start:.6f}", "--to", f"{start + 0.3:.6f}",
            *cams, "--layout", "2x2", "--recipient", "PSD", "--purpose", "complaint", "--preset", "ultrafast",
            "-o", str(out), "--package", "--make-dirs", "--json")
    assert p.returncode == 0, p.stderr
    assert "WITHOUT Content Credentials" not in p.stderr
    res = json.loads(p.stdout)
    zpath = tmp_path / "out" / "inc-disclosure.zip"
    assert res["package"] == {"path": str(zpath), "sha256": sha(zpath)} and res["c2pa"]["embedded"]
    # the package's hash is in the disclosure log, on the incident, "started" then "ok"
    logged = [e for e in lib.gov.audit.events() if e.action == "incident.export_package"]
    assert [(e.outcome, e.object_type, e.object_id, e.details["sha256"]) for e in logged] == \
        [("started", "incident", INCIDENT, sha(zpath)), ("ok", "incident", INCIDENT, sha(zpath))]
    assert logged[-1].details["redacted"] is False  # pc-b's masks are not approved: an unredacted disclosure

    unpacked = unpack_checked(zpath, tmp_path / "recipient", "inc.mp4")
    assert sha(unpacked / "inc.mp4") == sha(out) == res["sha256"]
    text = (unpacked / "VERIFY.txt").read_text()
    m = json.loads((unpacked / "inc.mp4.manifest.json").read_text())
    for s in m["sources"]:
        assert f"Camera {s['camera']}: {s['name']}" in text and f"Master SHA-256: {s['sha256']}" in text
    assert "one 'placed' per" in text and "each master is named in them as an ingredient" in text
    pdf = " ".join(subprocess.run(["pdftotext", str(unpacked / "inc.mp4.report.pdf"), "-"], capture_output=True,
                                  text=True, check=True).stdout.split())
    assert "Content Credentials (C2PA) embedded, signed by O=Test Constabulary,CN=BWV Reviewer test signer" in pdf
    assert m["audio"]["drift_ppm"] == 30.0  # pc-a's clock runs 30 ppm fast: its sound is re-timed, and says so
    assert "kept on the incident clock: its camera's drift (+30.0 ppm)" in pdf and "33,333 samples" in pdf

    # a recipient with no library and only the package's trust anchors
    elsewhere = tmp_path / "no-library"
    elsewhere.mkdir()
    ok = cli(elsewhere, "verify", str(unpacked / "inc.mp4"), "--trust", str(unpacked / "trust-anchors.pem"))
    assert ok.returncode == 0, ok.stderr
    assert "C2PA trusted" in ok.stdout and "C2PA names all 3 sources" in ok.stdout
    assert len([x for x in ok.stdout.splitlines() if x.startswith("SOURCE: ")]) == 3


def test_a_signed_composite_that_fails_after_signing_leaves_no_file_and_no_temp(signing, ids, tmp_path, monkeypatch):
    """Signing makes a second temp beside the copy; a failure before anything is named (here the report, disk
    full) removes it with the encoder's, and nothing is disclosed."""
    from reviewer.export import composite_report
    from reviewer.export.pipeline import ExportError

    def no_report(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(composite_report, "render", no_report)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    clock = IncidentClocks(signing).clock(INCIDENT)
    start = max(clock.start(signing.get(ids[n]).sha256) for n in ORDER) + 2.0
    with pytest.raises(ExportError, match="not enough disk space"):
        run_incident_export(signing, IncidentExportJob(INCIDENT, start, start + 0.2, out_dir / "c.mp4", layout="2x2",
                                                       recordings=tuple(ids[n] for n in ORDER), preset="ultrafast",
                                                       package=out_dir / "c.zip"))
    assert list(out_dir.iterdir()) == []
    assert not [e for e in signing.gov.audit.events() if e.action.startswith("incident.export")]


class KeyFileSigner:
    """A ClaimSigner over the test CA's key file (the keyring is the library's business, not this test's)."""

    def __init__(self, ca):
        from cryptography.hazmat.primitives import serialization

        from reviewer.provenance.certs import parse_chain

        self.chain = parse_chain(ca.chain.read_bytes(), str(ca.chain))
        self.tsa_url = None
        self._key = serialization.load_pem_private_key(ca.key.read_bytes(), None)

    def sign(self, data: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        r, s = decode_dss_signature(self._key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def check(self) -> None:
        pass


def tiny_mp4(path: Path, frames: int = 5) -> Path:
    import av
    import numpy as np

    with av.open(str(path), "w") as c:
        vs = c.add_stream("libx264", rate=10)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        for i in range(frames):
            c.mux(vs.encode(av.VideoFrame.from_ndarray(np.full((48, 64, 3), 20 * i, np.uint8), format="rgb24")))
        c.mux(vs.encode(None))
    return path


def test_a_camera_signed_master_keeps_its_own_credential_inside_the_composites(test_ca, tmp_path):
    from reviewer.provenance.embed import Master, composite_definition, definition, sign_stream

    signer = KeyFileSigner(test_ca)
    plain, raw, canvas = (tiny_mp4(tmp_path / n) for n in ("plain.mp4", "raw.mp4", "canvas.mp4"))
    camera = tmp_path / "camera-signed.mp4"  # a camera that signs its footage
    with open(raw, "rb") as src, open(camera, "w+b") as dst:
        sign_stream(signer, definition("camera-signed.mp4", "video/mp4", Master(raw, "raw.mp4", sha(raw)), "shot",
                                       {}), Master(raw, "raw.mp4", sha(raw)), "video/mp4", src, dst)
    masters = [Master(camera, camera.name, sha(camera)), Master(plain, plain.name, sha(plain))]
    out = tmp_path / "composite.mp4"
    with open(canvas, "rb") as src, open(out, "w+b") as dst:
        sign_stream(signer, composite_definition(out.name, "video/mp4", [(m, f"placed {m.name}") for m in masters],
                                                 "composited", {}), masters, "video/mp4", src, dst)
    cc = check_file(out, test_ca.ca_pem)
    assert cc.state == "trusted", cc.summary()
    assert [(i["title"], i["sha256"], i["has_credential"]) for i in cc.ingredients] == \
        [(camera.name, sha(camera), True), (plain.name, sha(plain), False)]


def test_separate_incident_exports_go_into_one_package_disclosed_on_the_incident(lib, ids, tmp_path):
    import zipfile

    clock = IncidentClocks(lib).clock(INCIDENT)
    start = max(clock.start(lib.get(ids[n]).sha256) for n in ORDER) + 2.0
    out = tmp_path / "sep" / "range.mp4"
    results = run_incident_export(lib, IncidentExportJob(
        INCIDENT, start, start + 0.2, out, separate=True, recordings=tuple(ids[n] for n in ORDER[:2]),
        preset="ultrafast", make_dirs=True, package=tmp_path / "sep" / "range.zip"))
    pkg = results[0].package
    assert len(results) == 2 and all(r.package == pkg for r in results)
    with zipfile.ZipFile(pkg.path) as z:
        names = set(z.namelist())
        for r in results:
            assert {r.output.name, r.manifest_path.name, f"{r.output.name}.report.pdf"} <= names
            assert z.read(r.output.name) == r.output.read_bytes()
        assert "VERIFY.txt" in names and "NO Content Credentials" in z.read("VERIFY.txt").decode()
    logged = [e for e in lib.gov.audit.events() if e.action == "incident.export_package"]
    assert [(e.outcome, e.object_id, e.details["sha256"]) for e in logged] == \
        [("started", INCIDENT, pkg.sha256), ("ok", INCIDENT, pkg.sha256)] and pkg.sha256 == sha(pkg.path)

    with pytest.raises(ReviewerError, match="x.zip: a disclosure package holds the PDF report"):
        run_incident_export(lib, IncidentExportJob(INCIDENT, start, start + 0.2, tmp_path / "x.mp4", report=False,
                                                   package=tmp_path / "x.zip"))
    assert not list(tmp_path.glob("x*"))
