"""Inspections as the office sees them (read side, unit-scoped, with ETag = version)."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.api.deps import auth_required, current_actor
from server.api.schemas import StrictSchema
from server.services import inspections
from server.services.uow import UnitOfWork

blp = Blueprint("inspections", __name__, url_prefix="/api/inspections", description="现场检查记录")


class InspectionSchema(Schema):
    id = fields.String()
    unit_id = fields.Integer()
    officer_id = fields.Integer()
    second_officer_id = fields.Integer(allow_none=True)
    party_id = fields.Integer(allow_none=True)
    vehicle_id = fields.Integer(allow_none=True)
    credential_ids = fields.List(fields.Integer())
    catalog_code = fields.String(allow_none=True)
    catalog_version = fields.Integer(allow_none=True)
    facts = fields.String()
    place = fields.String()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    accuracy_m = fields.Float(allow_none=True)
    occurred_at = fields.DateTime()
    status = fields.String()
    first_violation = fields.Boolean(allow_none=True)
    exemption_status = fields.String(allow_none=True)
    flags = fields.List(fields.Raw())
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ListQuery(StrictSchema):
    unit_id = fields.Integer()
    officer_id = fields.Integer()
    since = fields.AwareDateTime(default_timezone=None)
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


@blp.route("")
@blp.arguments(ListQuery, location="query")
@blp.response(200, InspectionSchema(many=True))
@auth_required
def list_(args):
    """本单位及下级单位的检查记录（最新在前）"""
    return inspections.list_inspections(UnitOfWork(), current_actor(), **args)


@blp.route("/<inspection_id>")
@blp.response(200, InspectionSchema)
@auth_required
def get(inspection_id):
    """单条检查记录；其他单位的记录返回 404"""
    row = inspections.get_inspection(UnitOfWork(), current_actor(), inspection_id)
    return row, 200, {"ETag": f'"{row.version}"'}
