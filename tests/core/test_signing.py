"""Checkpoints and export manifests are sealed with the workstation's Ed25519 key, kept in the OS keyring (a
real gnome-keyring Secret Service, see conftest), and verified against the keys the library knows."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from keyring.backends import fail, null

from reviewer.export import manifest as mf
from reviewer.govern.checkpoints import record_hash
from reviewer.govern.signing import SERVICE, KeyUnavailable, WorkstationSigner, key_id
from reviewer.library import Library


def cli(home: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reviewer", *args], capture_output=True, text=True,
                          env={**os.environ, "REVIEWER_HOME": str(home), **(env or {})}, timeout=120)


def test_checkpoints_are_signed_by_the_registered_workstation_key(home):
    with Library(home) as lib:
        lib.gov.checkpoint()
        records, problem = lib.gov.checkpoints.read()
        assert problem is None and records and all(r.signature for r in records)
        known = lib.gov.known_keys()
        assert {r.signature["key_id"] for r in records} == set(known) == {lib.gov.key.key_id}
        reg = lib.gov.audit.events(action="key.register")
        assert [(e.object_id, e.details["workstation"], e.details["state"]["public_key"]) for e in reg] == [
            (lib.gov.key.key_id, lib.gov.workstation, known[lib.gov.key.key_id])]
        assert lib.gov.verify_audit().ok
        # the private key is in the keyring, and nowhere in the library
        secret = keyring.get_password(SERVICE, lib.gov.workstation)
        assert secret and len(bytes.fromhex(secret)) == 32
    for p in home.rglob("*"):
        if p.is_file():
            assert secret.encode() not in p.read_bytes(), p


def rewrite_checkpoints(home: Path, change) -> None:
    """What someone without the key can do: rewrite every line with correct hashes, and sign as they like."""
    path = home / "audit" / "checkpoints.jsonl"
    out, prev = [], "0" * 64
    for line in path.read_text().splitlines():
        d = json.loads(line)
        d["prev"] = prev
        d["hash"] = record_hash(d["count"], d["head_hash"], d["at"], d["workstation"], prev)
        change(d)
        prev = d["hash"]
        out.append(json.dumps(d))
    path.write_text("\n".join(out) + "\n")


def attacker_signature(d: dict) -> None:
    k = Ed25519PrivateKey.generate()
    pub = k.public_key().public_bytes_raw()
    d["signature"] = {"algorithm": "Ed25519", "key_id": key_id(pub), "public_key": pub.hex(),
                      "signature": k.sign(d["hash"].encode()).hex()}


def moved_time(d: dict) -> None:
    d["at"] = "2020-01-01T00:00:00.000000Z"
    d["hash"] = record_hash(d["count"], d["head_hash"], d["at"], d["workstation"], d["prev"])


CHANGES = {
    "signatures stripped": (lambda d: d.pop("signature", None),
                            "is unsigned although the library had a workstation key"),
    "signed with another key": (attacker_signature, "which this library does not know"),
    "edited, old signature kept": (moved_time, "does not verify (the content was changed after signing)"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_checkpoints_rewritten_without_the_key_fail_verification(home, change):
    with Library(home) as lib:
        lib.gov.checkpoint()
    edit, message = CHANGES[change]
    rewrite_checkpoints(home, edit)
    p = cli(home, "audit", "verify", "--json")
    out = json.loads(p.stdout)
    assert p.returncode == 2 and message in out["problem"], out


def write_sealed(tmp_path: Path, workstation: str) -> tuple[Path, dict]:
    out = tmp_path / "export.mp4"
    out.write_bytes(b"not really video, but hashed like it")
    body = {"schema": mf.SCHEMA, "version": mf.VERSION, "recipient": "CPS",
            "output": {"name": out.name, "size": out.stat().st_size,
                       "sha256": hashlib.sha256(out.read_bytes()).hexdigest()},
            "masks": {"sha256": mf.mask_hash({}), "data": {}}}
    m = mf.sign(mf.seal(body), workstation)
    mf.write(mf.manifest_path_for(out), m)
    return out, m


def test_export_manifests_are_signed_and_verified_against_the_library(home, tmp_path):
    with Library(home) as lib:
        workstation = lib.gov.workstation
        assert lib.gov.known_keys()  # registered when the library opened
    out, m = write_sealed(tmp_path, workstation)
    p = cli(home, "verify", str(out), "--json")
    assert p.returncode == 0 and "workstation signature" in json.loads(p.stdout)["checks"], p.stdout + p.stderr

    # re-sealed after an edit (the self-hash is easy to redo), with the old signature kept
    forged = {**mf.seal({**m, "recipient": "the press"}), "signature": m["signature"]}
    mf.write(mf.manifest_path_for(out), forged)
    p = cli(home, "verify", str(out), "--json")
    assert p.returncode == 1 and json.loads(p.stdout)["problems"] == [
        f"workstation signature: the signature by key {m['signature']['key_id'][:16]}… does not verify "
        "(the content was changed after signing)"]

    # re-signed with a key of the forger's own
    k = Ed25519PrivateKey.generate()
    pub = k.public_key().public_bytes_raw()
    forged["signature"] = {"algorithm": "Ed25519", "key_id": key_id(pub), "public_key": pub.hex(),
                           "signature": k.sign(forged["manifest_sha256"].encode()).hex()}
    mf.write(mf.manifest_path_for(out), forged)
    p = cli(home, "verify", str(out), "--json")
    assert p.returncode == 1 and "which this library does not know" in json.loads(p.stdout)["problems"][0]


@pytest.mark.parametrize("backend", [null.Keyring, fail.Keyring])
def test_without_a_secure_keyring_viewing_works_and_sealing_refuses(home, tmp_path, backend):
    original = keyring.get_keyring()
    keyring.set_keyring(backend())
    try:
        with Library(home) as lib:  # opens, lists and audits as before
            assert lib.recordings() == []
            before = lib.gov.checkpoints.read()[0]
            lib.gov.record_now("audit", "", "test.event")
            assert lib.gov.checkpoint() is None and lib.gov.checkpoints.read()[0] == before
            name = f"{backend.__module__}.{backend.__name__}"
            assert lib.gov.seal_error.startswith(f"no secure OS keyring is available (found: {name});")
            with pytest.raises(KeyUnavailable, match="no secure OS keyring"):
                write_sealed(tmp_path, "another-workstation")
    finally:
        keyring.set_keyring(original)
    assert WorkstationSigner("after").key_id  # the real keyring again


def test_the_cli_says_why_nothing_was_sealed(home):
    with Library(home) as lib:
        lib.gov.record_now("audit", "", "test.event")  # closing would seal this; with no keyring it cannot
    p = cli(home, "audit", "verify", env={"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"})
    assert p.returncode == 0 and p.stdout.startswith("OK: ")
    assert p.stderr.strip() == ("reviewer: warning: the audit trail was not sealed with a checkpoint: no secure OS "
                                "keyring is available (found: keyring.backends.null.Keyring); checkpoints and "
                                "export manifests cannot be sealed. Unlock or start the login keyring (Secret "
                                "Service, e.g. gnome-keyring)")
