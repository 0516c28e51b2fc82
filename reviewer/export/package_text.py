"""VERIFY.txt: how a recipient without BWV Reviewer checks a disclosure package, in plain language."""

from __future__ import annotations

from reviewer.safe_text import for_terminal


def _sources(m: dict) -> list[str]:
    """An incident composite: each master it shows, with its hash, the frames shown and who approved its masks."""
    lines = [f"  File: {m['output']['name']}",
             f"    SHA-256: {m['output']['sha256']}",
             f"    A {m['incident']['layout']} composite of incident {m['incident']['incident']}, incident time "
             f"{m['incident']['from']} to {m['incident']['to']} s, of these master recordings:"]
    for s in m["sources"]:
        frames = "no footage in the interval" if s.get("first_frame") is None else \
            f"frames {s['first_frame']}-{s['last_frame']}"
        approved = (s.get("approval") or {}).get("approved_by") or "NOT APPROVED (shown unredacted)"
        lines += [f"      Camera {s['camera']}: {s['name']}, {frames}",
                  f"        Master SHA-256: {s['sha256']}",
                  f"        Redaction approved by: {approved}; mask-set SHA-256: {s['masks_sha256']}"]
    lines.append(f"    Frames: {m['output']['frames']}")
    return lines


def _what_it_says(m: dict) -> list[str]:
    c2pa = m.get("c2pa") or {}
    approval = (m.get("masks") or {}).get("approval") or {}
    if m.get("kind") == "composite":
        lines = _sources(m) + [f"    Recipient: {m.get('recipient') or '-'}; purpose: {m.get('purpose') or '-'}"]
        if c2pa.get("embedded"):
            lines.append(f"    Content Credentials signed by: {c2pa['signer']} (issuer {c2pa['issuer']}); "
                         "each master is named in them as an ingredient with its SHA-256")
        else:
            lines.append(f"    NO Content Credentials: {c2pa.get('reason') or 'not recorded'}")
        return lines
    lines = [
        f"  File: {m['output']['name']}",
        f"    SHA-256: {m['output']['sha256']}",
        f"    Made from the master recording {m['source']['name']}",
        f"    Master SHA-256: {m['source']['sha256']}",
        f"    Frames: {m['output']['frames']}; ranges of the master: "
        + (", ".join(f"{r['in']}-{r['out']}" for r in m.get("ranges", [])) or "all"),
        f"    Recipient: {m.get('recipient') or '-'}; purpose: {m.get('purpose') or '-'}",
        f"    Redaction approved by: {approval.get('approved_by') or 'NOT APPROVED (not a redacted copy)'}",
        f"    Mask-set SHA-256: {m['masks']['sha256']}",
    ]
    if c2pa.get("embedded"):
        lines.append(f"    Content Credentials signed by: {c2pa['signer']} (issuer {c2pa['issuer']})")
    else:
        lines.append(f"    NO Content Credentials: {c2pa.get('reason') or 'not recorded'}")
    return lines


def verify_text(manifests: list[dict], has_chain: bool, has_anchors: bool) -> str:
    """User text (names, recipient, purpose) is escaped as for a terminal: a recipient may `cat` this file, and
    one line of it must stay one line."""
    names = [m["output"]["name"] for m in manifests]
    first = names[0]
    parts = [
        "HOW TO CHECK THIS DISCLOSURE PACKAGE",
        "====================================",
        "",
        "This package was made by BWV Reviewer. It holds a copy of body-worn video footage (redacted where the",
        "report says so), a manifest (.manifest.json) and a report (.report.pdf) for each copy, and checksums.",
        "You do not need BWV Reviewer to check it.",
        "",
        "1. CHECK THAT NO FILE WAS CHANGED (SHA-256 checksums)",
        "",
        "   SHA256SUMS lists the SHA-256 of every file in this package. Each copy's SHA-256 is also printed in",
        "   its PDF report and its manifest, and was recorded in the disclosing force's disclosure log.",
        "",
        "   Linux:    sha256sum -c SHA256SUMS",
        f"   macOS:    shasum -a 256 -c SHA256SUMS     (or: shasum -a 256 \"{first}\")",
        f"   Windows:  certutil -hashfile \"{first}\" SHA256",
        f"             (PowerShell: Get-FileHash \"{first}\" -Algorithm SHA256)",
        "",
        "   Compare the result with the line for that file in SHA256SUMS and with the report. Any difference",
        "   means the file is not the one that was disclosed.",
        "",
        "2. CHECK THE CONTENT CREDENTIALS (C2PA)",
        "",
        "   Each copy carries Content Credentials inside the file: a record, signed with the force's",
        "   certificate, of where it came from (the master recording) and what was done to it (the redaction).",
        "   Any C2PA verifier reads them, for example:",
        "     - the Content Authenticity Initiative's web page: https://contentcredentials.org/verify",
        "       (drag the file onto the page; it is checked in your browser)",
        f"     - the open-source command-line tool c2patool: c2patool \"{first}\"",
        "",
    ]
    if has_chain:
        parts += [
            "   The signing certificate and the certificates that issued it are in",
            "   signing-certificate-chain.pem." + (" The force's root certificate(s) are in trust-anchors.pem." if
                                                  has_anchors else ""),
            "   A verifier that does not know the force's certificate authority reports the credentials as",
            "   valid but from an unknown (untrusted) signer. To have them trusted, add the force's root",
            "   certificate as a trust anchor in your verifier, after confirming its fingerprint with the force by",
            f"   a channel you trust (c2patool: c2patool \"{first}\" trust --trust_anchors trust-anchors.pem).",
            "   Its SHA-256 fingerprint: openssl x509 -in trust-anchors.pem -noout -fingerprint -sha256",
            "   (Windows: certutil -dump trust-anchors.pem, the line 'Cert Hash(sha256)').",
        ]
    else:
        parts += [
            "   THIS PACKAGE'S COPIES WERE EXPORTED WITHOUT CONTENT CREDENTIALS (see below): check them with the",
            "   checksums above and the force's disclosure log.",
        ]
    parts += [
        "",
        "   A valid credential also proves the file is unchanged: altering even one byte makes a verifier report",
        "   it as invalid. A re-encoded or converted copy has no credential at all.",
        "",
        "3. WHAT THE CREDENTIALS AND MANIFESTS SAY",
        "",
    ]
    for m in manifests:
        parts += _what_it_says(m) + [""]
    parts += [
        "   The actions recorded are 'opened' (the master recording) and 'edited' (the redaction, described in",
        "   words: masks by reason and count, blackouts, muted or bleeped audio, burned-in text, the frames",
        "   taken). The 'org.bwvreviewer.disclosure' part carries the recipient, purpose, approver and the",
        "   mask-set hash, which match the manifest and the report.",
        "",
    ]
    if any(m.get("kind") == "composite" for m in manifests):
        parts[-1:-1] = [
            "   A composite of several cameras records 'created' (a composite of captures), one 'placed' per",
            "   camera (its frames shown and its own masks) and 'edited' (what was done to the whole); each",
            "   camera's master recording is an ingredient carrying its SHA-256.",
        ]
    return "\n".join(for_terminal(line) for line in parts) + "\n"
