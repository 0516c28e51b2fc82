"""What every route needs, built once per app in create_app and reached through request.app.state.ctx."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from reviewer.store.blobs.base import BlobStore
from reviewer.store.config import StoreConfig
from reviewer.store.issuer import Issuer
from reviewer.store.oidc import ExternalIssuers


@dataclass
class Context:
    config: StoreConfig
    sessions: sessionmaker[Session]
    blobs: BlobStore
    issuer: Issuer
    external: ExternalIssuers


def ctx(request: Request) -> Context:
    return request.app.state.ctx
