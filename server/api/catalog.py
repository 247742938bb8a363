"""Violation catalog (违法行为目录): read by every officer, edited by admins as new versions."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.api.deps import auth_required, current_actor
from server.api.schemas import StrictSchema
from server.services import catalog
from server.services.uow import UnitOfWork

blp = Blueprint("catalog", __name__, url_prefix="/api/catalog", description="违法行为目录")


class CatalogEntrySchema(Schema):
    code = fields.String()
    version = fields.Integer()
    is_current = fields.Boolean()
    name = fields.String()
    violated_article = fields.String()
    violated_text = fields.String()
    penalty_article = fields.String()
    penalty_text = fields.String()
    min_fine_fen = fields.Integer()
    max_fine_fen = fields.Integer()
    warning_allowed = fields.Boolean()
    discretion_bands = fields.List(fields.Dict())
    minor_exemption = fields.Dict(allow_none=True)
    never_exempt = fields.Boolean()
    templates = fields.List(fields.String())
    source = fields.String()
    created_at = fields.DateTime()


class CatalogEditSchema(StrictSchema):
    name = fields.String(validate=validate.Length(min=2, max=255))
    violated_article = fields.String(validate=validate.Length(min=2, max=255))
    violated_text = fields.String(validate=validate.Length(min=2))
    penalty_article = fields.String(validate=validate.Length(min=2, max=255))
    penalty_text = fields.String(validate=validate.Length(min=2))
    min_fine_fen = fields.Integer(validate=validate.Range(min=0))
    max_fine_fen = fields.Integer(validate=validate.Range(min=0))
    warning_allowed = fields.Boolean()
    discretion_bands = fields.List(fields.Dict())
    minor_exemption = fields.Dict(allow_none=True)
    never_exempt = fields.Boolean()
    templates = fields.List(fields.String())
    source = fields.String(validate=validate.Length(min=2))


@blp.route("")
@blp.response(200, CatalogEntrySchema(many=True))
@auth_required
def current():
    """现行违法行为目录"""
    return catalog.list_current(UnitOfWork())


@blp.route("/<code>")
@blp.response(200, CatalogEntrySchema(many=True))
@auth_required
def versions(code):
    """某一违法行为的全部版本（旧文书按签发时的版本显示）"""
    return catalog.history(UnitOfWork(), code)


@blp.route("/<code>", methods=["PUT"])
@blp.arguments(CatalogEditSchema)
@blp.response(200, CatalogEntrySchema)
@auth_required
def save(args, code):
    """新增或修订违法行为（生成新版本，旧版本保留）"""
    return catalog.save_version(UnitOfWork(), current_actor(), code, args)
