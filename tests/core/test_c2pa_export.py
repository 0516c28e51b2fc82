"""Content Credentials on every export and still (issue 15): what a recipient's C2PA verifier sees."""

from __future__ import annotations

import shutil

import av
import cv2
import pytest

from reviewer.export.frame import export_frame
from reviewer.export.manifest import verify
from reviewer.export.service import ExportJob, run_export
from reviewer.export.still_verify import verify_still
from reviewer.export.stills import export_stills
from reviewer.provenance.check import check_file
from reviewer.provenance.identity import import_cert
from tests.core.c2pa_support import approved_code_mask, sha, test_ca  # noqa: F401
from tests.core.test_govern_support import gov_home, ids, lib, template  # noqa: F401
from tests.fixtures import framecode

RID = "cfr_h264"


@pytest.fixture
def signing(lib, gov_home, ids, monkeypatch, test_ca):
    import_cert(lib, test_ca.chain, test_ca.key)
    rid = ids[RID]
    approved_code_mask(lib, gov_home, monkeypatch, rid)
    return lib, rid


def export_range(lib, rid, out, **kw):
    job = ExportJob(rid, out, ranges=((5, 34),), purpose="court bundle", recipient="CPS Wessex",
                    overlays=("banner",), preset="ultrafast", report=False, **kw)
    return run_export(lib, job)[0]


def test_an_export_carries_a_valid_credential_whose_ingredient_is_the_master(signing, test_ca, tmp_path):
    lib, rid = signing
    view = lib.get(rid)
    res = export_range(lib, rid, tmp_path / "court.mp4")
    out, m = res.output, res.manifest

    trusted = check_file(out, test_ca.ca_pem)
    assert trusted.state == "trusted", trusted.summary()
    assert trusted.master_sha256 == view.sha256 == m["source"]["sha256"]
    assert trusted.master_title == view.file_name
    assert [a["action"] for a in trusted.actions] == ["c2pa.opened", "c2pa.edited"]
    edit = trusted.actions[1]["description"]
    assert "1 mask (personal data; effect solid)" in edit and "frames 5-34" in edit and "REDACTED COPY" in edit
    assert trusted.actions[1]["softwareAgent"]["name"] == "BWV Reviewer"
    f = trusted.fields
    assert (f["recipient"], f["purpose"], f["approved_by"]) == ("CPS Wessex", "court bundle", "u_investigator")
    assert f["mask_set_sha256"] == m["masks"]["sha256"] and f["frames"] == 30

    # our manifest and the disclosure log hash the signed file, the bytes a recipient holds
    assert m["output"]["sha256"] == sha(out) and m["c2pa"]["embedded"] is True
    assert m["c2pa"]["signer"] == "O=Test Constabulary,CN=BWV Reviewer test signer"
    ok = [e for e in lib.gov.audit.events() if e.action == "recording.export" and e.outcome == "ok"][-1]
    assert ok.details["output_sha256"] == sha(out) and ok.details["c2pa"]["embedded"] is True

    # signing left the pictures alone: 30 frames, the masked code unreadable, the banner drawn
    with av.open(str(out)) as c:
        frames = [fr.to_ndarray(format="rgb24") for fr in c.decode(video=0)]
    assert len(frames) == 30 and all(framecode.read(f) is None for f in frames)

    v = verify(out, anchors_pem=test_ca.ca_pem)
    assert v.ok and "C2PA trusted" in v.checks, v.problems


def test_without_the_force_ca_the_credential_is_valid_but_untrusted(signing, tmp_path):
    lib, rid = signing
    out = export_range(lib, rid, tmp_path / "a.mp4").output
    assert check_file(out).state == "valid"
    v = verify(out)
    assert v.ok and "C2PA valid" in v.checks
    assert any("not among the trust anchors" in n for n in v.notes)


