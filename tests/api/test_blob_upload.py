"""Resumable content-addressed upload: PUT /api/blobs/<sha256> with Content-Range, HEAD for the offset."""
from __future__ import annotations

import hashlib
import io
import os
import random
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from evidence_support import S3_TEST_CONFIG, jpeg_bytes, moto_s3, png_bomb, png_bytes
from server.adapters.models import Blob, BlobUpload


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put_chunk(client, headers, digest, data, start, total, *, content_type=None, cut_at=None):
    """PUT bytes [start, start+len(data)); with ``cut_at`` the connection drops after that many body bytes."""
    end = start + len(data) - 1
    hdrs = {**headers, "Content-Range": f"bytes {start}-{end}/{total}"}
    if content_type:
        hdrs["Content-Type"] = content_type
    if cut_at is None:
        return client.put(f"/api/blobs/{digest}", data=data, headers=hdrs)
    # Content-Length promises the whole chunk but the stream ends early: what a dropped connection looks like.
    return client.put(f"/api/blobs/{digest}", input_stream=io.BytesIO(data[:cut_at]), headers=hdrs,
                      environ_overrides={"CONTENT_LENGTH": str(len(data))})


def offset(client, headers, digest) -> int:
    resp = client.head(f"/api/blobs/{digest}", headers=headers)
    if resp.status_code == 404:
        return 0
    assert resp.status_code == 200
    return int(resp.headers["Upload-Offset"])


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file() and ".incoming" not in p.parts]


def count_blobs(app) -> int:
    from server.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Blob))


