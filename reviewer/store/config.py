"""The store's configuration: zero configuration gives the embedded default (SQLite + filesystem blobs under the
store home); a TOML file (`reviewer store serve --config FILE`) selects PostgreSQL and S3 for production.

    [server]    host = "127.0.0.1"   port = 8400
    [database]  url = "postgresql+psycopg://store@db.example/store"
    [blobs]     backend = "s3"  endpoint = "https://s3.example"  bucket = "bwv"  access_key = "..."
                (secret_key, or the REVIEWER_STORE_S3_SECRET_KEY environment variable)
    [uploads]   expire_after_seconds = 86400   max_size = 68719476736
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

from reviewer.store.errors import ConfigError

DEFAULT_PORT = 8400
SECTIONS = {
    "server": {"host", "port", "home"},
    "database": {"url"},
    "blobs": {"backend", "path", "endpoint", "bucket", "access_key", "secret_key", "region", "prefix"},
    "uploads": {"expire_after_seconds", "sweep_interval_seconds", "max_size", "staging"},
}


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
    upload_expiry_s: float = 24 * 3600.0
    sweep_interval_s: float = 60.0
    max_upload_size: int = 64 * 1024**3
    staging: Path | None = None  # partial uploads; None: home/staging

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'store.sqlite3'}"

    @property
    def staging_dir(self) -> Path:
        return self.staging or self.home / "staging"

    def blob_store(self):
        if self.blob_backend == "filesystem":
            from reviewer.store.blobs.fs import FileBlobStore

            return FileBlobStore(self.blob_path or self.home / "blobs")
        from reviewer.store.blobs.s3 import S3BlobStore, S3Settings

        s3 = S3Settings(**self.s3)
        if s3.secret_key is None:
            s3 = S3Settings(**{**self.s3, "secret_key": os.environ.get("REVIEWER_STORE_S3_SECRET_KEY")})
        store = S3BlobStore(s3)
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
        cfg.upload_expiry_s = float(up.get("expire_after_seconds", cfg.upload_expiry_s))
        cfg.sweep_interval_s = float(up.get("sweep_interval_seconds", cfg.sweep_interval_s))
        cfg.max_upload_size = int(up.get("max_size", cfg.max_upload_size))
        if "staging" in up:
            cfg.staging = (base / up["staging"]).resolve()
    except (TypeError, ValueError) as exc:
        raise ConfigError(path, f"bad value: {exc}") from None
    if cfg.upload_expiry_s <= 0 or cfg.sweep_interval_s <= 0:
        raise ConfigError(path, "[uploads] times must be positive")
    return cfg
