"""The one error shape: ``{"error": {"code": "kebab-case", "message": "zh-CN", "details": {...}}}``.

Every 4xx/5xx the app produces passes through ``register`` — domain errors, HTTP errors, validation
errors from marshmallow/webargs and unexpected exceptions (logged with a trace id).
"""
from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Flask, jsonify
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from server.domain.errors import DomainError
from server.domain.messages import translate_messages as _translate

log = logging.getLogger("roadside.errors")

HTTP_ERRORS = {
    400: ("bad-request", "请求格式错误"),
    401: ("unauthenticated", "请先登录"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not-found", "请求的资源不存在"),
    405: ("method-not-allowed", "不支持该请求方法"),
    409: ("conflict", "请求与当前数据冲突"),
    412: ("version-mismatch", "记录版本已变化，请刷新后重试"),
    413: ("payload-too-large", "请求内容过大"),
    415: ("unsupported-media-type", "不支持的内容类型"),
    416: ("range-not-satisfiable", "上传范围无效"),
    422: ("validation-failed", "提交的数据未通过校验"),
    428: ("if-match-required", "修改需要携带 If-Match 版本号"),
    429: ("too-many-requests", "请求过于频繁，请稍后再试"),
    500: ("internal", "服务器内部错误，请稍后再试"),
    503: ("unavailable", "服务暂时不可用，请稍后重试"),
}

def error_response(status: int, code: str, message: str, details: dict | None = None, headers: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(exc: DomainError):
        headers = {}
        if exc.status in (429, 503) and "retry_after_seconds" in exc.details:
            headers["Retry-After"] = str(exc.details["retry_after_seconds"])
        return error_response(exc.status, exc.code, exc.message, exc.details, headers)

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException):
        status = exc.code or 500
        code, message = HTTP_ERRORS.get(status, (f"http-{status}", exc.name))
        details: dict[str, Any] = {}
        data = getattr(exc, "data", None) or {}
        if "messages" in data:  # webargs / flask-smorest validation errors
            messages = data["messages"]
            # Flatten {"json": {...}} so details name fields directly: {"fields": {"username": ["必填字段"]}}
            flat: dict[str, Any] = {}
            for location, fields in messages.items():
                if isinstance(fields, dict):
                    flat.update(fields)
                else:
                    flat[location] = fields
            details["fields"] = _translate(flat)
            if status == 400:
                code, message = "malformed-json", "请求体不是有效的 JSON"
        if status == 405 and getattr(exc, "valid_methods", None):
            details["allowed"] = sorted(exc.valid_methods)
        if status == 413 and app.config.get("MAX_CONTENT_LENGTH"):
            details["max_bytes"] = app.config["MAX_CONTENT_LENGTH"]
        headers = dict(data.get("headers") or {})
        if status == 405 and getattr(exc, "valid_methods", None):
            headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return error_response(status, code, message, details, headers)

    @app.errorhandler(OperationalError)
    def handle_db_unavailable(exc: OperationalError):
        # Lock timeouts, deadlocks, a restarting database: the client should retry the same request.
        log.warning("transient database error: %s", exc)
        return error_response(503, "database-busy", "数据库繁忙，请稍后重试", {"retry_after_seconds": 2},
                              {"Retry-After": "2"})

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        trace_id = uuid.uuid4().hex[:12]
        log.exception("unhandled error trace_id=%s", trace_id)
        return error_response(500, "internal", f"服务器内部错误（追踪号 {trace_id}），请联系管理员",
                              {"trace_id": trace_id})
