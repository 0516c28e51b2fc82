"""Blob stores keyed by SHA-256: filesystem (embedded default) and S3 with Object Lock (production)."""

from reviewer.store.blobs.base import BlobStore, Lock, check_key
from reviewer.store.blobs.fs import FileBlobStore

__all__ = ["BlobStore", "FileBlobStore", "Lock", "check_key"]
