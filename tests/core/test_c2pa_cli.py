"""Content Credentials from the command line: set-up, a missing identity, the disclosure package (issue 15)."""

from __future__ import annotations

import json
import subprocess

import pytest

from reviewer.config import workstation_id
from reviewer.errors import ReviewerError
from reviewer.export.service import ExportJob, run_export
from reviewer.govern.signing import secure_backend
from reviewer.provenance.certs import CertificateProblem, make_test_ca, parse_chain
from reviewer.provenance.identity import CredentialsRequired, configure, import_cert
from reviewer.provenance.signer import SERVICE, account
from tests.core.c2pa_support import approved_code_mask, sha, test_ca  # noqa: F401
from tests.core.test_export_cli import cli
from tests.core.test_govern_support import gov_home, ids, lib, template  # noqa: F401
from tests.fixtures.packages import unpack_checked

RID = "cfr_h264"


def events(lib, action):
    return [e for e in lib.gov.audit.events() if e.action == action]


def test_make_test_ca_import_cert_and_status(gov_home, lib, tmp_path):
    made = cli(gov_home, "c2pa", "make-test-ca", str(tmp_path / "ca"), "--make-dirs", "--json")
    files = json.loads(made.stdout)
    assert (tmp_path / "ca" / "key.pem").stat().st_mode & 0o077 == 0  # the test key is private to its owner
    before = json.loads(cli(gov_home, "c2pa", "status", "--json").stdout)
    assert before["can_sign"] is False and before["problem"].startswith("no C2PA signing identity is configured")
    out = cli(gov_home, "c2pa", "import-cert", files["chain.pem"], files["key.pem"]).stdout
    assert "signing identity set: O=BWV Reviewer TEST CA (not for evidence),CN=BWV Reviewer test signer" in out
    status = json.loads(cli(gov_home, "c2pa", "status", "--json").stdout)
    assert status["can_sign"] is True and status["fingerprint"] == parse_chain(
        (tmp_path / "ca" / "chain.pem").read_bytes(), "x").fingerprint
    ev = events(lib, "c2pa.identity_set")[-1]
    assert ev.details["state"]["table"] == "library_settings" and "PRIVATE KEY" not in json.dumps(ev.details)
    assert lib.gov.verify_audit().ok  # the row is backed by its event (replay)


def test_import_cert_refuses_a_key_of_another_certificate_and_a_ca_first(lib, tmp_path, test_ca):
    _ca, _chain, other_key = make_test_ca()
    wrong = tmp_path / "other.pem"
    wrong.write_bytes(other_key)
    with pytest.raises(CertificateProblem, match=f"{wrong}: this private key does not belong to the signing"):
        import_cert(lib, test_ca.chain, wrong)
    with pytest.raises(CertificateProblem, match=f"{test_ca.ca}: the first certificate is a CA"):
        import_cert(lib, test_ca.ca, test_ca.key)
    _ca, chain, key = make_test_ca(days=0)  # expired the moment it was made
    (tmp_path / "old.pem").write_bytes(chain)
    (tmp_path / "old-key.pem").write_bytes(key)
    with pytest.raises(CertificateProblem, match="old.pem: the signing certificate is valid only from"):
        import_cert(lib, tmp_path / "old.pem", tmp_path / "old-key.pem")
    assert not events(lib, "c2pa.identity_set")


def test_without_an_identity_exports_go_unsigned_with_a_loud_warning(gov_home, lib, ids, monkeypatch, tmp_path):
    rid = ids[RID]
    approved_code_mask(lib, gov_home, monkeypatch, rid)
    out = tmp_path / "u.mp4"
    p = cli(gov_home, "export", rid, "--out", str(out), "--range", "0:9", "--preset", "ultrafast", "--no-report")
    assert "reviewer: WARNING: u.mp4 exported WITHOUT Content Credentials: no C2PA signing identity is configured" \
        in p.stderr
    assert "NO Content Credentials" in p.stdout
    m = json.loads(out.with_name(out.name + ".manifest.json").read_text())
    assert m["c2pa"] == {"embedded": False, "reason": m["c2pa"]["reason"]} and "import-cert" in m["c2pa"]["reason"]
    ok = cli(gov_home, "verify", str(out))
    assert ok.returncode == 0 and "NOTE: no Content Credentials in the file" in ok.stdout
    still = cli(gov_home, "frame", rid, "3", "--redacted", "-o", str(tmp_path / "f.png"))
    assert "reviewer: WARNING: exported WITHOUT Content Credentials" in still.stderr
    assert json.loads((tmp_path / "f.json").read_text())["c2pa"]["embedded"] is False

    # a force that requires credentials: refused before anything is decoded, nothing written
    configure(lib, required=True)
    refused = cli(gov_home, "export", rid, "--out", str(tmp_path / "r.mp4"), "--range", "0:9", check=False)
    assert refused.returncode == 1 and "requires Content Credentials on every export" in refused.stderr
    assert not list(tmp_path.glob("r.mp4*"))
    with pytest.raises(CredentialsRequired):
        run_export(lib, ExportJob(rid, tmp_path / "r2.mp4", ranges=((0, 9),), preset="ultrafast"))