def test_upload_interrupted_at_random_offsets_resumes_to_identical_bytes(app, client, login):
    seed = int(os.environ.get("ROADSIDE_TEST_SEED", random.randrange(1_000_000)))
    print(f"seed={seed} (re-run with ROADSIDE_TEST_SEED={seed})")
    rng = random.Random(seed)
    headers = login("zhangwei")
    data = jpeg_bytes(size=(900, 700), noise=True)
    digest, total = sha(data), len(data)
    interruptions = 0
    position = 0
    while True:
        position = offset(client, headers, digest)  # always resume from what the server says it holds
        if position == total:
            break
        size = rng.randint(1, max(1, total // 4))
        chunk = data[position:position + size]
        if (interruptions == 0 or rng.random() < 0.5) and len(chunk) > 1:  # at least one cut, whatever the seed
            cut = rng.randint(0, len(chunk) - 1)
            resp = put_chunk(client, headers, digest, chunk, position, total, cut_at=cut)
            assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "upload-interrupted"
            assert offset(client, headers, digest) == position + cut
            interruptions += 1
            continue
        resp = put_chunk(client, headers, digest, chunk, position, total)
        assert resp.status_code in (201, 202), resp.get_json()
        if resp.status_code == 201:
            break
    assert interruptions > 0
    body = resp.get_json() if resp.status_code == 201 else None
    assert body is None or (body["complete"] and body["sha256"] == digest)
    got = client.get(f"/api/blobs/{digest}", headers=headers)
    assert got.status_code == 200
    assert got.data == data
    assert sha(got.data) == digest


def test_resending_a_chunk_after_a_lost_response_is_harmless(client, login):
    headers = login("zhangwei")
    data = jpeg_bytes(noise=True)
    digest, total, half = sha(data), len(data), len(data) // 2
    assert put_chunk(client, headers, digest, data[:half], 0, total).status_code == 202
    # The response was lost; the phone sends the same chunk again, then the rest.
    again = put_chunk(client, headers, digest, data[:half], 0, total)
    assert again.status_code == 202 and again.headers["Upload-Offset"] == str(half)
    assert put_chunk(client, headers, digest, data[half:], half, total).status_code == 201
    assert client.get(f"/api/blobs/{digest}", headers=headers).data == data


def test_wrong_hash_is_refused_and_nothing_is_stored(app, client, login, tmp_path):
    headers = login("zhangwei")
    data = jpeg_bytes()
    wrong = sha(b"something else entirely")
    resp = client.put(f"/api/blobs/{wrong}", data=data, headers=headers)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "blob-hash-mismatch"
    assert resp.get_json()["error"]["details"]["actual"] == sha(data)
    assert stored_files(Path(app.config["MEDIA_DIR"])) == []
    assert count_blobs(app) == 0
    assert offset(client, headers, wrong) == 0  # the partial was discarded too
    assert client.head(f"/api/blobs/{wrong}", headers=headers).status_code == 404


def test_upload_of_an_existing_hash_is_a_noop(app, client, login):
    data = jpeg_bytes()
    digest = sha(data)
    assert client.put(f"/api/blobs/{digest}", data=data, headers=login("zhangwei")).status_code == 201
    media = Path(app.config["MEDIA_DIR"])
    before = {p: p.stat().st_mtime_ns for p in stored_files(media)}
    again = client.put(f"/api/blobs/{digest}", data=data, headers=login("lina"))
    assert again.status_code == 200
    assert again.get_json()["existed"] is True
    assert again.headers["Upload-Complete"] == "true"
    assert {p: p.stat().st_mtime_ns for p in stored_files(media)} == before
    assert count_blobs(app) == 1


@pytest.mark.parametrize("name, payload, status, code", [
    ("decompression bomb", png_bomb(), 422, "image-too-many-pixels"),
    ("truncated jpeg", jpeg_bytes(noise=True)[:-4000], 422, "image-truncated"),
    ("not an image", b"MZ\x90\x00 a windows executable pretending to be a photo" * 50, 415, "blob-type-unsupported"),
])
def test_bad_files_get_a_clear_4xx_and_nothing_is_stored(app, client, login, name, payload, status, code):
    resp = client.put(f"/api/blobs/{sha(payload)}", data=payload, headers={**login("zhangwei"),
                                                                             "Content-Type": "image/jpeg"})
    assert resp.status_code == status, name
    error = resp.get_json()["error"]
    assert error["code"] == code and error["message"]
    assert stored_files(Path(app.config["MEDIA_DIR"])) == []
    assert count_blobs(app) == 0


def test_png_sent_as_jpeg_is_refused_and_nothing_is_stored(app, client, login):
    headers = login("zhangwei")
    data = png_bytes()
    resp = client.put(f"/api/blobs/{sha(data)}", data=data, headers={**headers, "Content-Type": "image/jpeg"})
    assert resp.status_code == 415
    error = resp.get_json()["error"]
    assert error["code"] == "blob-type-mismatch" and "不符" in error["message"]
    assert error["details"] == {"declared": "image/jpeg", "actual": "image/png"}
    assert stored_files(Path(app.config["MEDIA_DIR"])) == [] and count_blobs(app) == 0
    assert client.head(f"/api/blobs/{sha(data)}", headers=headers).status_code == 404  # the partial is gone too
    # The same bytes declared truthfully (or not declared at all) are taken.
    ok = client.put(f"/api/blobs/{sha(data)}", data=data, headers={**headers, "Content-Type": "image/png"})
    assert ok.status_code == 201 and ok.get_json()["mime"] == "image/png"


@pytest.mark.parametrize("declared, actual, contradicts", [
    (None, "image/png", False), ("application/octet-stream", "image/png", False),
    ("image/jpg", "image/jpeg", False), ("IMAGE/JPEG; q=1", "image/jpeg", False),
    ("image/jpeg", "image/png", True), ("image/png", "application/pdf", True), ("video/mp4", "image/jpeg", True),
    ("audio/webm", "video/webm", False), ("audio/mp4", "video/mp4", False), ("application/pdf", "video/mp4", True),
])
def test_declared_type_rules(declared, actual, contradicts):
    from server.adapters.imaging import declared_contradicts

    assert declared_contradicts(declared, actual) is contradicts


def test_30_mb_file_is_refused_before_any_byte_is_kept(app, client, login):
    headers = login("zhangwei")
    data = b"\xff\xd8\xff" + os.urandom(30 * 1024 * 1024)
    whole = client.put(f"/api/blobs/{sha(data)}", data=data, headers=headers)
    assert whole.status_code == 413
    assert whole.get_json()["error"]["code"] == "blob-too-large"
    assert whole.get_json()["error"]["details"]["max_bytes"] == app.config["MAX_BLOB_BYTES"]
    chunked = put_chunk(client, headers, sha(data), data[:1024 * 1024], 0, len(data))
    assert chunked.status_code == 413
    assert chunked.get_json()["error"]["code"] == "blob-too-large"
    assert list(Path(app.config["MEDIA_DIR"]).rglob(sha(data))) == []  # neither stored nor staged
    assert offset(client, headers, sha(data)) == 0


def test_a_chunk_beyond_the_received_offset_is_refused(client, login):
    headers = login("zhangwei")
    data = jpeg_bytes(noise=True)
    digest = sha(data)
    assert put_chunk(client, headers, digest, data[:1000], 0, len(data)).status_code == 202
    gap = put_chunk(client, headers, digest, data[2000:3000], 2000, len(data))
    assert gap.status_code == 409
    assert gap.get_json()["error"] == {"code": "upload-offset-mismatch", "message": gap.get_json()["error"]["message"],
                                       "details": {"offset": 1000}}


def test_per_user_quota_counts_stored_and_pending_bytes(app, client, login):
    headers = login("zhangwei")
    first, second = jpeg_bytes(noise=True, size=(640, 480)), jpeg_bytes(noise=True, size=(700, 500))
    app.config["BLOB_QUOTA_BYTES"] = len(first) + len(second) - 1
    assert client.put(f"/api/blobs/{sha(first)}", data=first, headers=headers).status_code == 201
    resp = put_chunk(client, headers, sha(second), second[:1000], 0, len(second))
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "blob-quota-exceeded"
    # Another officer has a quota of their own.
    assert client.put(f"/api/blobs/{sha(second)}", data=second, headers=login("lina")).status_code == 201


def test_idle_partial_uploads_expire_and_release_their_bytes(app, client, login):
    from server.extensions import db
    from server.services import blobs
    from server.services.uow import UnitOfWork

    headers = login("zhangwei")
    data = jpeg_bytes(noise=True)
    digest = sha(data)
    assert put_chunk(client, headers, digest, data[:5000], 0, len(data)).status_code == 202
    staged = list(Path(app.config["MEDIA_DIR"], ".incoming").rglob(digest))
    assert len(staged) == 1
    with app.app_context():
        uow = UnitOfWork()
        later = db.session.scalar(select(BlobUpload.updated_at)) + timedelta(hours=app.config["BLOB_PARTIAL_TTL_HOURS"],
                                                                             minutes=1)
        assert blobs.purge_expired(uow, app.config, now=later) == 1
        uow.commit()
        assert db.session.scalar(select(func.count()).select_from(BlobUpload)) == 0
    assert not staged[0].exists()
    assert client.head(f"/api/blobs/{digest}", headers=headers).status_code == 404


def test_the_worker_sweeps_expired_partial_uploads_nobody_resumes(app, client, login):
    from server import worker
    from server.extensions import db

    digests = []
    for name in ("zhangwei", "lina"):
        data = jpeg_bytes(noise=True)
        digests.append(sha(data))
        assert put_chunk(client, login(name), sha(data), data[:4000], 0, len(data)).status_code == 202
    with app.app_context():
        started = db.session.scalar(select(func.max(BlobUpload.updated_at)))
        db.session.remove()
    ttl = timedelta(hours=app.config["BLOB_PARTIAL_TTL_HOURS"])
    assert worker.run_once(app, now=started + ttl - timedelta(minutes=1))["expired_uploads"] == 0
    assert worker.run_once(app, now=started + ttl + timedelta(minutes=1))["expired_uploads"] == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BlobUpload)) == 0
        db.session.remove()
    assert not [p for d in digests for p in Path(app.config["MEDIA_DIR"], ".incoming").rglob(d)]


