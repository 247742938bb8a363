"""Conflict inbox: list the unit's open conflicts, settle one (keep_server | take_device | custom)."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.api.deps import auth_required, current_actor
from server.api.schemas import StrictSchema
from server.services import conflicts
from server.services.uow import UnitOfWork
from sync.conflicts import MISSING

blp = Blueprint("conflicts", __name__, url_prefix="/api/conflicts", description="同步冲突处理")


class ConflictSchema(Schema):
    id = fields.Integer()
    unit_id = fields.Integer()
    kind = fields.String()
    entity_type = fields.String()
    entity_id = fields.String()
    field = fields.String()
    base = fields.Raw(allow_none=True)
    server_value = fields.Raw(allow_none=True)
    device_value = fields.Raw(allow_none=True)
    assignee_role = fields.String()
    officer_id = fields.Integer(allow_none=True)
    device_id = fields.String(allow_none=True)
    mutation_id = fields.String(allow_none=True)
    created_at = fields.String(allow_none=True)
    status = fields.String()
    resolution = fields.String(allow_none=True)
    resolved_value = fields.Raw(allow_none=True)
    resolved_by = fields.Integer(allow_none=True)
    resolved_at = fields.String(allow_none=True)
    version = fields.Integer()


class ListArgs(StrictSchema):
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "resolved", "all"]))
    entity_id = fields.String()


@blp.route("", methods=["GET"])
@blp.arguments(ListArgs, location="query")
@blp.response(200, ConflictSchema(many=True))
@auth_required
def list_conflicts(args):
    """Reviewers, leaders and admins: the unit subtree's conflicts; officers: the ones their devices caused."""
    rows = conflicts.list_conflicts(UnitOfWork(), current_actor(), status=args["status"],
                                    entity_id=args.get("entity_id"))
    return [conflicts.payload(r) for r in rows]


class ResolveArgs(StrictSchema):
    resolution = fields.String(required=True, validate=validate.OneOf(["keep_server", "take_device", "custom"]))
    value = fields.Raw(allow_none=True)


@blp.route("/<int:conflict_id>/resolve", methods=["POST"])
@blp.arguments(ResolveArgs)
@blp.response(200, ConflictSchema)
@auth_required
def resolve(args, conflict_id: int):
    """Settle a conflict. ``If-Match: "<version>"`` is honoured when sent (412 if someone settled it first)."""
    expected = None
    raw = request.headers.get("If-Match")
    if raw:
        try:
            expected = int(raw.strip().removeprefix("W/").strip('"'))
        except ValueError:
            expected = -1
    value = args["value"] if "value" in args else MISSING
    row = conflicts.resolve(UnitOfWork(), current_actor(), conflict_id, args["resolution"], value, expected)
    return conflicts.payload(row)
