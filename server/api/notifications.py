"""In-app notification list (提醒) with read state."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.api.deps import auth_required, current_actor
from server.api.schemas import StrictSchema
from server.domain.timeutil import utcnow
from server.services import notifications
from server.services.uow import UnitOfWork

blp = Blueprint("notifications", __name__, url_prefix="/api/notifications", description="提醒列表")


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    url = fields.String()
    entity_type = fields.String(allow_none=True)
    entity_id = fields.String(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class ListSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    unread = fields.Integer()


class ListQuery(StrictSchema):
    unread = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


class CountSchema(Schema):
    marked = fields.Integer()


@blp.route("")
@blp.arguments(ListQuery, location="query")
@blp.response(200, ListSchema)
@auth_required
def index(args):
    """本人的提醒（最新在前）及未读数"""
    return notifications.list_for(UnitOfWork(), current_actor(), unread_only=args["unread"], limit=args["limit"])


@blp.route("/<int:notification_id>/read", methods=["POST"])
@blp.response(200, NotificationSchema)
@auth_required
def read(notification_id):
    """标记一条提醒为已读"""
    return notifications.mark_read(UnitOfWork(), current_actor(), notification_id, utcnow())


@blp.route("/read-all", methods=["POST"])
@blp.response(200, CountSchema)
@auth_required
def read_all():
    """全部标记为已读"""
    return {"marked": notifications.mark_all_read(UnitOfWork(), current_actor(), utcnow())}
