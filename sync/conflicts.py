"""Conflict records (CouchDB's rule: both sides are kept, a person decides) and how one is settled."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from sync.results import Rejected

MISSING = object()  # "no custom value sent" (None is a legitimate value)


class Kind(str, Enum):
    FIELD = "field"              # same field changed on device and server
    EXEMPTION = "exemption"      # first-violation exemption contested (首违不罚)
    NUMBER = "number"            # document number collision
    INTEGRITY = "integrity"      # same evidence id, different content


class Resolution(str, Enum):
    KEEP_SERVER = "keep_server"
    TAKE_DEVICE = "take_device"
    CUSTOM = "custom"


@dataclass(frozen=True)
class ConflictRecord:
    entity_type: str
    entity_id: str
    field: str
    base: Any
    server_value: Any
    device_value: Any
    kind: Kind = Kind.FIELD
    assignee_role: str = "legal_reviewer"


def resolved_value(choice: str, server_value: Any, device_value: Any, custom: Any = MISSING) -> Any:
    """The value a resolution writes. ``keep_server`` keeps what the server holds *now*."""
    try:
        resolution = Resolution(choice)
    except ValueError:
        raise Rejected("resolution-invalid", "处理方式必须是 keep_server、take_device 或 custom",
                       {"allowed": [r.value for r in Resolution]}) from None
    if resolution is Resolution.KEEP_SERVER:
        return server_value
    if resolution is Resolution.TAKE_DEVICE:
        return device_value
    if custom is MISSING:
        raise Rejected("resolution-value-missing", "选择自定义处理时必须填写新的值")
    return custom


def ensure_open(resolved: bool) -> None:
    if resolved:
        raise Rejected("conflict-already-resolved", "该冲突已被处理，请刷新列表")
