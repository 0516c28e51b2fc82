"""The Content Credential part of `reviewer verify`: validate the file's credential as any C2PA verifier would and
cross-check it with our own record of the output (export manifest or still sidecar)."""

from __future__ import annotations

from pathlib import Path

from reviewer.provenance.check import CredentialCheck, check_file


def cross_check(v, file: Path, note: dict | None, anchors_pem: str | None,
                expect: dict[str, str | None], has_record: bool = True) -> CredentialCheck:
    """Add to `v` (a manifest.Verification): a problem for an invalid credential, for one our record says was
    embedded but is gone (re-encoded, stripped), and for one whose master hash or mask-set hash is not ours;
    a note for a valid credential whose signer is not trusted here, or for a file exported without one."""
    cc = check_file(file, anchors_pem)
    v.c2pa = cc.to_json()
    if cc.state == "unreadable":
        # a file our record says carries no credential (made before C2PA, or unsigned) need not parse for c2pa;
        # one that should carry it, or that has no record of ours at all, fails
        fails = not has_record or bool(note and note.get("embedded"))
        (v.problems if fails else v.notes).append(cc.summary())
        return cc
    if cc.state == "invalid":
        v.problems.append(cc.summary())
        return cc
    if cc.state == "absent":
        if note and note.get("embedded"):
            v.problems.append("our record says a Content Credential was embedded, but the file has none: it was "
                              "re-encoded or the credential stripped")
        else:
            why = f" (at export: {note['reason']})" if note and note.get("reason") else ""
            v.notes.append(cc.summary() + why)
        return cc
    v.checks.append(f"C2PA {cc.state}")
    if cc.state == "valid":
        v.notes.append(cc.summary())
    got = {"master SHA-256": cc.master_sha256, "mask-set hash": (cc.fields or {}).get("mask_set_sha256"),
           # sorted: a master c2pa cannot parse is described in the definition, ahead of the streamed ones
           "source SHA-256s": sorted(str(i["sha256"]) for i in cc.ingredients)}
    for name, want in expect.items():
        if want is not None and got.get(name) != want:
            v.problems.append(f"the Content Credential's {name} ({got.get(name)}) differs from our record's ({want})")
    return cc
