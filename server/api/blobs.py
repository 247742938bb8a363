"""``/api/blobs/<sha256>``: resumable upload (PUT with Content-Range), progress (HEAD), logged download (GET).

Progress headers (tus-like): ``Upload-Offset`` = bytes the server holds for you, ``Upload-Length`` = declared total,
``Upload-Complete`` = ``true`` once the blob is verified and stored. HEAD answers 404 when the server has nothing.
"""
from __future__ import annotations

import logging

from flask import current_app, request, send_file
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from server.adapters.blobstore import store_for
from server.api.deps import auth_required, config, current_actor
from server.domain.errors import NotFound
from server.extensions import db
from server.services import blobs, evidence, sync_push
from server.services.uow import UnitOfWork

log = logging.getLogger("roadside.blobs")

blp = Blueprint("blobs", __name__, url_prefix="/api/blobs", description="证据文件：内容寻址、断点续传、查阅留痕")


class UploadStateSchema(Schema):
    sha256 = fields.String()
    received = fields.Integer()
    total = fields.Integer(allow_none=True)
    complete = fields.Boolean()
    existed = fields.Boolean()
    mime = fields.String(allow_none=True, metadata={"description": "从文件内容识别出的真实类型"})
    declared_mime = fields.String(allow_none=True, metadata={"description": "上传时声明的类型（与实际内容矛盾的图片类型会被拒绝）"})


def _progress_headers(state: blobs.UploadState) -> dict[str, str]:
    headers = {"Upload-Offset": str(state.received), "Upload-Complete": "true" if state.complete else "false"}
    if state.total is not None:
        headers["Upload-Length"] = str(state.total)
    return headers


@blp.route("/<sha256>", methods=["PUT"])
@blp.response(201, UploadStateSchema, description="最后一块到达、校验通过并已保存")
@blp.alt_response(202, schema=UploadStateSchema, description="已收到本块，继续上传")
@blp.alt_response(200, schema=UploadStateSchema, description="该文件已存在（相同哈希），无需上传")
@auth_required
def put_blob(sha256):
    """上传文件块（Content-Range: bytes 起-止/总长；无此头时请求体即整个文件）"""
    cfg = config()
    # The app-wide 2 MB limit is for JSON; a chunk may be as large as a whole blob (Flask 3.1 per-request limit).
    request.max_content_length = cfg["MAX_BLOB_BYTES"]
    rng = blobs.parse_range(request.headers.get("Content-Range"), request.content_length)
    declared = request.mimetype if request.mimetype not in ("", "application/octet-stream") else None
    state = blobs.receive(UnitOfWork(), store_for(current_app), cfg, current_actor(), sha256, rng,
                          lambda: request.stream, declared)
    code = 200 if state.existed else 201 if state.complete else 202
    if code == 201:
        _release_parked(sha256)
    return state, code, _progress_headers(state)


def _release_parked(sha256: str) -> None:
    """evidence.attach mutations parked for this blob run now. The upload itself already succeeded, so a
    failure here is logged, not returned: the parked mutations stay parked for the next retry sweep."""
    try:
        sync_push.retry_parked(db.session, config(), [f"blob:{sha256}"])
    except Exception:
        log.exception("retrying mutations parked for blob %s failed", sha256)
    finally:
        db.session.rollback()


@blp.route("/<sha256>", methods=["GET", "HEAD"])
@blp.doc(description="HEAD：查询上传进度（Upload-Offset）。GET：下载原件（仅上传者或可查看引用该文件证据的人员，每次读取均记录）")
@auth_required
def get_blob(sha256):
    """查询上传进度 / 下载原件"""
    if request.method == "HEAD":
        state = blobs.status(UnitOfWork(), config(), current_actor(), sha256)
        if state is None:
            raise NotFound("blob-not-found", "服务器没有此文件，请从 0 开始上传")
        return "", 200, _progress_headers(state)
    opened = evidence.open_blob(UnitOfWork(), store_for(current_app), current_actor(), sha256,
                                address=request.remote_addr)
    return send_file(opened.fileobj, mimetype=opened.mime, etag=sha256, max_age=0, download_name=opened.name,
                     conditional=False)
