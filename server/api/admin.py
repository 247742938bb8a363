"""Administration endpoints (units, officers, certificates, training, devices). Rules live in services."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from flask import request

from server.api.deps import auth_required, current_actor, if_match_version
from server.api.lookup import CertificateSchema, OfficerSchema
from server.api.schemas import StrictSchema
from server.domain.actor import ROLES
from server.services import admin, auth
from server.services.uow import UnitOfWork

blp = Blueprint("admin", __name__, url_prefix="/api/admin", description="管理：单位、人员、执法证、设备")

LEVELS = ["detachment", "brigade", "squad", "station"]


class UnitSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    parent_id = fields.Integer(required=True)
    path = fields.String(dump_only=True)
    doc_prefix = fields.String(required=True, validate=validate.Length(min=1, max=32))
    center_lat = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    center_lon = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    radius_m = fields.Integer(allow_none=True, validate=validate.Range(min=1))
    polygon = fields.List(fields.List(fields.Float(), validate=validate.Length(equal=2)), allow_none=True)
    training_hours_required = fields.Integer(validate=validate.Range(min=0))
    training_legal_hours_required = fields.Integer(validate=validate.Range(min=0))


class UnitCreateSchema(UnitSchema, StrictSchema):
    pass


class UnitUpdateSchema(StrictSchema):
    name = fields.String(validate=validate.Length(min=1, max=128))
    doc_prefix = fields.String(validate=validate.Length(min=1, max=32))
    center_lat = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    center_lon = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    radius_m = fields.Integer(allow_none=True, validate=validate.Range(min=1))
    polygon = fields.List(fields.List(fields.Float(), validate=validate.Length(equal=2)), allow_none=True)
    training_hours_required = fields.Integer(validate=validate.Range(min=0))
    training_legal_hours_required = fields.Integer(validate=validate.Range(min=0))


class OfficerCreateSchema(StrictSchema):
    unit_id = fields.Integer(required=True)
    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{3,64}$"))
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=10, max=256), load_only=True)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True, validate=validate.Length(min=1))
    phone = fields.String(validate=validate.Length(max=32))


class OfficerUpdateSchema(StrictSchema):
    unit_id = fields.Integer()
    full_name = fields.String(validate=validate.Length(min=1, max=64))
    password = fields.String(validate=validate.Length(min=10, max=256), load_only=True)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), validate=validate.Length(min=1))
    phone = fields.String(validate=validate.Length(max=32))
    active = fields.Boolean()


class CertificateSetSchema(StrictSchema):
    number = fields.String(required=True, validate=validate.Length(min=4, max=32))
    issuing_authority = fields.String(required=True, validate=validate.Length(min=1, max=128))
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(required=True)
    annual_review_due = fields.Date(allow_none=True)
    status = fields.String(load_default="active", validate=validate.OneOf(["active", "suspended", "revoked"]))
    status_reason = fields.String(allow_none=True, validate=validate.Length(max=255))


class TrainingSchema(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100))
    kind = fields.String(required=True, validate=validate.OneOf(["legal", "professional", "other"]))
    hours = fields.Float(required=True, validate=validate.Range(min=0.5, max=500))
    note = fields.String(validate=validate.Length(max=255))


class TrainingSummarySchema(Schema):
    officer_id = fields.Integer()
    year = fields.Integer()
    total_hours = fields.Float()
    legal_hours = fields.Float()
    required_hours = fields.Integer()
    required_legal_hours = fields.Integer()
    met = fields.Boolean()


class DeviceSchema(Schema):
    id = fields.String()
    officer_id = fields.Integer()
    name = fields.String()
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime()
    revoked_at = fields.DateTime()
    revoked_reason = fields.String()


class RevokeSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=255))


@blp.route("/units")
@blp.response(200, UnitSchema(many=True))
@auth_required
def units():
    """本单位及下级单位"""
    return admin.list_units(UnitOfWork(), current_actor())


@blp.route("/units", methods=["POST"])
@blp.arguments(UnitCreateSchema)
@blp.response(201, UnitSchema)
@auth_required
def create_unit(args):
    """新建下级单位"""
    return admin.create_unit(UnitOfWork(), current_actor(), args)


@blp.route("/units/<int:unit_id>", methods=["PATCH"])
@blp.arguments(UnitUpdateSchema)
@blp.response(200, UnitSchema)
@auth_required
def update_unit(args, unit_id):
    """修改单位（名称、文书字号、辖区）"""
    return admin.update_unit(UnitOfWork(), current_actor(), unit_id, args)


@blp.route("/officers")
@blp.response(200, OfficerSchema(many=True))
@auth_required
def officers():
    """本单位及下级单位的人员"""
    return admin.list_officers(UnitOfWork(), current_actor())


@blp.route("/officers", methods=["POST"])
@blp.arguments(OfficerCreateSchema)
@blp.response(201, OfficerSchema)
@auth_required
def create_officer(args):
    """新建人员账号"""
    auth.ensure_role_assignment(current_actor(), args["roles"])
    return admin.create_officer(UnitOfWork(), current_actor(), args)


@blp.route("/officers/<int:officer_id>", methods=["PATCH"])
@blp.arguments(OfficerUpdateSchema)
@blp.response(200, OfficerSchema)
@auth_required
def update_officer(args, officer_id):
    """修改人员（角色、单位、停用、重置密码）"""
    return admin.update_officer(UnitOfWork(), current_actor(), officer_id, args)


@blp.route("/officers/<int:officer_id>/certificate", methods=["PUT"])
@blp.arguments(CertificateSetSchema)
@blp.response(200, CertificateSchema)
@auth_required
def set_certificate(args, officer_id):
    """登记或变更执法证（含暂停、吊销、年审日期）；变更已有执法证须带 If-Match 版本号"""
    expected = if_match_version() if request.headers.get("If-Match") else None
    cert = admin.set_certificate(UnitOfWork(), current_actor(), officer_id, args, expected)
    return cert, 200, {"ETag": f'"{cert.version}"'}


@blp.route("/officers/<int:officer_id>/training", methods=["POST"])
@blp.arguments(TrainingSchema)
@blp.response(201, TrainingSummarySchema)
@auth_required
def add_training(args, officer_id):
    """登记培训学时，返回当年学时汇总"""
    admin.add_training(UnitOfWork(), current_actor(), officer_id, args)
    return admin.training_summary(UnitOfWork(), current_actor(), officer_id, args["year"])


@blp.route("/devices")
@blp.response(200, DeviceSchema(many=True))
@auth_required
def devices():
    """已登记的执法终端"""
    return admin.list_devices(UnitOfWork(), current_actor())


@blp.route("/devices/<device_id>/revoke", methods=["POST"])
@blp.arguments(RevokeSchema)
@blp.response(200, DeviceSchema)
@auth_required
def revoke_device(args, device_id):
    """注销设备（遗失等）：令牌立即失效，推送同步被拒绝"""
    return auth.revoke_device(UnitOfWork(), current_actor(), device_id, args["reason"])
