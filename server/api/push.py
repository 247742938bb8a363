"""Web Push: the VAPID public key and per-device subscriptions. Sending happens in the worker, never here."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from server.api.deps import auth_required, config, current_actor
from server.services import push
from server.services.uow import UnitOfWork

blp = Blueprint("push", __name__, url_prefix="/api/push", description="Web Push 推送订阅")


class KeySchema(Schema):
    public_key = fields.String(metadata={"description": "VAPID 公钥（base64url，未压缩 P-256 点），即 applicationServerKey"})


class SubscriptionKeysSchema(Schema):
    p256dh = fields.String(required=True)
    auth = fields.String(required=True)


class SubscriptionSchema(Schema):
    """``PushSubscription.toJSON()`` as the browser produces it."""

    endpoint = fields.String(required=True)
    keys = fields.Nested(SubscriptionKeysSchema, required=True)
    expirationTime = fields.Integer(allow_none=True)


class SubscribedSchema(Schema):
    id = fields.Integer()
    device_id = fields.String()
    created_at = fields.DateTime()


class EndpointSchema(Schema):
    endpoint = fields.String(required=True)


def _body() -> dict:
    # Parsed here (not by @arguments) so every malformed subscription is a 400 subscription-invalid.
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise push.SubscriptionInvalid(message="推送订阅信息必须是 JSON 对象", details={"fields": {"_body": "JSON 格式错误"}})
    return data


@blp.route("/key")
@blp.response(200, KeySchema)
def key():
    """VAPID 公钥（首次启动时生成并保存在数据库中）"""
    return {"public_key": push.public_key(UnitOfWork())}


@blp.route("/subscriptions", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": SubscriptionSchema}}})
@blp.response(201, SubscribedSchema)
@auth_required
def subscribe():
    """登记本设备的推送订阅（同一地址重复登记只保留一条）"""
    return push.subscribe(UnitOfWork(), current_actor(), _body(), config()["ROADSIDE_ENV"] == "production")


@blp.route("/subscriptions", methods=["DELETE"])
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": EndpointSchema}}})
@blp.response(204)
@auth_required
def unsubscribe():
    """取消本人某设备的推送订阅"""
    endpoint = _body().get("endpoint")
    if not isinstance(endpoint, str):
        raise push.SubscriptionInvalid(details={"fields": {"endpoint": "必填字段"}})
    push.unsubscribe(UnitOfWork(), current_actor(), endpoint)
