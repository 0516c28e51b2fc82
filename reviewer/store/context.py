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
    # for a read that writes nothing (authenticating a request): on SQLite it does not take the write lock that
    # `sessions` takes at BEGIN, so fifty clients' authentications do not queue behind every writer
    readers: sessionmaker[Session] | None = None

    def read_sessions(self) -> sessionmaker[Session]:
        return self.readers or self.sessions


def ctx(request: Request) -> Context:
    return request.app.state.ctx