def test_a_configured_identity_whose_key_is_gone_refuses_to_export(gov_home, lib, ids, monkeypatch, tmp_path,
                                                                   test_ca):
    rid = ids[RID]
    approved_code_mask(lib, gov_home, monkeypatch, rid)
    chain = import_cert(lib, test_ca.chain, test_ca.key)
    secure_backend().delete_password(SERVICE, account(workstation_id(gov_home), chain.fingerprint))
    before = len(events(lib, "recording.open"))
    with pytest.raises(ReviewerError, match="the C2PA signing key for .* is not in this account's OS keyring"):
        run_export(lib, ExportJob(rid, tmp_path / "new" / "k.mp4", ranges=((0, 9),), preset="ultrafast",
                                  make_dirs=True))
    assert not (tmp_path / "new").exists() and len(events(lib, "recording.open")) == before  # never opened


def test_a_package_unzips_to_a_copy_anyone_can_verify(gov_home, lib, ids, monkeypatch, tmp_path, test_ca):
    rid = ids[RID]
    approved_code_mask(lib, gov_home, monkeypatch, rid)
    import_cert(lib, test_ca.chain, test_ca.key)
    configure(lib, trust_anchors=str(test_ca.ca))
    out = tmp_path / "out" / "court.mp4"
    p = cli(gov_home, "export", rid, "--out", str(out), "--range", "0:29", "--recipient", "CPS", "--purpose",
            "trial", "--preset", "ultrafast", "--package", "--make-dirs", "--json")
    res = json.loads(p.stdout)
    zpath = tmp_path / "out" / "court-disclosure.zip"
    assert res["package"] == {"path": str(zpath), "sha256": sha(zpath)}
    # the package's own hash is in the disclosure log, recorded before the ZIP got its name
    logged = [e.details for e in events(lib, "recording.export_package")]
    assert [d["sha256"] for d in logged] == [sha(zpath), sha(zpath)]  # "started", then "ok"

    unpacked = unpack_checked(zpath, tmp_path / "recipient", "court.mp4")
    pdf = subprocess.run(["pdftotext", str(unpacked / "court.mp4.report.pdf"), "-"], capture_output=True, text=True,
                         check=True).stdout
    assert ("Content Credentials (C2PA) embedded, signed by O=Test Constabulary,CN=BWV Reviewer test signer"
            in " ".join(pdf.split()))
    text = (unpacked / "VERIFY.txt").read_text()
    assert "certutil -hashfile" in text and "shasum -a 256" in text and "contentcredentials.org/verify" in text
    assert f"Master SHA-256: {lib.get(rid).sha256}" in text and "Redaction approved by: u_investigator" in text

    # the recipient has no library: a fresh home, and only the package's trust anchors
    elsewhere = tmp_path / "no-library"
    elsewhere.mkdir()
    ok = cli(elsewhere, "verify", str(unpacked / "court.mp4"), "--trust", str(unpacked / "trust-anchors.pem"))
    assert "C2PA trusted" in ok.stdout and not (elsewhere / "library.sqlite3").exists()
    untrusted = cli(elsewhere, "verify", str(unpacked / "court.mp4"))
    assert "C2PA valid" in untrusted.stdout and "not among the trust anchors" in untrusted.stdout


def test_an_unreachable_time_stamp_authority_fails_the_export_instead_of_signing_without_it(
        gov_home, lib, ids, tmp_path, test_ca):
    from reviewer.export.frame import export_frame
    from reviewer.provenance.embed import SigningFailed

    import_cert(lib, test_ca.chain, test_ca.key)
    configure(lib, tsa_url="http://127.0.0.1:9/tsa")  # the discard port: nothing answers
    with pytest.raises(SigningFailed, match="frame.png: the Content Credential could not be embedded .*127.0.0.1:9"):
        export_frame(lib, ids[RID], 3, tmp_path / "frame.png")
    assert not list(tmp_path.glob("frame*"))
    assert [e.outcome for e in events(lib, "recording.frame_export")] == []  # never disclosed


def test_without_the_native_c2pa_library_a_signing_workstation_refuses_in_one_line(lib, ids, tmp_path, test_ca,
                                                                                   monkeypatch):
    import sys

    from reviewer.export.frame import export_frame

    import_cert(lib, test_ca.chain, test_ca.key)
    monkeypatch.setitem(sys.modules, "c2pa", None)  # as a bundle that lost libc2pa_c.so: the import fails
    with pytest.raises(ReviewerError, match="Content Credentials are not available: the c2pa library cannot be"):
        export_frame(lib, ids[RID], 3, tmp_path / "frame.png")
    assert not list(tmp_path.glob("frame*"))


def test_verify_txt_keeps_user_text_on_its_line():
    """A recipient may `cat VERIFY.txt`: a recipient name with escapes or a newline cannot act on the terminal or
    forge a line."""
    from reviewer.export.package_text import verify_text

    m = {"output": {"name": "a.mp4", "sha256": "ab", "frames": 3}, "source": {"name": "m.mp4", "sha256": "cd"},
         "ranges": [], "recipient": "CPS\x1b[2J\nSHA-256: forged", "purpose": "trial",
         "masks": {"sha256": "ef", "approval": None}, "c2pa": {"embedded": False, "reason": "none configured"}}
    text = verify_text([m], has_chain=False, has_anchors=False)
    assert "    Recipient: CPS\\x1b[2J\\nSHA-256: forged; purpose: trial" in text.splitlines()
    assert "\x1b" not in text and "NO Content Credentials: none configured" in text
