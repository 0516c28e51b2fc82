"""The dock's side of the store API: a small tus 1.0 client over httpx (create, offset, append) and the blob check
that confirms a file before the dock lets it go. One request per call; retrying is the dock's job, so that every
retry starts from the offset the store reports rather than from what the client believes it sent."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from reviewer.errors import ReviewerError

TUS = {"Tus-Resumable": "1.0.0"}
API = "/api/v1"


class DockError(ReviewerError):
    """A failure the dock reports and recovers from on a later pass."""


class StoreUnreachable(DockError):
    """No answer, a cut connection, or a store that is briefly unable to serve (5xx, 423): try again later."""


class UploadGone(DockError):
    """The upload expired, was refused or is unknown to the store: the dock starts a new one."""


class ContentMismatch(DockError):
    """The store refused the bytes: they do not hash to what was declared (the file changed under the dock)."""


class OffsetConflict(DockError):
    """The store's offset is not the one the request assumed; ask it again and continue from there."""


@dataclass(frozen=True)
class BlobInfo:
    sha256: str
    size: int


def encode_metadata(values: dict[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode('utf-8')).decode('ascii')}" for k, v in values.items())


def read_token(path: Path) -> str:
    """A bearer token from a file (first line), so that it never appears in a process listing."""
    try:
        token = Path(path).read_text(encoding="utf-8").strip().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DockError(f"{path}: cannot read the token file ({getattr(exc, 'strerror', None) or exc})") from None
    if not token or not token[0].strip():
        raise DockError(f"{path}: the token file is empty")
    return token[0].strip()


class StoreClient:
    def __init__(self, server: str, token: str | None = None, timeout: float = 60.0, auth=None):
        """`token`: a fixed bearer token; `auth`: an httpx.Auth that signs each request (and refreshes tokens)."""
        import httpx

        self._httpx = httpx
        self.server = server.rstrip("/")
        headers = dict(TUS)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.http = httpx.Client(headers=headers, auth=auth, timeout=httpx.Timeout(timeout, connect=10.0))

    def close(self) -> None:
        self.http.close()

    def url(self, location: str) -> str:
        """Upload locations are kept relative, so a dock pointed at another instance of the store resumes there."""
        return urljoin(self.server + "/", location.lstrip("/"))

    def _send(self, method: str, url: str, **kw):
        try:
            r = self.http.request(method, url, **kw)
        except self._httpx.TransportError as exc:
            raise StoreUnreachable(f"{self.server}: no answer ({type(exc).__name__}: {exc or 'connection lost'})") \
                from None
        except ReviewerError as exc:  # the sign-in could not refresh its token
            if isinstance(exc.__context__, self._httpx.TransportError):
                raise StoreUnreachable(str(exc)) from None
            raise DockError(f"{exc}; enrol the dock again (--enrol CODE)") from None
        if r.status_code >= 500 or r.status_code in (408, 423, 429):
            raise StoreUnreachable(f"{self.server}: {method} {r.url.path}: {r.status_code} {_detail(r)}")
        if r.status_code in (401, 403):
            raise DockError(f"{self.server}: {method} {r.url.path}: refused ({r.status_code} {_detail(r)}); "
                            "sign in with --enrol CODE or --token-file")
        return r

    def blob(self, sha256: str) -> BlobInfo | None:
        """What the store holds under this SHA-256 (verified on its way in), or None."""
        r = self._send("GET", f"{self.server}{API}/blobs/{sha256}")
        if r.status_code == 404:
            return None
        if r.status_code != 200:
            raise DockError(f"{self.server}: blob check for {sha256}: {r.status_code} {_detail(r)}")
        body = r.json()
        return BlobInfo(body["sha256"], int(body["size"]))

    def create(self, length: int, metadata: dict[str, str]) -> str:
        """A new upload; returns its location (a path on the server)."""
        r = self._send("POST", f"{self.server}{API}/uploads",
                       headers={"Upload-Length": str(length), "Upload-Metadata": encode_metadata(metadata)})
        if r.status_code != 201 or "location" not in r.headers:
            raise DockError(f"{self.server}: creating an upload of {length} bytes: {r.status_code} {_detail(r)}")
        return _path_of(r.headers["location"])

    def offset(self, location: str) -> int:
        r = self._send("HEAD", self.url(location))
        if r.status_code in (404, 410):
            raise UploadGone(f"{location}: the store no longer has this upload ({r.status_code})")
        if r.status_code != 200:
            raise DockError(f"{location}: {r.status_code} asking for the upload's offset")
        return int(r.headers["upload-offset"])

    def append(self, location: str, offset: int, body: bytes) -> int:
        """PATCH one chunk at `offset`; returns the offset the store has now made durable."""
        r = self._send("PATCH", self.url(location), content=body,
                       headers={"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
        if r.status_code == 204:
            return int(r.headers["upload-offset"])
        if r.status_code == 460:
            raise ContentMismatch(f"{location}: the store refused the file: {_detail(r)}")
        if r.status_code == 409:
            raise OffsetConflict(f"{location}: {_detail(r)}")
        if r.status_code in (404, 410):
            raise UploadGone(f"{location}: {_detail(r)}")
        raise DockError(f"{location}: PATCH at {offset}: {r.status_code} {_detail(r)}")


def _path_of(location: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(location).path or location


def _detail(r) -> str:
    try:
        return str(r.json().get("detail", "")).splitlines()[0][:300]
    except Exception:
        return (r.text or "").strip().splitlines()[0][:300] if (r.text or "").strip() else ""
