"""`reviewer c2pa ...`: the workstation's Content Credentials signing identity (ADR 0021, docs/c2pa-pki.md).

import-cert CHAIN.pem KEY.pem   the force's certificate chain into the library, the key into the OS keyring
make-test-ca DIR                a test CA and signer for pilots and tests (never for evidence)
configure                       trust anchors, a time-stamp authority, whether unsigned exports are refused
status                          what is configured and whether this workstation can sign now
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from reviewer.cli_govern import _cmd, _emit, _group
from reviewer.errors import ReviewerError


def register(sub) -> None:
    from reviewer.cli import add_output_flags

    g = _group(sub, "c2pa", "Content Credentials (C2PA): the signing identity, trust anchors, status")
    p = _cmd(g, "import-cert", cmd_import_cert, "store the signing certificate chain (library) and its private key "
             "(OS keyring, never on disk); supervisor, audited")
    p.add_argument("chain", type=Path, metavar="CHAIN.pem", help="the signing certificate first, then its issuers")
    p.add_argument("key", type=Path, metavar="KEY.pem", help="its EC P-256 private key (PKCS#8 or SEC1 PEM)")
    p = _cmd(g, "make-test-ca", cmd_make_test_ca, "write a TEST CA and signer (ca.pem, chain.pem, key.pem) into DIR, "
             "for pilots and tests only")
    p.add_argument("dir", type=Path, metavar="DIR")
    p.add_argument("--org", default="BWV Reviewer TEST CA (not for evidence)", help="organisation name in both")
    add_output_flags(p)
    p = _cmd(g, "configure", cmd_configure, "trust anchors, time-stamp authority, refuse unsigned exports "
             "(supervisor, audited)")
    p.add_argument("--trust-anchors", metavar="PEM_OR_DIR", help="CA certificates verification trusts (\"\" for none)")
    p.add_argument("--tsa-url", metavar="URL", help="RFC 3161 time-stamp authority (\"\" for none)")
    p.add_argument("--require", choices=["on", "off"], help="on: refuse any export without Content Credentials")
    _cmd(g, "status", cmd_status, "the configured identity and whether this workstation can sign now")


def _library():
    from reviewer.library import Library

    return Library()


def cmd_import_cert(args) -> int:
    from reviewer.provenance.certs import key_is_encrypted
    from reviewer.provenance.identity import import_cert

    password = None
    try:
        encrypted = key_is_encrypted(args.key.read_bytes())
    except OSError as exc:
        raise ReviewerError(f"{args.key}: the private key cannot be read ({exc.strerror or exc})") from None
    if encrypted:
        if not sys.stdin.isatty():
            raise ReviewerError(f"{args.key}: the private key is encrypted and there is no terminal to ask for its "
                                "password")
        password = getpass.getpass(f"Password for {args.key}: ").encode()
    with _library() as lib:
        chain = import_cert(lib, args.chain, args.key, password)
    leaf = chain.leaf
    return _emit(args, {"subject": chain.subject, "issuer": leaf.issuer.rfc4514_string(),
                        "fingerprint": chain.fingerprint, "not_after": leaf.not_valid_after_utc.isoformat()},
                 [f"signing identity set: {chain.subject}",
                  f"issued by {leaf.issuer.rfc4514_string()}, valid until {leaf.not_valid_after_utc:%Y-%m-%d}",
                  f"certificate SHA-256 {chain.fingerprint}",
                  f"the private key is in this account's OS keyring; remove {args.key} as your procedure says"])


def cmd_make_test_ca(args) -> int:
    from reviewer.atomic import write_bytes
    from reviewer.config import default_home
    from reviewer.outputs import check_output_path
    from reviewer.provenance.certs import make_test_ca

    ca, chain, key = make_test_ca(org=args.org)
    files = {"ca.pem": ca, "chain.pem": chain, "key.pem": key}
    targets = {name: check_output_path(default_home(), args.dir / name, args.overwrite,
                                       args.make_dirs and n == 0, "test CA file")
               for n, (name, _data) in enumerate(files.items())}
    for name, data in files.items():
        write_bytes(targets[name].path, data)
    from reviewer.cli import say_created

    say_created(targets["ca.pem"].created)
    return _emit(args, {name: str(t.path) for name, t in targets.items()},
                 [f"{targets['ca.pem'].path}: TEST root CA (trust anchor for verify --trust)",
                  f"{targets['chain.pem'].path}: TEST signer chain",
                  f"{targets['key.pem'].path}: TEST signer key; import with: reviewer c2pa import-cert "
                  f"{targets['chain.pem'].path} {targets['key.pem'].path}",
                  "never use a test CA for real disclosures"])


def cmd_configure(args) -> int:
    from reviewer.provenance.identity import configure

    changes = {}
    if args.trust_anchors is not None:
        changes["trust_anchors"] = args.trust_anchors
    if args.tsa_url is not None:
        changes["tsa_url"] = args.tsa_url
    if args.require is not None:
        changes["required"] = args.require == "on"
    if not changes:
        raise ReviewerError("c2pa configure: give --trust-anchors, --tsa-url or --require")
    with _library() as lib:
        cfg = configure(lib, **changes)
    return _emit(args, _public(cfg), _lines(cfg))


def cmd_status(args) -> int:
    from reviewer.provenance.identity import config, signer_for_export

    with _library() as lib:
        cfg = config(lib)
        try:
            signer, why = signer_for_export(lib)
            ready, problem = signer is not None, why
        except ReviewerError as exc:
            ready, problem = False, str(exc)
    data = {**_public(cfg), "can_sign": ready, "problem": problem or None}
    lines = _lines(cfg) + ["can sign now: yes" if ready else f"can sign now: NO ({problem})"]
    return _emit(args, data, lines)


def _public(cfg) -> dict:
    chain = cfg.chain
    return {"subject": chain and chain.subject, "fingerprint": chain and chain.fingerprint,
            "not_after": chain and chain.leaf.not_valid_after_utc.isoformat(), "trust_anchors": cfg.trust_anchors,
            "tsa_url": cfg.tsa_url, "required": cfg.required}


def _lines(cfg) -> list[str]:
    chain = cfg.chain
    return [f"signing identity: {chain.subject if chain else 'none'}",
            f"trust anchors: {cfg.trust_anchors or 'none'}",
            f"time-stamp authority: {cfg.tsa_url or 'none (signing time is not independently attested)'}",
            f"unsigned exports: {'REFUSED' if cfg.required else 'allowed, with a warning'}"]
