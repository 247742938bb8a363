"""Login / refresh / logout / who am I."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint
from marshmallow import fields, validate

from server.api.deps import auth_required, config, current_actor
from server.api.schemas import StrictSchema
from server.services import auth
from server.services.uow import UnitOfWork

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="登录与令牌")


class LoginSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256), load_only=True)
    device_id = fields.String(required=True, validate=validate.Length(min=8, max=64))
    device_name = fields.String(load_default="", validate=validate.Length(max=128))


class RefreshSchema(StrictSchema):
    refresh_token = fields.String(required=True)


class TokenSchema(StrictSchema):
    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String(dump_default="Bearer")
    expires_in = fields.Integer()
    device_id = fields.String()
    officer_id = fields.Integer()


def _tokens(session: auth.Session) -> dict:
    return {"access_token": session.access_token, "refresh_token": session.refresh_token, "token_type": "Bearer",
            "expires_in": session.expires_in, "device_id": session.device_id, "officer_id": session.officer_id}


@blp.route("/login", methods=["POST"])
@blp.arguments(LoginSchema)
@blp.response(200, TokenSchema)
def login(args):
    """用户名密码登录，为设备签发短期访问令牌与刷新令牌"""
    return _tokens(auth.login(UnitOfWork(), config(), address=request.remote_addr or "?", **args))


@blp.route("/refresh", methods=["POST"])
@blp.arguments(RefreshSchema)
@blp.response(200, TokenSchema)
def refresh(args):
    """用刷新令牌换取新的令牌对（刷新令牌一次性使用）"""
    return _tokens(auth.refresh(UnitOfWork(), config(), args["refresh_token"]))


@blp.route("/logout", methods=["POST"])
@blp.response(204)
@auth_required
def logout():
    """注销本设备的所有刷新令牌"""
    auth.logout(UnitOfWork(), current_actor())
