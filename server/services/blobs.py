"""Resumable, content-addressed uploads (``PUT /api/blobs/<sha256>`` with ``Content-Range``).

Partial bytes are staged per user in ``MEDIA_DIR/.incoming/<officer>/<sha256>`` (the file's length is the offset,
so a crash can never make the database claim bytes that are not on disk). On the last byte the whole file is
hashed; a mismatch discards it (422, nothing stored). Then the real type is sniffed, images are checked for bombs
and truncation, and only then does the blob enter the store — once, never overwritten.
No database transaction is held while bytes stream in: a slow phone must not block other writers.
"""
from __future__ import annotations

import fcntl
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Callable, Mapping

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import ClientDisconnected

from server.adapters import imaging
from server.adapters.blobstore import SHA256_RE, BlobStore, sha256_file
from server.adapters.models import Blob, BlobUpload
from server.domain.actor import Actor
from server.domain.errors import ConflictError, DomainError
from server.domain.timeutil import utcnow
from server.services.uow import UnitOfWork

READ_SIZE = 256 * 1024
TOUCH_EVERY = timedelta(minutes=5)
RANGE_RE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
ALL_RE = re.compile(r"^bytes \*/(\d+)$")


class BadRange(DomainError):
    status = 416
    code = "content-range-invalid"
    message = "Content-Range 无效：应为 bytes 起-止/总长，且不超过总长"


@dataclass(frozen=True)
class ContentRange:
    start: int
    end: int  # inclusive
    total: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


@dataclass
class UploadState:
    sha256: str
    received: int
    total: int | None
    complete: bool
    existed: bool = False
    mime: str | None = None
    declared_mime: str | None = None


def parse_range(header: str | None, content_length: int | None) -> ContentRange:
    """``bytes 0-1048575/5242880``; without the header the body is the whole blob."""
    if not header:
        if content_length is None:
            raise DomainError("content-length-required", "上传需要 Content-Length 或 Content-Range", status=411)
        if content_length == 0:
            raise BadRange(message="上传内容为空")
        return ContentRange(0, content_length - 1, content_length)
    probe = ALL_RE.match(header.strip())
    if probe:
        # "bytes */<total>" with no body (as in Google's resumable uploads): finish with what the server holds,
        # e.g. after the last chunk arrived but storing it failed.
        if content_length:
            raise BadRange(message="bytes */总长 形式的请求不能带请求体")
        return ContentRange(0, -1, int(probe.group(1)))
    match = RANGE_RE.match(header.strip())
    if not match:
        raise BadRange(details={"content_range": header[:100]})
    start, end, total = map(int, match.groups())
    if start > end or end >= total:
        raise BadRange(details={"content_range": header[:100]})
    if content_length is not None and content_length != end - start + 1:
        raise BadRange(message="Content-Range 的长度与请求体长度不一致",
                       details={"content_range": header[:100], "content_length": content_length})
    return ContentRange(start, end, total)


def check_sha(sha256: str) -> None:
    if not SHA256_RE.match(sha256):
        raise DomainError("blob-hash-invalid", "文件标识必须是 64 位小写十六进制 SHA-256", {"sha256": sha256[:80]})


def staging_path(cfg: Mapping, officer_id: int, sha256: str) -> Path:
    return Path(cfg["MEDIA_DIR"]) / ".incoming" / str(officer_id) / sha256


def status(uow: UnitOfWork, cfg: Mapping, actor: Actor, sha256: str) -> UploadState | None:
    """What the server has of this blob for this user: complete, partial (with offset), or nothing (None)."""
    check_sha(sha256)
    with uow:
        blob = uow.session.get(Blob, sha256)
        if blob is not None:
            return UploadState(sha256, blob.size, blob.size, True, existed=True, mime=blob.mime)
        if purge_expired(uow, cfg):
            uow.commit()
        row = _upload_row(uow, actor, sha256)
        if row is None:
            return None
        path = staging_path(cfg, actor.officer_id, sha256)
        received = path.stat().st_size if path.exists() else 0
        return UploadState(sha256, received, row.total, False, declared_mime=row.declared_mime)


