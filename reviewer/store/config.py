"""The store's configuration: zero configuration gives the embedded default (SQLite + filesystem blobs under the
store home); a TOML file (`reviewer store serve --config FILE`) selects PostgreSQL and S3 for production.

    [server]    host = "127.0.0.1"   port = 8400
    [database]  url = "postgresql+psycopg://store@db.example/store"
    [blobs]     backend = "s3"  endpoint = "https://s3.example"  bucket = "bwv"  access_key = "..."
                (secret_key, or the REVIEWER_STORE_S3_SECRET_KEY environment variable)
    [uploads]   expire_after_seconds = 86400   max_size = 68719476736
    [auth]      issuer = "bwv-store"  signing_key = "keys/signing.pem"  access_ttl_seconds = 300
                refresh_ttl_seconds = 1209600  enrolment_ttl_seconds = 86400
                grant_ttl_seconds = 43200 (how long a workstation may work offline on its signed grant)
    [retention] non_evidential_days = 31  evidential_days = 2557  notice_days = 7  restore_days = 7
                interval_seconds = 3600  events_poll_seconds = 0.5  events_keep_days = 30
    [oidc.entra]  issuer = "https://login.microsoftonline.com/TENANT/v2.0"  audience = "api://bwv-store"
                  username_claim = "oid"  (jwks_uri: optional; default from the issuer's discovery document)
                  Published at GET /api/v1/signin so that a workstation needs only the store's address (public
                  facts, no secret): client_id = "APP-ID" (the workstation app, a public client; without it the
                  issuer is trusted but not offered)  scope = "openid offline_access api://bwv-store/.default"
                  flows = ["browser", "device"]  msal = "TENANT-ID" (offered as Entra through MSAL instead)
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

from reviewer.store.blobs.verified import REVERIFY_AFTER_S, Verified
from reviewer.store.errors import ConfigError
from reviewer.store.signin_format import DEFAULT_SCOPE as DEFAULT_SIGNIN_SCOPE
from reviewer.store.signin_format import FLOWS

DEFAULT_PORT = 8400
SECTIONS = {
    "server": {"host", "port", "home"},
    "database": {"url"},
    "blobs": {"backend", "path", "endpoint", "bucket", "access_key", "secret_key", "region", "prefix",
              "reverify_after_seconds"},
    "uploads": {"expire_after_seconds", "sweep_interval_seconds", "max_size", "staging"},
    "auth": {"issuer", "signing_key", "access_ttl_seconds", "refresh_ttl_seconds", "enrolment_ttl_seconds",
             "grant_ttl_seconds"},
    "retention": {"non_evidential_days", "evidential_days", "notice_days", "restore_days", "interval_seconds",
                  "events_poll_seconds", "events_keep_days"},
    "oidc": set(),  # one table per external issuer: [oidc.LABEL], keys in OIDC_KEYS
}
OIDC_KEYS = {"issuer", "audience", "username_claim", "jwks_uri", "client_id", "scope", "flows", "msal"}


@dataclass(frozen=True)
class OidcIssuer:
    issuer: str
    audience: str
    username_claim: str = "sub"
    jwks_uri: str | None = None
    # what the store tells workstations (routes_signin.py); none of it is used to check tokens
    client_id: str | None = None
    scope: str = DEFAULT_SIGNIN_SCOPE
    flows: tuple[str, ...] = FLOWS
    msal: str | None = None  # an Entra tenant (or https authority): offered as MSAL sign-in
    name: str = ""  # LABEL of its [oidc.LABEL] table


def default_store_home() -> Path:
    env = os.environ.get("REVIEWER_STORE_HOME")
    return Path(env).expanduser() if env else Path(user_data_dir("BWVReviewer", appauthor=False)) / "store"


@dataclass
class StoreConfig:
    home: Path = field(default_factory=default_store_home)
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    database_url: str | None = None  # None: SQLite in home
    blob_backend: str = "filesystem"
    blob_path: Path | None = None  # filesystem backend; None: home/blobs
    s3: dict = field(default_factory=dict)
    # a stored version hashed whole is served unhashed for this long (blobs/verified.py); 0: hash every full read
    reverify_after_s: float = REVERIFY_AFTER_S
    upload_expiry_s: float = 24 * 3600.0
    sweep_interval_s: float = 60.0
    max_upload_size: int = 64 * 1024**3
    staging: Path | None = None  # partial uploads; None: home/staging
    issuer: str = "bwv-store"  # the embedded issuer's `iss`
    signing_key: Path | None = None  # Ed25519 PEM; None: home/keys/signing.pem (made on first start)
    access_ttl_s: float = 300.0
    refresh_ttl_s: float = 14 * 24 * 3600.0
    enrolment_ttl_s: float = 24 * 3600.0
    grant_ttl_s: float = 12 * 3600.0  # the offline grant (ADR 0016)
    oidc: list[OidcIssuer] = field(default_factory=list)
    retention: dict = field(default_factory=dict)  # [retention], read by store/retention.py (ADR 0014)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'store.sqlite3'}"

    @property
    def staging_dir(self) -> Path:
        return self.staging or self.home / "staging"

    @property
    def signing_key_path(self) -> Path:
        return self.signing_key or self.home / "keys" / "signing.pem"

    def blob_store(self):
        if self.blob_backend == "filesystem":
            from reviewer.store.blobs.fs import FileBlobStore

            store = FileBlobStore(self.blob_path or self.home / "blobs")
            store.verified = Verified(self.reverify_after_s)
            return store
        from reviewer.store.blobs.s3 import S3BlobStore, S3Settings

        s3 = S3Settings(**self.s3)
        if s3.secret_key is None:
            s3 = S3Settings(**{**self.s3, "secret_key": os.environ.get("REVIEWER_STORE_S3_SECRET_KEY")})
        store = S3BlobStore(s3)
        store.verified = Verified(self.reverify_after_s)
        store.ensure_bucket()
        return store


def load_config(path: Path | None) -> StoreConfig:
    if path is None:
        return StoreConfig()
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "configuration file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, f"cannot read the configuration: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"not valid TOML: {exc}") from None
    for section, values in raw.items():
        if section not in SECTIONS or not isinstance(values, dict):
            raise ConfigError(path, f"unknown section [{section}] (expected {', '.join(sorted(SECTIONS))})")
        if section == "oidc":
            continue
        unknown = set(values) - SECTIONS[section]
        if unknown:
            raise ConfigError(path, f"[{section}]: unknown setting {', '.join(sorted(unknown))}")
    server, db, blobs, up = (raw.get(s, {}) for s in ("server", "database", "blobs", "uploads"))
    base = path.parent
    try:
        cfg = StoreConfig()
        if "home" in server:
            cfg.home = (base / server["home"]).resolve()
        cfg.host = str(server.get("host", cfg.host))
        cfg.port = int(server.get("port", cfg.port))
        cfg.database_url = db.get("url")
        cfg.blob_backend = blobs.get("backend", "filesystem")
        if cfg.blob_backend not in ("filesystem", "s3"):
            raise ConfigError(path, f"[blobs] backend must be \"filesystem\" or \"s3\", not {cfg.blob_backend!r}")
        if "path" in blobs:
            cfg.blob_path = (base / blobs["path"]).resolve()
        if cfg.blob_backend == "s3":
            if "bucket" not in blobs:
                raise ConfigError(path, "[blobs] backend = \"s3\" needs a bucket")
            cfg.s3 = {k: blobs[k] for k in ("endpoint", "bucket", "access_key", "secret_key", "region", "prefix")
                      if k in blobs}
            cfg.s3.setdefault("endpoint", None)
        cfg.reverify_after_s = float(blobs.get("reverify_after_seconds", cfg.reverify_after_s))
        cfg.upload_expiry_s = float(up.get("expire_after_seconds", cfg.upload_expiry_s))
        cfg.sweep_interval_s = float(up.get("sweep_interval_seconds", cfg.sweep_interval_s))
        cfg.max_upload_size = int(up.get("max_size", cfg.max_upload_size))
        if "staging" in up:
            cfg.staging = (base / up["staging"]).resolve()
        auth = raw.get("auth", {})
        cfg.issuer = str(auth.get("issuer", cfg.issuer))
        if "signing_key" in auth:
            cfg.signing_key = (base / auth["signing_key"]).resolve()
        cfg.access_ttl_s = float(auth.get("access_ttl_seconds", cfg.access_ttl_s))
        cfg.refresh_ttl_s = float(auth.get("refresh_ttl_seconds", cfg.refresh_ttl_s))
        cfg.enrolment_ttl_s = float(auth.get("enrolment_ttl_seconds", cfg.enrolment_ttl_s))
        cfg.grant_ttl_s = float(auth.get("grant_ttl_seconds", cfg.grant_ttl_s))
        cfg.retention = dict(raw.get("retention", {}))
        cfg.oidc = [_oidc_issuer(path, label, table) for label, table in raw.get("oidc", {}).items()]
    except (TypeError, ValueError) as exc:
        raise ConfigError(path, f"bad value: {exc}") from None
    if cfg.upload_expiry_s <= 0 or cfg.sweep_interval_s <= 0:
        raise ConfigError(path, "[uploads] times must be positive")
    if cfg.reverify_after_s < 0:
        raise ConfigError(path, "[blobs] reverify_after_seconds must be 0 (hash every read) or more")
    if min(cfg.access_ttl_s, cfg.refresh_ttl_s, cfg.enrolment_ttl_s, cfg.grant_ttl_s) <= 0:
        raise ConfigError(path, "[auth] times must be positive")
    if cfg.issuer in {o.issuer for o in cfg.oidc}:
        raise ConfigError(path, f"[auth] issuer {cfg.issuer!r} is also an external [oidc] issuer")
    return cfg


def _oidc_issuer(path: Path, label: str, table) -> OidcIssuer:
    if not isinstance(table, dict):
        raise ConfigError(path, f"[oidc] needs one table per issuer, e.g. [oidc.entra], not {label} = ...")
    unknown = set(table) - OIDC_KEYS
    if unknown:
        raise ConfigError(path, f"[oidc.{label}]: unknown setting {', '.join(sorted(unknown))}")
    if not table.get("issuer") or not table.get("audience"):
        raise ConfigError(path, f"[oidc.{label}] needs an issuer and an audience")
    flows = table.get("flows", list(FLOWS))
    if not isinstance(flows, list) or not flows or any(f not in FLOWS for f in flows) or len(set(flows)) != len(flows):
        raise ConfigError(path, f"[oidc.{label}] flows must list one or both of {', '.join(map(repr, FLOWS))}")
    client_id, msal = table.get("client_id"), table.get("msal")
    for key, value in (("client_id", client_id), ("msal", msal), ("scope", table.get("scope", "x"))):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigError(path, f"[oidc.{label}] {key} must be a non-empty string")
    if msal is not None and client_id is None:
        raise ConfigError(path, f"[oidc.{label}] msal needs the client_id of the workstation app")
    return OidcIssuer(str(table["issuer"]), str(table["audience"]), str(table.get("username_claim", "sub")),
                      table.get("jwks_uri"), client_id, " ".join(str(table.get("scope", DEFAULT_SIGNIN_SCOPE)).split()),
                      tuple(flows), msal, label)
