"""This library's Content Credentials set-up: the signing certificate chain, the trust anchors, a time-stamp
authority and whether exports without credentials are refused. One governed library_settings row (changed only
through the gate, by a supervisor, with its state in the audit event); the key itself is only in the OS keyring.

The decision on a missing identity (ADR 0021): none configured -> exports go out without credentials, said loudly
(CLI warning, the manifest's "c2pa" note, the PDF report, the disclosure event), unless `required` is set, which
refuses them. An identity that is configured but cannot sign (keyring locked or empty, certificate expired) always
refuses: a force that set signing up never gets an unsigned copy by accident.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from reviewer.config import workstation_id
from reviewer.errors import ReviewerError
from reviewer.govern.gated import gated, read_only
from reviewer.govern.roles import Action
from reviewer.govern.state import put_setting, with_state
from reviewer.provenance import certs
from reviewer.provenance.context import load_c2pa
from reviewer.provenance.signer import ClaimSigner, KeyringSigner, store_key

SETTING = "c2pa.identity"
EVENT_OBJECT = ("library", "c2pa")
NOT_CONFIGURED = ("no C2PA signing identity is configured on this workstation (a supervisor runs: reviewer c2pa "
                  "import-cert CHAIN.pem KEY.pem)")


class CredentialsRequired(ReviewerError):
    """The library requires Content Credentials and none can be made."""


@dataclass(frozen=True)
class C2paConfig:
    chain_pem: str | None = None
    tsa_url: str | None = None
    trust_anchors: str | None = None  # a PEM file or a folder of them
    required: bool = False

    @property
    def chain(self) -> certs.Chain | None:
        return certs.parse_chain(self.chain_pem.encode(), "the configured C2PA certificate chain") \
            if self.chain_pem else None

    def anchors_pem(self) -> str | None:
        return certs.load_anchors(Path(self.trust_anchors)) if self.trust_anchors else None


@read_only
def config(library) -> C2paConfig:
    raw = library.gov.setting(SETTING)
    if not raw:
        return C2paConfig()
    data = json.loads(raw)
    return C2paConfig(**{k: data.get(k) for k in ("chain_pem", "tsa_url", "trust_anchors")},
                      required=bool(data.get("required")))


def _save(library, cfg: C2paConfig, event: str, details: dict) -> None:
    with library.gov.gate(Action.CONFIGURE, *EVENT_OBJECT, event, details=details) as g:
        row = put_setting(g.session, SETTING, json.dumps(asdict(cfg), sort_keys=True), library.gov.actor)
        g.details.update(with_state({}, row))


@gated(Action.CONFIGURE)
def import_cert(library, chain_file: Path, key_file: Path, password: bytes | None = None) -> certs.Chain:
    """Check the chain and key, put the key in this account's OS keyring, then record the chain (audited). The
    key file is only read: deleting it afterwards is the force's procedure (docs/c2pa-pki.md)."""
    library.gov.require(Action.CONFIGURE, *EVENT_OBJECT, {"chain": str(chain_file)})  # before the keyring is touched
    chain = certs.parse_chain(_read(chain_file, "certificate chain"), str(chain_file))
    certs.check_profile(chain, str(chain_file))
    key = certs.load_key(_read(key_file, "private key"), str(key_file), password)
    certs.check_key_matches(chain, key, str(key_file))
    store_key(workstation_id(library.paths.home), chain, key)
    _save(library, replace(config(library), chain_pem=chain.pem()), "c2pa.identity_set", {
        "subject": chain.subject, "fingerprint": chain.fingerprint, "issuer": chain.leaf.issuer.rfc4514_string(),
        "not_after": chain.leaf.not_valid_after_utc.isoformat(), "workstation": workstation_id(library.paths.home)})
    return chain


_UNSET = object()


@gated(Action.CONFIGURE)
def configure(library, *, trust_anchors=_UNSET, tsa_url=_UNSET, required=_UNSET) -> C2paConfig:
    """Change the trust anchors (a PEM file or folder; "" for none), the TSA URL ("" for none) or `required`."""
    cfg = config(library)
    changes: dict = {}
    if trust_anchors is not _UNSET:
        path = str(Path(trust_anchors).expanduser().absolute()) if trust_anchors else None
        if path:
            certs.load_anchors(Path(path))  # a folder without certificates is refused now, not at verify time
        changes["trust_anchors"] = path
    if tsa_url is not _UNSET:
        if tsa_url and not str(tsa_url).startswith(("http://", "https://")):
            raise ReviewerError(f"{tsa_url}: a time-stamp authority is an http(s) URL")
        changes["tsa_url"] = tsa_url or None
    if required is not _UNSET:
        changes["required"] = bool(required)
    cfg = replace(cfg, **changes)
    _save(library, cfg, "c2pa.configure", dict(changes))
    return cfg


def _read(path: Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise certs.CertificateProblem(f"{path}: the {what} cannot be read ({exc.strerror or exc})") from None


def signer_for_export(library) -> tuple[ClaimSigner | None, str]:
    """(signer, "") when this workstation can sign; (None, why) when no identity is configured and the library
    allows unsigned exports. Raises (KeyUnavailable, CertificateProblem, CredentialsRequired) otherwise, before
    any footage is decoded."""
    cfg = config(library)
    chain = cfg.chain
    if chain is None:
        if cfg.required:
            raise CredentialsRequired(f"{library.paths.home}: this library requires Content Credentials on every "
                                      f"export, and {NOT_CONFIGURED}")
        return None, NOT_CONFIGURED
    certs.check_profile(chain, "the configured C2PA signing certificate")
    signer = KeyringSigner(workstation_id(library.paths.home), chain, cfg.tsa_url)
    signer.check()
    load_c2pa()  # a build without the native library refuses here, not after the encode
    return signer, ""