def receive(uow: UnitOfWork, store: BlobStore, cfg: Mapping, actor: Actor, sha256: str, rng: ContentRange,
            body: Callable[[], BinaryIO], declared_mime: str | None) -> UploadState:
    """Append one chunk; on the last byte verify and store. Re-sent bytes (a lost response) are skipped.

    ``body`` is opened only after the size, quota and offset checks pass, so a refused upload reads no byte.
    """
    check_sha(sha256)
    with uow:
        blob = uow.session.get(Blob, sha256)
        if blob is not None:  # content-addressed: the same hash is the same bytes, nothing to do
            return UploadState(sha256, blob.size, blob.size, True, existed=True, mime=blob.mime,
                               declared_mime=blob.declared_mime)
        if rng.total > cfg["MAX_BLOB_BYTES"]:
            raise DomainError("blob-too-large", f"文件过大：单个文件不能超过 {cfg['MAX_BLOB_BYTES'] // (1024 * 1024)} MB",
                              {"max_bytes": cfg["MAX_BLOB_BYTES"], "total": rng.total}, status=413)
        purged = purge_expired(uow, cfg)
        row, changed = _open_upload(uow, cfg, actor, sha256, rng, declared_mime)
        upload_id = row.id
        if changed or purged:
            uow.commit()
    path = staging_path(cfg, actor.officer_id, sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConflictError("upload-in-progress", "该文件正在另一连接中上传，请稍后用 HEAD 查询进度后继续") from None
        offset = fh.seek(0, os.SEEK_END)
        if rng.start > offset:
            raise ConflictError("upload-offset-mismatch", f"上传位置不连续：服务器已收到 {offset} 字节，请从该位置继续",
                                {"offset": offset})
        interrupted = _append(fh, body(), skip=offset - rng.start, length=rng.length)
        received = fh.tell()
    _touch(uow, upload_id)
    if interrupted:
        raise DomainError("upload-interrupted", f"上传中断：已保存 {received} 字节，请从该位置继续",
                          {"offset": received}, status=400)
    if received < rng.total:
        return UploadState(sha256, received, rng.total, False, declared_mime=declared_mime)
    return _finish(uow, store, cfg, actor, sha256, path, rng.total)


def _touch(uow: UnitOfWork, upload_id: int) -> None:
    """Keep an active upload from expiring. Written at most every few minutes, not per chunk: a commit per chunk
    would cost more than the chunk itself on SQLite."""
    now = utcnow()
    with uow:
        row = uow.session.get(BlobUpload, upload_id)
        if row is not None and now - row.updated_at > TOUCH_EVERY:
            row.updated_at = now
            uow.commit()


def _upload_row(uow: UnitOfWork, actor: Actor, sha256: str) -> BlobUpload | None:
    return uow.session.scalar(select(BlobUpload).where(BlobUpload.officer_id == actor.officer_id,
                                                       BlobUpload.sha256 == sha256))


def _open_upload(uow: UnitOfWork, cfg: Mapping, actor: Actor, sha256: str, rng: ContentRange,
                 declared_mime: str | None) -> tuple[BlobUpload, bool]:
    """The user's upload row for this blob (created on the first chunk); second value: whether it changed."""
    row = _upload_row(uow, actor, sha256)
    if rng.length == 0 and (row is None or row.total != rng.total):
        raise ConflictError("upload-offset-mismatch", "服务器没有此文件（此长度）的部分数据，请从 0 开始上传",
                            {"offset": 0})
    if row is not None and row.total != rng.total:
        if rng.start != 0:
            raise ConflictError("upload-length-mismatch", "总长度与先前的上传不一致；如需重传请从 0 开始",
                                {"total": row.total})
        # Starting again from byte 0 with another length: the client rebuilt the file; drop the old partial.
        staging_path(cfg, actor.officer_id, sha256).unlink(missing_ok=True)
        uow.session.delete(row)
        uow.session.flush()
        row = None
    if row is not None and declared_mime and not row.declared_mime:
        row.declared_mime = declared_mime
        return row, True
    if row is None:
        if rng.start != 0:
            raise ConflictError("upload-offset-mismatch", "服务器没有此文件的部分数据，请从 0 开始上传", {"offset": 0})
        _check_quota(uow, cfg, actor, rng.total)
        row = BlobUpload(officer_id=actor.officer_id, sha256=sha256, total=rng.total, declared_mime=declared_mime)
        uow.session.add(row)
        uow.session.flush()
        return row, True
    return row, False


def _check_quota(uow: UnitOfWork, cfg: Mapping, actor: Actor, total: int) -> None:
    stored = uow.session.scalar(select(func.coalesce(func.sum(Blob.size), 0))
                                .where(Blob.uploaded_by == actor.officer_id, Blob.variant == "original"))
    pending = uow.session.scalar(select(func.coalesce(func.sum(BlobUpload.total), 0))
                                 .where(BlobUpload.officer_id == actor.officer_id))
    quota = cfg["BLOB_QUOTA_BYTES"]
    if stored + pending + total > quota:
        raise DomainError("blob-quota-exceeded", "个人存储配额已用完，请联系管理员",
                          {"quota_bytes": quota, "used_bytes": stored + pending, "requested_bytes": total},
                          status=413)


def _append(fh, body: BinaryIO, *, skip: int, length: int) -> bool:
    """Copy the body to the end of ``fh``, dropping the first ``skip`` bytes we already hold.

    Returns True when the client went away mid-body; what did arrive is kept (the next HEAD shows it).
    """
    remaining = length
    try:
        while remaining > 0:
            block = body.read(min(READ_SIZE, remaining))
            if not block:
                return True
            remaining -= len(block)
            if skip >= len(block):
                skip -= len(block)
                continue
            fh.write(block[skip:] if skip else block)
            skip = 0
        return False
    except ClientDisconnected:
        return True
    finally:
        fh.flush()
        os.fsync(fh.fileno())


def _finish(uow: UnitOfWork, store: BlobStore, cfg: Mapping, actor: Actor, sha256: str, path: Path,
            total: int) -> UploadState:
    try:
        actual = sha256_file(str(path))
        if actual != sha256:
            raise DomainError("blob-hash-mismatch", "文件内容与其 SHA-256 不符，已丢弃，请重新上传",
                              {"expected": sha256, "actual": actual})
        with open(path, "rb") as fh:
            mime = imaging.sniff(fh.read(64))
        if mime is None:
            raise imaging.UnsupportedType()
        width = height = None
        if imaging.is_image(mime):
            info = imaging.inspect(str(path), cfg["MAX_IMAGE_PIXELS"])
            width, height = info.width, info.height
        with uow:  # after the pixel and truncation checks: those findings are the graver ones
            row = _upload_row(uow, actor, sha256)
            declared = row.declared_mime if row else None
        if imaging.declared_contradicts(declared, mime):
            raise imaging.TypeMismatch(details={"declared": declared, "actual": mime})
        store.put_file(sha256, str(path), mime)
    except DomainError:
        _discard(uow, cfg, actor, sha256)
        raise
    with uow:
        row = _upload_row(uow, actor, sha256)
        if row is not None:
            uow.session.delete(row)
        uow.session.add(Blob(sha256=sha256, size=total, mime=mime, declared_mime=declared, width=width,
                             height=height, uploaded_by=actor.officer_id, variant="original"))
        data = {"sha256": sha256, "size": total, "mime": mime, "declared_mime": declared}
        uow.record(actor, "blob.store", "blob", sha256, data, unit_id=actor.unit_id, publish=False)
        try:
            uow.commit()
        except IntegrityError:  # another user finished the same bytes a moment earlier: same content, fine
            uow.rollback()
            _discard(uow, cfg, actor, sha256)
    path.unlink(missing_ok=True)
    return UploadState(sha256, total, total, True, mime=mime, declared_mime=declared)


def _discard(uow: UnitOfWork, cfg: Mapping, actor: Actor, sha256: str) -> None:
    staging_path(cfg, actor.officer_id, sha256).unlink(missing_ok=True)
    with uow:
        row = _upload_row(uow, actor, sha256)
        if row is not None:
            uow.session.delete(row)
            uow.commit()


PURGE_BATCH = 50


def purge_expired(uow: UnitOfWork, cfg: Mapping, now: datetime | None = None, limit: int = PURGE_BATCH) -> int:
    """Drop partial uploads idle longer than BLOB_PARTIAL_TTL_HOURS (their quota is released). Caller commits."""
    cutoff = (now or utcnow()) - timedelta(hours=cfg["BLOB_PARTIAL_TTL_HOURS"])
    rows = uow.session.scalars(select(BlobUpload).where(BlobUpload.updated_at < cutoff).limit(limit)).all()
    for row in rows:
        staging_path(cfg, row.officer_id, row.sha256).unlink(missing_ok=True)
        uow.session.delete(row)
    uow.session.flush()
    return len(rows)


def sweep_expired(uow: UnitOfWork, cfg: Mapping, now: datetime | None = None) -> int:
    """The worker's sweep: every expired partial upload, in committed batches (an officer who never comes back
    online would otherwise hold staging disk and quota for ever)."""
    total = 0
    with uow:
        while True:
            purged = purge_expired(uow, cfg, now)
            uow.commit()
            total += purged
            if purged < PURGE_BATCH:
                return total
