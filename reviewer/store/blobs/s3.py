"""S3 blob store through boto3 (production): object key = prefix + SHA-256, in a bucket with versioning and
Object Lock, so evidential footage and footage under legal hold cannot be deleted even by a holder of the keys.

Hash checks: a single PUT carries the whole file's SHA-256 (x-amz-checksum-sha256), which the storage verifies
before accepting; a multipart upload carries each part's SHA-256 (verified by the storage per part) while we hash
the whole stream and abort the upload if it is not the key. Reads re-hash too, once per stored version: in a
versioned bucket a version's bytes cannot be rewritten through S3, only replaced by a new version (new id).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from reviewer.library.originals import sha256_file
from reviewer.store.blobs.base import CHUNK, BlobStore, Lock, Stored, aware, check_key, utcnow
from reviewer.store.errors import BlobLocked, BlobNotFound, ChecksumMismatch, RetentionShortened, StoreError

MULTIPART_THRESHOLD = 64 * 1024 * 1024
PART_SIZE = 8 * 1024 * 1024  # also the part of an upload staged while it arrives (one dock PATCH)


@dataclass(frozen=True)
class S3Settings:
    endpoint: str | None
    bucket: str
    access_key: str | None = None
    secret_key: str | None = None
    region: str = "us-east-1"
    prefix: str = "blobs/"


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def make_client(s: S3Settings):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=s.endpoint, aws_access_key_id=s.access_key,
                        aws_secret_access_key=s.secret_key, region_name=s.region,
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3, "mode": "standard"}))


def _code(exc) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


class S3BlobStore(BlobStore):
    kind = "s3"

    def __init__(self, settings: S3Settings, client=None, multipart_threshold: int = MULTIPART_THRESHOLD,
                 part_size: int = PART_SIZE):
        if part_size < 5 * 1024 * 1024:
            raise ValueError("S3 parts other than the last must be at least 5 MiB")
        super().__init__()
        self.settings = settings
        self.client = client or make_client(settings)
        self.bucket = settings.bucket
        self.multipart_threshold = multipart_threshold
        self.part_size = part_size

    def key(self, sha256: str) -> str:
        return self.settings.prefix + check_key(sha256)

    def ensure_bucket(self) -> None:
        """Create the bucket with Object Lock (which implies versioning) unless it exists; refuse one without."""
        from botocore.exceptions import BotoCoreError, ClientError

        where = f"S3 bucket {self.bucket} at {self.settings.endpoint or 'AWS'}"
        try:
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as exc:
                if _code(exc) not in ("404", "NoSuchBucket", "NotFound"):
                    raise
                self.client.create_bucket(Bucket=self.bucket, ObjectLockEnabledForBucket=True)
            try:
                conf = self.client.get_object_lock_configuration(Bucket=self.bucket)["ObjectLockConfiguration"]
            except ClientError as exc:
                if _code(exc) in ("403", "AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId"):
                    raise
                conf = {}
        except (BotoCoreError, ClientError) as exc:
            code = _code(exc)
            hint = " (refused: check the access key and secret)" if code in ("403", "AccessDenied") else ""
            raise StoreError(f"{where}: {' '.join(str(exc).split())}{hint}") from None
        if conf.get("ObjectLockEnabled") != "Enabled":
            raise StoreError(f"{where}: Object Lock is not enabled; evidential footage could be "
                             "deleted, so the store refuses to use it")

    # ---- writing -----------------------------------------------------------------------------------------------
    def put(self, sha256: str, path: Path) -> None:
        key = self.key(sha256)
        path = Path(path)
        if self.exists(sha256):
            actual = sha256_file(path)
            if actual != sha256:
                raise ChecksumMismatch(str(path), sha256, actual)
            return
        if path.stat().st_size <= self.multipart_threshold:
            self._put_single(sha256, key, path)
        else:
            self._put_multipart(sha256, key, path)

    def _put_single(self, sha256: str, key: str, path: Path) -> None:
        from botocore.exceptions import ClientError

        actual = sha256_file(path)
        if actual != sha256:
            raise ChecksumMismatch(str(path), sha256, actual)
        with open(path, "rb") as body:
            try:
                # the storage recomputes the SHA-256 of what arrived and refuses the PUT (BadDigest) if it differs
                self.client.put_object(Bucket=self.bucket, Key=key, Body=body, Metadata={"sha256": sha256},
                                       ChecksumSHA256=b64(bytes.fromhex(sha256)))
            except ClientError as exc:
                if _code(exc) in ("BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch"):
                    raise ChecksumMismatch(f"upload of {path} to S3", sha256, "(refused by the storage)") from None
                raise

    def _put_multipart(self, sha256: str, key: str, path: Path) -> None:
        mpu = self.client.create_multipart_upload(Bucket=self.bucket, Key=key, ChecksumAlgorithm="SHA256",
                                                  Metadata={"sha256": sha256})
        upload_id, parts, whole = mpu["UploadId"], [], hashlib.sha256()
        try:
            with open(path, "rb") as fh:
                number = 1
                while data := fh.read(self.part_size):
                    whole.update(data)
                    digest = b64(hashlib.sha256(data).digest())
                    r = self.client.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number,
                                                Body=data, ChecksumSHA256=digest)
                    parts.append({"PartNumber": number, "ETag": r["ETag"], "ChecksumSHA256": digest})
                    number += 1
            if whole.hexdigest() != sha256:
                raise ChecksumMismatch(str(path), sha256, whole.hexdigest())
            self.client.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                                  MultipartUpload={"Parts": parts})
        except BaseException:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise

    # ---- writing while receiving: one multipart upload to the final key, completed once the SHA-256 matches ----
    def stage_open(self, upload_id: str, sha256: str) -> dict:
        key = self.key(sha256)
        mpu = self.client.create_multipart_upload(Bucket=self.bucket, Key=key, ChecksumAlgorithm="SHA256",
                                                  Metadata={"sha256": sha256})
        return {"key": key, "mpu": mpu["UploadId"]}

    def stage_part(self, state: dict, number: int, offset: int, data: bytes) -> dict:
        digest = b64(hashlib.sha256(data).digest())  # the storage refuses a part whose bytes do not match
        r = self.client.upload_part(Bucket=self.bucket, Key=state["key"], UploadId=state["mpu"], PartNumber=number,
                                    Body=data, ChecksumSHA256=digest)
        return {"n": number, "size": len(data), "etag": r["ETag"], "sha256": digest}

    def stage_finish(self, state: dict, sha256: str, parts: list[dict], length: int) -> None:
        if state["key"] != self.key(sha256):
            raise ValueError(f"staged object {state['key']} is not blob {sha256}")
        if self.exists(sha256):  # stored by another upload of the same content (or our own, before a crash)
            self.stage_abort(state)
            return
        self.client.complete_multipart_upload(
            Bucket=self.bucket, Key=state["key"], UploadId=state["mpu"], MultipartUpload={"Parts": [
                {"PartNumber": p["n"], "ETag": p["etag"], "ChecksumSHA256": p["sha256"]} for p in parts]})

    def stage_abort(self, state: dict) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=state["key"], UploadId=state["mpu"])
        except ClientError as exc:
            if _code(exc) not in ("NoSuchUpload", "404"):
                raise

    # ---- reading -----------------------------------------------------------------------------------------------
    def _head(self, sha256: str) -> dict:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.key(sha256), ChecksumMode="ENABLED")
        except ClientError as exc:
            if _code(exc) in ("404", "NoSuchKey", "NotFound"):
                raise BlobNotFound(sha256) from None
            raise

    def exists(self, sha256: str) -> bool:
        try:
            self._head(sha256)
            return True
        except BlobNotFound:
            return False

    def size(self, sha256: str) -> int:
        return int(self._head(sha256)["ContentLength"])

    def _chunks(self, sha256: str) -> Iterator[bytes]:
        return self._stored(sha256).chunks

    def _stored(self, sha256: str) -> Stored:
        """The version the GET answered with, named by the same response that carries its bytes: its version id
        (a versioned bucket: Object Lock implies versioning), ETag, date and length."""
        r = self._get(sha256)
        fingerprint = (r.get("VersionId"), r.get("ETag"), r.get("LastModified"), int(r["ContentLength"]))
        return Stored(fingerprint, self._body(sha256, r), lambda: fingerprint)

    def read_range(self, sha256: str, start: int, length: int) -> Iterator[bytes]:
        if length <= 0:
            return
        check_key(sha256)
        yield from self._body(sha256, self._get(sha256, f"bytes={start}-{start + length - 1}"))

    def _get(self, sha256: str, byte_range: str | None = None) -> dict:
        """GET the object (or a range of it); BlobNotFound when the store has no such key."""
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(sha256),
                                          **({"Range": byte_range} if byte_range else {}))
        except ClientError as exc:
            if _code(exc) in ("404", "NoSuchKey", "NotFound"):
                raise BlobNotFound(sha256) from None
            raise

    def _body(self, sha256: str, r: dict) -> Iterator[memoryview]:
        """The body in CHUNK pieces, each read straight into a fresh buffer with http.client's readinto, where
        urllib3's read(amt) would copy each chunk again on its way (every download pays that on every byte:
        bench/bench_store_download.py)."""
        body = r["Body"]
        try:
            fp = getattr(getattr(body, "_raw_stream", None), "_fp", None)
            if fp is None or not hasattr(fp, "readinto"):  # another HTTP stack under botocore: its own reads
                yield from (memoryview(c) for c in body.iter_chunks(CHUNK))
                return
            left = int(r["ContentLength"])
            while left > 0:
                view, got = memoryview(bytearray(min(CHUNK, left))), 0
                while got < len(view):
                    n = fp.readinto(view[got:])
                    if not n:
                        raise StoreError(f"blob {sha256}: S3 ended the object {left - got} bytes early")
                    got += n
                left -= got
                yield view  # a fresh buffer each time, never written again: handed on without a copy
        finally:
            body.close()

    # ---- locks and deletion ------------------------------------------------------------------------------------
    def get_lock(self, sha256: str) -> Lock:
        head = self._head(sha256)
        until = head.get("ObjectLockRetainUntilDate")
        return Lock(head.get("ObjectLockLegalHoldStatus") == "ON", aware(until) if until else None)

    def lock(self, sha256: str, legal_hold: bool | None = None, retain_until: dt.datetime | None = None) -> Lock:
        key, current = self.key(sha256), self.get_lock(sha256)
        if retain_until is not None:
            retain_until = aware(retain_until)
            if current.retain_until is not None and retain_until < current.retain_until:
                raise RetentionShortened(sha256, current.retain_until, retain_until)
            # COMPLIANCE: nobody, not even the bucket's owner, can shorten it or delete the version before the date
            self.client.put_object_retention(Bucket=self.bucket, Key=key, Retention={
                "Mode": "COMPLIANCE", "RetainUntilDate": retain_until})
        if legal_hold is not None:
            self.client.put_object_legal_hold(Bucket=self.bucket, Key=key,
                                              LegalHold={"Status": "ON" if legal_hold else "OFF"})
        return self.get_lock(sha256)

    def delete(self, sha256: str) -> None:
        """Delete every version of the blob. A delete marker would only hide it, so versions go one by one."""
        from botocore.exceptions import ClientError

        why = self.get_lock(sha256).active(utcnow())
        if why:
            raise BlobLocked(sha256, why)
        key = self.key(sha256)
        listing = self.client.list_object_versions(Bucket=self.bucket, Prefix=key)
        for v in listing.get("Versions", []) + listing.get("DeleteMarkers", []):
            if v["Key"] != key:
                continue
            try:
                self.client.delete_object(Bucket=self.bucket, Key=key, VersionId=v["VersionId"])
            except ClientError as exc:
                if _code(exc) == "AccessDenied":
                    raise BlobLocked(sha256, "the storage refused (Object Lock)") from None
                raise
