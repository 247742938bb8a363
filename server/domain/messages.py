"""zh-CN wording for validation messages (marshmallow speaks English; officers read Chinese).

Used by the API error handler and by the sync executor, which records schema failures as rejections.
"""
from __future__ import annotations

from typing import Any

FIELD_MESSAGES = {
    "Missing data for required field.": "必填字段",
    "Unknown field.": "未知字段",
    "Field may not be null.": "不能为空",
    "Not a valid integer.": "不是有效的整数",
    "Not a valid number.": "不是有效的数字",
    "Not a valid string.": "不是有效的字符串",
    "Not a valid boolean.": "不是有效的布尔值",
    "Not a valid date.": "不是有效的日期（YYYY-MM-DD）",
    "Not a valid datetime.": "不是有效的时间（ISO 8601）",
    "Not a valid UUID.": "不是有效的 UUID",
    "Not a valid list.": "不是有效的列表",
    "Not a valid mapping type.": "不是有效的对象",
    "Invalid input type.": "类型错误",
    "Invalid JSON body.": "JSON 格式错误",
    "Invalid value.": "无效的值",
    "Shorter than minimum length 1.": "不能为空",
}


def translate_messages(messages: Any) -> Any:
    if isinstance(messages, dict):
        return {k: translate_messages(v) for k, v in messages.items()}
    if isinstance(messages, list):
        return [translate_messages(m) for m in messages]
    if isinstance(messages, str):
        if messages in FIELD_MESSAGES:
            return FIELD_MESSAGES[messages]
        if messages.startswith("Must be one of:"):
            return "取值必须是：" + messages.removeprefix("Must be one of:").strip().rstrip(".")
        if messages.startswith("Must be greater than or equal to"):
            return "不能小于 " + messages.split()[-1].rstrip(".")
        if messages.startswith("Must be less than or equal to"):
            return "不能大于 " + messages.split()[-1].rstrip(".")
        if messages.startswith("Longer than maximum length"):
            return "长度不能超过 " + messages.split()[-1].rstrip(".")
    return messages
