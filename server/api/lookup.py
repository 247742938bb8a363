"""Roadside lookups: scanned QR, credential number, plate, officer certificate, my profile."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.adapters import qr_poster, signing
from server.api.deps import auth_required, current_actor
from server.api.schemas import StrictSchema
from server.domain.certificates import STATE_LABELS
from server.services import lookup
from server.services.uow import UnitOfWork

blp = Blueprint("lookup", __name__, url_prefix="/api", description="证件核查与查询")



class PartySchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    id_number = fields.String()
    phone = fields.String()
    address = fields.String()


class CredentialSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    kind_label = fields.Function(lambda c: lookup.CREDENTIAL_NAMES.get(c.kind, c.kind))
    number = fields.String()
    issuing_authority = fields.String()
    scope = fields.String()
    valid_from = fields.Date()
    valid_until = fields.Date()
    annual_review_due = fields.Date()
    status = fields.String()
    holder = fields.Nested(PartySchema)
    plate = fields.Function(lambda c: c.vehicle.plate if c.vehicle else None)


class CredentialResultSchema(Schema):
    credential = fields.Nested(CredentialSchema)
    state = fields.String()
    state_label = fields.Function(lambda r: STATE_LABELS.get(r.state, r.state))
    qr = fields.String()


class CertificateSchema(Schema):
    number = fields.String()
    issuing_authority = fields.String()
    valid_from = fields.Date()
    valid_until = fields.Date()
    annual_review_due = fields.Date()
    status = fields.String()
    status_reason = fields.String()
    version = fields.Integer()


class OfficerSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    roles = fields.List(fields.String())
    unit_id = fields.Integer()
    unit_name = fields.Function(lambda o: o.unit.name)
    active = fields.Boolean()
    certificate = fields.Nested(CertificateSchema, allow_none=True)


class OfficerResultSchema(Schema):
    officer = fields.Nested(OfficerSchema)
    state = fields.String()
    state_label = fields.Function(lambda r: STATE_LABELS.get(r.state, r.state))
    may_enforce = fields.Function(lambda r: r.state == "valid")
    qr = fields.String(allow_none=True)


def _scan_url(result) -> str | None:
    return signing.scan_url(current_app.config["PUBLIC_BASE_URL"], result.qr) if result.qr else None


class MeSchema(OfficerResultSchema):
    """亮证执法: the phone shows ``qr_svg`` (cached, works offline); a citizen's camera opens ``qr_url``."""

    qr_url = fields.Function(_scan_url, allow_none=True)
    qr_svg = fields.Function(lambda r: qr_poster.qr_svg(_scan_url(r)) if r.qr else None, allow_none=True)


class VehicleSchema(Schema):
    id = fields.Integer()
    plate = fields.String()
    plate_color = fields.String()
    vehicle_type = fields.String()
    owner = fields.Nested(PartySchema, allow_none=True)


class VehicleResultSchema(Schema):
    vehicle = fields.Function(lambda pair: VehicleSchema().dump(pair[0]))
    credentials = fields.Function(lambda pair: CredentialResultSchema(many=True).dump(pair[1]))


class ScanSchema(StrictSchema):
    qr = fields.String(required=True, validate=validate.Length(min=1, max=4096))


class NumberQuery(StrictSchema):
    kind = fields.String(validate=validate.OneOf(list(lookup.CREDENTIAL_NAMES)))


class PlateQuery(StrictSchema):
    plate = fields.String(required=True)


class RevocationSchema(Schema):
    kind = fields.String()
    number = fields.String()
    status = fields.String()


@blp.route("/me")
@blp.response(200, MeSchema)
@auth_required
def me():
    """当前登录的执法人员及执法证状态"""
    return lookup.officer_profile(UnitOfWork(), current_actor())


@blp.route("/officers/<int:officer_id>/profile")
@blp.response(200, OfficerResultSchema)
@auth_required
def officer_profile(officer_id):
    """本单位及下级单位执法人员的资料与执法证状态"""
    return lookup.officer_profile(UnitOfWork(), current_actor(), officer_id)


@blp.route("/lookup/credentials/<path:number>")
@blp.arguments(NumberQuery, location="query")
@blp.response(200, CredentialResultSchema)
@auth_required
def credential(args, number):
    """按证件号码核查道路运输证、从业资格证、经营许可证"""
    return lookup.find_credential(UnitOfWork(), current_actor(), number, args.get("kind"))


@blp.route("/lookup/officer-certificates/<path:number>")
@blp.response(200, OfficerResultSchema)
@auth_required
def officer_certificate(number):
    """按执法证号核查执法人员（亮证执法）"""
    return lookup.find_officer_by_certificate(UnitOfWork(), current_actor(), number)


@blp.route("/lookup/vehicles")
@blp.arguments(PlateQuery, location="query")
@blp.response(200, VehicleResultSchema(many=True))
@auth_required
def vehicles(args):
    """按车牌号查询车辆及其证件"""
    return lookup.search_vehicles(UnitOfWork(), current_actor(), args["plate"])


@blp.route("/lookup/scan", methods=["POST"])
@blp.arguments(ScanSchema)
@blp.response(200)
@auth_required
def scan(args):
    """在线核验扫描到的证件二维码（签名 + 实时状态）"""
    found = lookup.resolve_scan(UnitOfWork(), current_actor(), args["qr"])
    schema = OfficerResultSchema() if found["kind"] == "officer" else CredentialResultSchema()
    return {"kind": found["kind"], "result": schema.dump(found["result"])}


@blp.route("/lookup/revocations")
@blp.response(200, RevocationSchema(many=True))
@auth_required
def revocations():
    """吊销/暂停证件清单（供离线扫码核验缓存）"""
    return lookup.revocation_list(UnitOfWork())
