"""Request-scoped helpers for views: who is calling, and the config they run under."""
from __future__ import annotations

from copy import deepcopy
from functools import wraps

from flask import current_app, g, request

from server.domain.actor import Actor
from server.domain.errors import AuthenticationFailed, PreconditionRequired
from server.services import auth
from server.services.uow import UnitOfWork


def config() -> dict:
    return current_app.config


def current_actor() -> Actor:
    return g.actor


def auth_required(fn):
    """Authenticate the bearer token into ``g.actor``; also marks the operation as secured in OpenAPI."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise AuthenticationFailed("unauthenticated", "请先登录（缺少 Authorization: Bearer 令牌）")
        g.actor = auth.authenticate(UnitOfWork(), config(), header.removeprefix("Bearer ").strip())
        return fn(*args, **kwargs)

    wrapper._apidoc = deepcopy(getattr(fn, "_apidoc", {}))
    wrapper._apidoc.setdefault("manual_doc", {})["security"] = [{"bearerAuth": []}]
    return wrapper


def if_match_version() -> int:
    """Optimistic concurrency the HTTP way: ``If-Match: "<version>"`` on writes (428 when missing)."""
    raw = request.headers.get("If-Match")
    if not raw:
        raise PreconditionRequired()
    try:
        return int(raw.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise PreconditionRequired("if-match-invalid", "If-Match 必须是记录版本号，例如 \"3\"")
