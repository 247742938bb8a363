"""Business errors with a stable kebab-case code and a zh-CN message a person can act on.

The API turns every one of these into ``{"error": {"code", "message", "details"}}``.
"""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 422
    code = "rule-violated"
    message = "违反业务规则"

    def __init__(self, code: str | None = None, message: str | None = None, details: dict[str, Any] | None = None,
                 status: int | None = None):
        self.code = code or self.code
        self.message = message or self.message
        self.details = details or {}
        if status is not None:
            self.status = status
        super().__init__(f"{self.code}: {self.message}")


class NotFound(DomainError):
    status = 404
    code = "not-found"
    message = "资源不存在或不在您的管辖范围内"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"
    message = "无权执行此操作"


class AuthenticationFailed(DomainError):
    status = 401
    code = "unauthenticated"
    message = "请先登录"


class ConflictError(DomainError):
    status = 409
    code = "conflict"
    message = "数据已被修改，请刷新后重试"


class PreconditionFailed(DomainError):
    status = 412
    code = "version-mismatch"
    message = "记录版本已变化，请刷新后重试"


class PreconditionRequired(DomainError):
    status = 428
    code = "if-match-required"
    message = "修改需要携带 If-Match 版本号"
