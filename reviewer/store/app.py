"""The store's HTTP API (FastAPI): /api/v1, with its OpenAPI document at /api/v1/openapi.json.

Every route but health, sign-in (and its list of methods) and the public key needs a bearer token (access.py,
ADR 0010); uploads and blob checks are for docks and supervisors. The other routes live in routes_*.py, one line
each below.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import Depends, FastAPI, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from reviewer import __version__
from reviewer.store import tus
from reviewer.store.blobs.base import SHA256_RE
from reviewer.store.config import StoreConfig
from reviewer.store import routes_admin, routes_auth, routes_read, routes_training
from reviewer.store import routes_anchor, routes_grant, routes_operations, routes_signin
from reviewer.store import audit, background, dock_register
from reviewer.store.access import Caller, uploader
from reviewer.store.context import Context
from reviewer.store.errors import ChecksumMismatch, Refused, StoreError
from reviewer.store.text_guard import refuse_nul_text
from reviewer.store.issuer import Issuer, load_or_create_key
from reviewer.store.oidc import ExternalIssuers
from reviewer.store.models import Blob
from reviewer.store.uploads import Uploads

API = "/api/v1"
WRITE_BATCH = 1024 * 1024
log = logging.getLogger("reviewer.store")


class Health(BaseModel):
    status: str
    version: str
    database: str
    blobs: str


class BlobInfo(BaseModel):
    sha256: str
    size: int
    created_at: str


class Problem(BaseModel):
    detail: str


TUS_HEADERS = {"Tus-Resumable": tus.TUS_VERSION}


def tus_error(exc: tus.TusError) -> Response:
    headers = dict(TUS_HEADERS)
    if exc.status == 412:
        headers["Tus-Version"] = tus.TUS_VERSION
    return JSONResponse({"detail": exc.message}, status_code=exc.status, headers=headers)


def create_app(config: StoreConfig) -> FastAPI:
    from reviewer.store.db import open_reader_sessions, open_store_database

    engine, sessions = open_store_database(config.db_url)
    reader_engine, readers = open_reader_sessions(config.db_url, engine)
    blobs = config.blob_store()
    uploads = Uploads(sessions, blobs, config.staging_dir, config.upload_expiry_s, config.max_upload_size,
                      readers=readers)
    uploads.on_discard = dock_register.on_discard

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        async def sweeper():
            while True:
                with contextlib.suppress(Exception):
                    await run_in_threadpool(uploads.sweep)
                await asyncio.sleep(config.sweep_interval_s)

        task = asyncio.create_task(sweeper())
        try:
            yield
        finally:
            task.cancel()
            engine.dispose()
            reader_engine.dispose()

    app = FastAPI(title="BWV Reviewer central store", version=__version__, lifespan=lifespan,
                  openapi_url=f"{API}/openapi.json", docs_url=f"{API}/docs", redoc_url=None,
                  dependencies=[Depends(refuse_nul_text)])
    app.state.uploads = uploads
    issuer = Issuer(load_or_create_key(config.signing_key_path), config.issuer, config.access_ttl_s)
    app.state.ctx = Context(config, sessions, blobs, issuer, ExternalIssuers(config.oidc), readers)
    app.include_router(routes_auth.router)
    app.include_router(routes_signin.router)
    app.include_router(routes_read.router)
    app.include_router(routes_training.router)
    app.include_router(routes_admin.router)
    app.include_router(routes_anchor.router)
    app.include_router(routes_grant.router)
    app.include_router(routes_operations.router)
    background.install(app)  # events, retention, probe worker (ADR 0014)
    upload_auth = [Depends(uploader)]
    auth_problems = {401: {"model": Problem}, 403: {"model": Problem}}

    def audit_upload(caller: Caller, action: str, object_type: str, object_id: str, details: dict) -> None:
        # after the upload's own transaction (the tus core stays as it was): a crash in between loses the event
        from reviewer.store.db import transact

        transact(sessions, lambda s: audit.record(s, caller.actor, action, object_type, object_id, details=details))

    @app.exception_handler(Refused)
    async def _refused(_request, exc: Refused):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=headers)

    @app.exception_handler(tus.TusError)
    async def _tus_error(_request, exc: tus.TusError):
        return tus_error(exc)

    @app.exception_handler(ChecksumMismatch)
    async def _mismatch(_request, exc: ChecksumMismatch):
        return JSONResponse({"detail": str(exc)}, status_code=tus.CHECKSUM_MISMATCH, headers=TUS_HEADERS)

    @app.exception_handler(StoreError)
    async def _store_error(_request, exc: StoreError):
        log.error("%s", exc)
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.exception_handler(OperationalError)
    async def _database_unavailable(_request, exc: OperationalError):
        # a busy or unreachable database is the store's passing state, not a client's fault: 503, retry later
        reason = str(exc.orig or exc).splitlines()[0]
        log.error("database: %s", reason)
        return JSONResponse({"detail": f"the store's database is unavailable: {reason}; retry shortly"},
                            status_code=503, headers={"Retry-After": "2"})

    @app.get(f"{API}/health", response_model=Health, tags=["service"])
    def health() -> Health:
        return Health(status="ok", version=__version__, database=engine.dialect.name, blobs=blobs.kind)

    @app.get(f"{API}/blobs/{{sha256}}", response_model=BlobInfo, tags=["blobs"], dependencies=upload_auth,
             responses={404: {"model": Problem}, **auth_problems})
    def blob_info(sha256: str):
        """Whether the store holds this content, verified (the dock deletes a camera file only after this)."""
        row = None
        if SHA256_RE.match(sha256):
            with readers() as s:
                row = s.get(Blob, sha256)
        if row is None:
            return JSONResponse({"detail": f"blob {sha256}: not in the store"}, status_code=404)
        return BlobInfo(sha256=row.sha256, size=row.size, created_at=row.created_at.isoformat())

    # ---- tus 1.0: core, creation, termination, expiration (ADR 0008) -------------------------------------------
    @app.options(f"{API}/uploads", status_code=204, tags=["uploads"], dependencies=upload_auth,
                 responses=auth_problems)
    def tus_options():
        """Discovery: protocol version, extensions and maximum size."""
        return Response(status_code=204, headers={**TUS_HEADERS, "Tus-Version": tus.TUS_VERSION,
                                                  "Tus-Extension": tus.EXTENSIONS,
                                                  "Tus-Max-Size": str(config.max_upload_size)})

    def upload_headers(up) -> dict:
        h = {**TUS_HEADERS, "Upload-Offset": str(up.offset), "Cache-Control": "no-store"}
        if up.state == "open":
            h["Upload-Expires"] = tus.http_date(up.expires_at)
        return h

    @app.post(f"{API}/uploads", status_code=201, tags=["uploads"], dependencies=upload_auth,
              responses={**auth_problems, 400: {"model": Problem}, 412: {"model": Problem}, 413: {"model": Problem}})
    async def tus_create(request: Request, tus_resumable: str | None = Header(None),
                         upload_length: str | None = Header(None), upload_metadata: str | None = Header(None),
                         caller: Caller = Depends(uploader)):
        """Create an upload. Upload-Metadata must carry `sha256` (the whole file's SHA-256, hex). A dock's upload
        that names its file (`filename`, `sidecar`) registers its recording at once, listed as uploading."""
        tus.check_resumable(tus_resumable)
        if request.headers.get("upload-defer-length"):
            raise tus.TusError(400, "Upload-Defer-Length is not supported: declare Upload-Length")
        length = tus.parse_non_negative("Upload-Length", upload_length)
        up = await run_in_threadpool(uploads.create, length, upload_metadata, dock_register.on_create(caller))
        await run_in_threadpool(audit_upload, caller, "upload_create", "upload", up.id,
                                {"sha256": up.sha256, "length": up.length})
        if up.state == "complete":  # an empty file completes at creation
            await run_in_threadpool(audit_upload, caller, "upload_complete", "blob", up.sha256, {"upload": up.id})
        return Response(status_code=201, headers={**upload_headers(up), "Location": f"{API}/uploads/{up.id}"})

    @app.head(f"{API}/uploads/{{upload_id}}", tags=["uploads"], dependencies=upload_auth,
              responses={**auth_problems, 404: {"model": Problem}, 410: {"model": Problem}, 412: {"model": Problem}})
    async def tus_head(upload_id: str, tus_resumable: str | None = Header(None)):
        """The upload's offset: where a resumed client continues."""
        tus.check_resumable(tus_resumable)
        up = await run_in_threadpool(uploads.get, upload_id)
        headers = {**upload_headers(up), "Upload-Length": str(up.length)}
        if up.metadata_header:
            headers["Upload-Metadata"] = up.metadata_header
        return Response(status_code=200, headers=headers)

    @app.patch(f"{API}/uploads/{{upload_id}}", status_code=204, tags=["uploads"], dependencies=upload_auth,
               responses={**auth_problems, 400: {"model": Problem}, 404: {"model": Problem}, 409: {"model": Problem},
                          410: {"model": Problem}, 412: {"model": Problem}, 415: {"model": Problem},
                          423: {"model": Problem}, 460: {"model": Problem}})
    async def tus_patch(upload_id: str, request: Request, tus_resumable: str | None = Header(None),
                        upload_offset: str | None = Header(None), content_type: str | None = Header(None),
                        caller: Caller = Depends(uploader)):
        """Append bytes at Upload-Offset. The last byte completes the upload, or 460 if the SHA-256 differs."""
        tus.check_resumable(tus_resumable)
        if (content_type or "").split(";")[0].strip() != tus.OFFSET_CONTENT_TYPE:
            raise tus.TusError(415, f"Content-Type must be {tus.OFFSET_CONTENT_TYPE}")
        offset = tus.parse_non_negative("Upload-Offset", upload_offset)
        appender = await run_in_threadpool(uploads.appender, upload_id, offset, dock_register.on_complete(caller))
        buffer = bytearray()
        try:
            async for chunk in request.stream():
                buffer += chunk
                if len(buffer) >= WRITE_BATCH:  # disk and database work off the event loop, in batches
                    await run_in_threadpool(appender.write, bytes(buffer))
                    buffer.clear()
        except ClientDisconnect:
            pass  # keep what arrived; the client resumes from the offset HEAD reports
        finally:
            if buffer:
                await run_in_threadpool(appender.write, bytes(buffer))
            up = await run_in_threadpool(appender.close)
        if up.state == "complete":
            await run_in_threadpool(audit_upload, caller, "upload_complete", "blob", up.sha256,
                                    {"upload": up.id, "length": up.length})
        return Response(status_code=204, headers=upload_headers(up))

    @app.delete(f"{API}/uploads/{{upload_id}}", status_code=204, tags=["uploads"], dependencies=upload_auth,
                responses={**auth_problems, 404: {"model": Problem}, 410: {"model": Problem},
                           412: {"model": Problem}})
    async def tus_delete(upload_id: str, tus_resumable: str | None = Header(None),
                         caller: Caller = Depends(uploader)):
        """Termination: abandon an incomplete upload and free its staged bytes."""
        tus.check_resumable(tus_resumable)
        up = await run_in_threadpool(uploads.get, upload_id)
        if up.state == "complete":
            raise tus.TusError(409, f"upload {upload_id}: complete; a stored blob is not deleted this way")
        await run_in_threadpool(uploads.terminate, upload_id)
        await run_in_threadpool(audit_upload, caller, "upload_terminate", "upload", upload_id, {})
        return Response(status_code=204, headers=TUS_HEADERS)

    return app
