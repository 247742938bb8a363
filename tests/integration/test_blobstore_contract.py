"""The same contract for every blob store adapter: local folder and S3 (against a moto server started here)."""
from __future__ import annotations

import hashlib
import uuid

import pytest

from evidence_support import S3_TEST_CONFIG, moto_s3
from server.adapters.blobstore import BlobHashMismatch, create_store, key_for


@pytest.fixture(scope="module")
def s3_endpoint():
    with moto_s3() as endpoint:
        yield endpoint


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        local = create_store({"BLOB_STORE": "local", "MEDIA_DIR": str(tmp_path / "media")})
        local.prepare()
        return local
    endpoint = request.getfixturevalue("s3_endpoint")
    # A fresh bucket per test: prepare() creates it.
    s3 = create_store({"BLOB_STORE": "s3", "S3_ENDPOINT_URL": endpoint, "S3_BUCKET": f"t-{uuid.uuid4().hex[:12]}",
                       **S3_TEST_CONFIG})
    s3.prepare()
    return s3


def blob(text: bytes) -> tuple[str, bytes]:
    return hashlib.sha256(text).hexdigest(), text


def test_put_then_read_back_identical_bytes(store, tmp_path):
    sha, data = blob(b"\xff\xd8 photo bytes " * 1000)
    path = tmp_path / "upload"
    path.write_bytes(data)
    assert not store.exists(sha)
    assert store.size(sha) is None
    assert store.put_file(sha, str(path), "image/jpeg") is True
    assert store.exists(sha)
    assert store.size(sha) == len(data)
    with store.open(sha) as fh:
        assert fh.read() == data


def test_existing_key_is_never_overwritten(store):
    sha, data = blob(b"original evidence")
    assert store.put_bytes(sha, data, "application/octet-stream") is True
    assert store.put_bytes(sha, data, "application/octet-stream") is False  # same hash again: no-op
    with store.open(sha) as fh:
        assert fh.read() == data


def test_bytes_that_do_not_match_the_key_are_refused(store, tmp_path):
    sha, _ = blob(b"what the client promised")
    path = tmp_path / "other"
    path.write_bytes(b"what actually arrived")
    with pytest.raises(BlobHashMismatch):
        store.put_file(sha, str(path), "image/jpeg")
    with pytest.raises(BlobHashMismatch):
        store.put_bytes(sha, b"what actually arrived", "image/jpeg")
    assert not store.exists(sha)


def test_missing_blob_raises_key_error(store):
    sha, _ = blob(b"never stored")
    with pytest.raises(KeyError):
        store.open(sha)


def test_keys_fan_out_by_hash_prefix():
    sha = hashlib.sha256(b"x").hexdigest()
    assert key_for(sha) == f"{sha[:2]}/{sha[2:4]}/{sha}"
    with pytest.raises(ValueError):
        key_for("../../etc/passwd")
    with pytest.raises(ValueError):
        key_for(sha.upper())
