"""What the storage itself enforces (real SeaweedFS), whatever our code does: credentials, checksums, Object Lock."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import boto3
import pytest
from botocore.exceptions import ClientError

UTC = dt.timezone.utc


def raw_client(weed, secret=None):
    return boto3.client("s3", endpoint_url=weed.endpoint, aws_access_key_id=weed.access_key,
                        aws_secret_access_key=secret or weed.secret_key, region_name="us-east-1")


def code(exc_info) -> str:
    return exc_info.value.response["Error"]["Code"]


def test_wrong_credentials_are_refused(weed, s3_store):
    with pytest.raises(ClientError) as refused:
        raw_client(weed, secret="not-the-secret").list_objects_v2(Bucket=s3_store.bucket)
    assert code(refused) in ("SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied")
    raw_client(weed).list_objects_v2(Bucket=s3_store.bucket)  # the right keys work


def test_storage_refuses_a_bad_sha256_checksum(weed, s3_store):
    with pytest.raises(ClientError) as refused:
        raw_client(weed).put_object(Bucket=s3_store.bucket, Key="x", Body=b"footage",
                                    ChecksumSHA256=base64.b64encode(hashlib.sha256(b"other").digest()).decode())
    assert code(refused) in ("BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch")


def _locked_blob(s3_store, tmp_path, **lock):
    data = b"evidential footage" * 100
    sha = hashlib.sha256(data).hexdigest()
    (tmp_path / "f").write_bytes(data)
    s3_store.put(sha, tmp_path / "f")
    s3_store.lock(sha, **lock)
    versions = s3_store.client.list_object_versions(Bucket=s3_store.bucket, Prefix=s3_store.key(sha))["Versions"]
    return sha, data, [v["VersionId"] for v in versions]


@pytest.mark.parametrize("lock", [{"legal_hold": True},
                                  {"retain_until": dt.datetime.now(UTC) + dt.timedelta(days=1)}],
                         ids=["legal_hold", "compliance_retention"])
def test_delete_of_a_locked_object_is_refused_to_the_key_holder(weed, s3_store, tmp_path, lock):
    sha, data, versions = _locked_blob(s3_store, tmp_path, **lock)
    client = raw_client(weed)  # the same admin keys the store uses, going around the store
    for version in versions:
        with pytest.raises(ClientError) as refused:
            client.delete_object(Bucket=s3_store.bucket, Key=s3_store.key(sha), VersionId=version)
        assert code(refused) == "AccessDenied"
    assert s3_store.read_bytes(sha) == data


def test_storage_refuses_to_shorten_compliance_retention(weed, s3_store, tmp_path):
    until = dt.datetime.now(UTC).replace(microsecond=0) + dt.timedelta(days=10)
    sha, _data, _versions = _locked_blob(s3_store, tmp_path, retain_until=until)
    with pytest.raises(ClientError) as refused:
        raw_client(weed).put_object_retention(Bucket=s3_store.bucket, Key=s3_store.key(sha), Retention={
            "Mode": "COMPLIANCE", "RetainUntilDate": until - dt.timedelta(days=5)})
    assert code(refused) == "AccessDenied"
    assert s3_store.get_lock(sha).retain_until == until
