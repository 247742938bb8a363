"""Blob store port: immutable, content-addressed files (key = SHA-256 of the bytes).

Two adapters pass the same contract tests (``tests/integration/test_blobstore_contract.py``):
``LocalBlobStore`` (a folder, ``aa/bb/<sha256>`` under MEDIA_DIR — the default) and ``S3BlobStore``
(any S3-compatible service: MinIO, Ceph, OSS/COS in S3 mode, AWS — the scale option, BLOB_STORE=s3).

The contract: ``put_*`` verifies that the bytes hash to the key (so a store can never hold a mislabelled blob),
never overwrites (an existing key is a no-op returning False), and nothing is ever deleted.
"""
from __future__ import annotations

import hashlib
import re
from typing import IO, Any, Mapping, Protocol

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1024 * 1024


class BlobHashMismatch(ValueError):
    """The bytes offered do not hash to the key they were offered under."""


class BlobStore(Protocol):
    def prepare(self) -> None:
        """Make the store usable (create the folder / bucket if missing); called once when the app builds it."""
        ...

    def exists(self, sha256: str) -> bool: ...

    def size(self, sha256: str) -> int | None: ...

    def put_file(self, sha256: str, path: str, content_type: str) -> bool: ...

    def put_bytes(self, sha256: str, data: bytes, content_type: str) -> bool: ...

    def open(self, sha256: str) -> IO[bytes]:
        """A readable binary file object; raises ``KeyError`` when the blob is absent."""
        ...


def key_for(sha256: str) -> str:
    """``ab/cd/abcd…``: two levels of fan-out keep directories (and S3 listings) small."""
    if not SHA256_RE.match(sha256):
        raise ValueError(f"not a lowercase hex SHA-256: {sha256!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def check_hash(sha256: str, actual: str) -> None:
    if actual != sha256:
        raise BlobHashMismatch(f"content hashes to {actual}, not {sha256}")


def create_store(cfg: Mapping[str, Any]) -> BlobStore:
    """The store the config names (``BLOB_STORE`` = local | s3)."""
    kind = cfg.get("BLOB_STORE", "local")
    if kind == "local":
        from server.adapters.blobstore.local import LocalBlobStore

        return LocalBlobStore(cfg["MEDIA_DIR"])
    if kind == "s3":
        from server.adapters.blobstore.s3 import S3BlobStore

        return S3BlobStore(bucket=cfg["S3_BUCKET"], endpoint_url=cfg.get("S3_ENDPOINT_URL") or None,
                           access_key=cfg.get("S3_ACCESS_KEY") or None, secret_key=cfg.get("S3_SECRET_KEY") or None,
                           region=cfg.get("S3_REGION") or "us-east-1")
    raise ValueError(f"unknown BLOB_STORE {kind!r} (local | s3)")


def store_for(app) -> BlobStore:
    """One store per app, built on first use (no import-time side effects)."""
    store = app.extensions.get("roadside.blobstore")
    if store is None:
        store = create_store(app.config)
        store.prepare()
        app.extensions["roadside.blobstore"] = store
    return store
