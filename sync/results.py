"""What applying one mutation produced. Business rejections are results, not errors: the queue moves on."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Status(str, Enum):
    APPLIED = "applied"
    MERGED = "merged"
    CONFLICT = "conflict"
    REJECTED = "rejected"
    WAITING = "waiting"


@dataclass
class Outcome:
    status: Status = Status.APPLIED
    code: str | None = None
    message: str | None = None
    entity_refs: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


class Rejected(Exception):
    """Raised by a handler when a business rule refuses the mutation (recorded, consumed, never retried)."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.details = code, message, details or {}


class Waiting(Exception):
    """Raised when the mutation refers to something the server has not received yet (entity or blob)."""

    def __init__(self, missing: list[dict[str, Any]], message: str = "等待关联数据（记录或照片）到达后自动处理"):
        super().__init__(message)
        self.missing, self.message = missing, message
