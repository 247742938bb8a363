"""Evidence reads (list, detail, files with access logging) and the admin integrity views.

Evidence is written only through sync mutations (``evidence.attach`` / ``evidence.void``); there is no PUT/DELETE.
"""
from __future__ import annotations

from flask import current_app, request, send_file
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.adapters.blobstore import store_for
from server.api.deps import auth_required, current_actor
from server.api.schemas import StrictSchema
from server.services import audit, evidence
from server.services.uow import UnitOfWork

blp = Blueprint("evidence", __name__, url_prefix="/api", description="证据：查看、原件/水印副本下载、查阅记录、审计链校验")


class EvidenceListQuery(StrictSchema):
    inspection_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    include_voided = fields.Boolean(load_default=False)


class FileQuery(StrictSchema):
    variant = fields.String(load_default="display", validate=validate.OneOf(evidence.VARIANTS))


class AccessQuery(StrictSchema):
    evidence_id = fields.String(validate=validate.Length(max=64))
    officer_id = fields.Integer()
    limit = fields.Integer(load_default=200, validate=validate.Range(1, 1000))


class GpsSchema(Schema):
    lat = fields.Float()
    lon = fields.Float()
    accuracy_m = fields.Float()
    source = fields.String()
    device_time = fields.String()
    received_at = fields.String()
    flags = fields.List(fields.String())


class EvidenceSchema(Schema):
    id = fields.String()
    inspection_id = fields.String()
    unit_id = fields.Integer()
    officer_id = fields.Integer()
    kind = fields.String()
    sha256 = fields.String()
    bytes = fields.Integer()
    mime = fields.String()
    declared_mime = fields.String(allow_none=True)
    taken_at = fields.String()
    note = fields.String()
    display_sha256 = fields.String(allow_none=True)
    thumb_sha256 = fields.String(allow_none=True)
    flags = fields.List(fields.String())
    flag_labels = fields.List(fields.String())
    gps = fields.Nested(GpsSchema, allow_none=True)
    voided = fields.Boolean()
    voided_at = fields.String(allow_none=True)
    void_reason = fields.String(allow_none=True)
    version = fields.Integer()
    created_at = fields.String()


class AccessSchema(Schema):
    id = fields.Integer()
    evidence_id = fields.String(allow_none=True)
    sha256 = fields.String()
    variant = fields.String()
    officer_id = fields.Integer()
    device_id = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    at = fields.DateTime()


class BreakSchema(Schema):
    chain = fields.Integer()
    seq = fields.Integer()
    entry_id = fields.Integer()
    reason = fields.String()


class VerifySchema(Schema):
    ok = fields.Boolean()
    chains_checked = fields.Integer()
    entries_checked = fields.Integer()
    breaks = fields.List(fields.Nested(BreakSchema), metadata={"description": "每条断裂链的第一个断点"})


@blp.route("/evidence")
@blp.arguments(EvidenceListQuery, location="query")
@blp.response(200, EvidenceSchema(many=True))
@auth_required
def list_evidence(query):
    """某次检查的证据（默认不含已作废；带班领导/法制审核/管理员可 include_voided=true）"""
    include = query["include_voided"] and current_actor().has(*evidence.REVIEW_ROLES)
    return evidence.list_for_inspection(UnitOfWork(), current_actor(), query["inspection_id"], include)


@blp.route("/evidence/<evidence_id>")
@blp.response(200, EvidenceSchema)
@auth_required
def get_evidence(evidence_id):
    """证据详情（含定位及其可信度标记）"""
    return evidence.detail(UnitOfWork(), current_actor(), evidence_id)


@blp.route("/evidence/<evidence_id>/file")
@blp.arguments(FileQuery, location="query")
@auth_required
def evidence_file(query, evidence_id):
    """下载证据文件：display（水印副本，默认）、thumb（缩略图）、original（原件）。每次读取均记录"""
    opened = evidence.open_file(UnitOfWork(), store_for(current_app), current_actor(), evidence_id,
                                query["variant"], request.remote_addr)
    return send_file(opened.fileobj, mimetype=opened.mime, download_name=opened.name, max_age=0, conditional=False)


@blp.route("/admin/evidence-access")
@blp.arguments(AccessQuery, location="query")
@blp.response(200, AccessSchema(many=True))
@auth_required
def access_log(query):
    """证据查阅记录（谁在何时从哪台设备查看了哪份证据）"""
    return evidence.access_log(UnitOfWork(), current_actor(), query.get("evidence_id"), query.get("officer_id"),
                               query["limit"])


@blp.route("/admin/audit/verify")
@blp.response(200, VerifySchema)
@auth_required
def verify_audit():
    """重算审计链并核对证据记录；报告每条链的第一个断点（ok=false 表示发现篡改或删除）"""
    return audit.verify(UnitOfWork(), current_actor())