def test_blob_download_is_only_for_those_who_may_see_it(client, login):
    data = jpeg_bytes()
    digest = sha(data)
    assert client.put(f"/api/blobs/{digest}", data=data, headers=login("zhangwei")).status_code == 201
    assert client.get(f"/api/blobs/{digest}", headers=login("zhangwei")).data == data
    # Not attached to any evidence yet: another unit's officer cannot read it by guessing the hash.
    denied = client.get(f"/api/blobs/{digest}", headers=login("wangqiang"))
    assert denied.status_code == 404
    assert denied.get_json()["error"]["code"] == "blob-not-found"


def test_invalid_hash_and_range_are_clear_errors(client, login):
    headers = login("zhangwei")
    bad = client.put("/api/blobs/NOT-A-HASH", data=b"x", headers=headers)
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "blob-hash-invalid"
    data = jpeg_bytes()
    rng = client.put(f"/api/blobs/{sha(data)}", data=data[:10], headers={**headers, "Content-Range": "bytes 5-2/9"})
    assert rng.status_code == 416 and rng.get_json()["error"]["code"] == "content-range-invalid"
    assert client.put(f"/api/blobs/{sha(data)}", data=data).status_code == 401


def test_upload_works_the_same_against_the_s3_store(app_config):
    from server import create_app
    from server.extensions import db

    with moto_s3() as endpoint:
        app = create_app({**app_config, "BLOB_STORE": "s3", "S3_ENDPOINT_URL": endpoint, "S3_BUCKET": "evidence",
                          **S3_TEST_CONFIG})
        try:
            client = app.test_client()
            from server import demo
            from server.services.uow import UnitOfWork

            with app.app_context():
                demo.load(UnitOfWork())
            resp = client.post("/api/auth/login", json={"username": "zhangwei", "password": "roadside-demo-2026",
                                                        "device_id": "dev-s3-test-1", "device_name": "pytest"})
            headers = {"Authorization": f"Bearer {resp.get_json()['access_token']}"}
            data = jpeg_bytes(noise=True)
            digest, half = sha(data), len(data) // 2
            assert put_chunk(client, headers, digest, data[:half], 0, len(data)).status_code == 202
            assert put_chunk(client, headers, digest, data[half:], half, len(data)).status_code == 201
            assert client.get(f"/api/blobs/{digest}", headers=headers).data == data
            assert stored_files(Path(app_config["MEDIA_DIR"])) == []  # the bytes went to S3, not the folder
            import boto3

            s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing",
                              aws_secret_access_key="testing", region_name="us-east-1")
            key = f"{digest[:2]}/{digest[2:4]}/{digest}"
            assert s3.get_object(Bucket="evidence", Key=key)["Body"].read() == data
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def test_finishing_with_what_the_server_holds_after_a_failed_store(app, client, login, monkeypatch):
    from server.adapters.blobstore.local import LocalBlobStore

    headers = login("zhangwei")
    data = jpeg_bytes(noise=True)
    digest, total = sha(data), len(data)

    def store_down(self, *args, **kwargs):
        raise OSError("disk unavailable")

    with monkeypatch.context() as patch:
        patch.setattr(LocalBlobStore, "put_file", store_down)
        failed = client.put(f"/api/blobs/{digest}", data=data, headers=headers)
        assert failed.status_code == 500
    head = client.head(f"/api/blobs/{digest}", headers=headers)
    assert (head.headers["Upload-Offset"], head.headers["Upload-Complete"]) == (str(total), "false")
    finish = client.put(f"/api/blobs/{digest}", headers={**headers, "Content-Range": f"bytes */{total}"})
    assert finish.status_code == 201 and finish.get_json()["complete"] is True
    assert client.get(f"/api/blobs/{digest}", headers=headers).data == data
    unknown = client.put(f"/api/blobs/{sha(b'nothing')}", headers={**headers, "Content-Range": "bytes */7"})
    assert unknown.status_code == 409 and unknown.get_json()["error"]["details"] == {"offset": 0}