def test_a_flipped_byte_or_a_re_encoded_copy_fails(signing, test_ca, tmp_path):
    lib, rid = signing
    out = export_range(lib, rid, tmp_path / "b.mp4").output
    flipped = tmp_path / "flipped.mp4"
    data = bytearray(out.read_bytes())
    data[data.find(b"mdat") + 2000] ^= 0x01  # one bit of the pictures
    flipped.write_bytes(bytes(data))
    shutil.copy(out.with_name(out.name + ".manifest.json"), flipped.with_name(flipped.name + ".manifest.json"))
    cc = check_file(flipped, test_ca.ca_pem)
    assert cc.state == "invalid" and any("mismatch" in f for f in cc.failures), cc.failures
    v = verify(flipped, anchors_pem=test_ca.ca_pem)
    assert not v.ok and any(p.startswith("Content Credentials INVALID") for p in v.problems)

    # cut short (a broken transfer): whatever c2pa makes of it, the credential does not pass
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(out.read_bytes()[: out.stat().st_size // 2])
    shutil.copy(out.with_name(out.name + ".manifest.json"), cut.with_name(cut.name + ".manifest.json"))
    v = verify(cut, anchors_pem=test_ca.ca_pem)
    assert not v.ok and v.c2pa["state"] in ("invalid", "unreadable") and any("Content Credential" in p or
                                                                             "C2PA" in p for p in v.problems)

    # re-encoded, as a "helpful" converter would: the credential is gone and verify says so
    copy = tmp_path / "copy.mp4"
    with av.open(str(out)) as src, av.open(str(copy), "w") as dst:
        vs = dst.add_stream("libx264", rate=src.streams.video[0].average_rate)
        vs.width, vs.height, vs.pix_fmt = src.streams.video[0].width, src.streams.video[0].height, "yuv420p"
        for fr in src.decode(video=0):
            fr.pts = None
            dst.mux(vs.encode(fr))
        dst.mux(vs.encode(None))
    shutil.copy(out.with_name(out.name + ".manifest.json"), copy.with_name(copy.name + ".manifest.json"))
    assert check_file(copy).state == "absent"
    v = verify(copy, anchors_pem=test_ca.ca_pem)
    assert any("re-encoded or the credential stripped" in p for p in v.problems), v.problems


def test_stills_and_a_frame_export_carry_credentials(signing, test_ca, tmp_path):
    lib, rid = signing
    view = lib.get(rid)
    stills = export_stills(lib, rid, [2, 40], tmp_path / "stills", make_dirs=True)
    frame = export_frame(lib, rid, 40, tmp_path / "frame.png", redacted=True)
    assert stills.c2pa["embedded"] and frame.c2pa["embedded"]
    for png in [s.png for s in stills.stills] + [frame.png]:
        cc = check_file(png, test_ca.ca_pem)
        assert cc.state == "trusted", (png, cc.summary())
        assert cc.master_sha256 == view.sha256
        assert "personal data" in cc.actions[1]["description"]
        rgb = cv2.imread(str(png))[..., ::-1]
        assert framecode.read(rgb) is None  # the masked code, in the signed PNG
        v = verify_still(png, anchors_pem=test_ca.ca_pem)
        assert v.ok and v.checks == ["PNG SHA-256", "C2PA trusted"], v.problems
    data = bytearray(frame.png.read_bytes())
    data[data.find(b"IDAT") + 20] ^= 0x01
    frame.png.write_bytes(bytes(data))
    v = verify_still(frame.png, anchors_pem=test_ca.ca_pem)
    assert not v.ok and any("INVALID" in p for p in v.problems) and any("PNG SHA-256" in p for p in v.problems)


def test_a_master_that_carries_its_own_credential_is_kept_as_the_parents(signing, test_ca, tmp_path):
    """A camera that signs its footage: the still's credential holds the master's credential as its ingredient's."""
    lib, rid = signing
    signed_master = export_range(lib, rid, tmp_path / "camera" / "signed.mp4", make_dirs=True).output
    new = lib.import_paths([signed_master]).added[0]
    frame = export_frame(lib, new.id, 3, tmp_path / "f.png")
    cc = check_file(frame.png, test_ca.ca_pem)
    assert cc.state == "trusted" and cc.master_sha256 == new.sha256 == sha(signed_master)
    assert cc.master_has_credential

    plain = export_frame(lib, rid, 3, tmp_path / "g.png")
    assert not check_file(plain.png, test_ca.ca_pem).master_has_credential


def test_a_signed_export_that_fails_after_signing_leaves_no_file_and_no_temp(signing, tmp_path, monkeypatch):
    """Signing makes a second temp beside the output; a failure before anything is named (here the report)
    removes it as well as the encoder's."""
    from reviewer.export import report
    from reviewer.export.pipeline import ExportError

    lib, rid = signing

    def no_report(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report, "render", no_report)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(ExportError, match="not enough disk space"):
        run_export(lib, ExportJob(rid, out_dir / "court.mp4", ranges=((0, 9),), preset="ultrafast",
                                  purpose="court bundle", recipient="CPS"))
    assert list(out_dir.iterdir()) == []  # no named file, and no ".court.mp4.*.part" left to the next sweep
    assert not [e for e in lib.gov.audit.events(action="recording.export")]  # nothing was disclosed


def test_a_master_in_a_container_c2pa_cannot_read_is_still_named_with_its_hash(lib, ids, test_ca, tmp_path):
    import_cert(lib, test_ca.chain, test_ca.key)
    view = lib.get(ids["offset_mkv"])  # Matroska: no C2PA reader, so the ingredient is described, not parsed
    frame = export_frame(lib, view.id, 2, tmp_path / "mkv.png")
    cc = check_file(frame.png, test_ca.ca_pem)
    assert cc.state == "trusted" and cc.master_sha256 == view.sha256 and cc.master_title == view.file_name
