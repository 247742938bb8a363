"""Append-only evidence (photos, GPS fixes, signatures, statements), content-addressed by SHA-256.

Same id + same content = a retry, ignore. Same id + different content = integrity alert: keep both
(the newcomer under a derived id), flag them, never overwrite. Corrections are new amend/void records.
"""
from __future__ import annotations

import hashlib
import json
from enum import Enum
from typing import Any, Mapping


class AppendVerdict(str, Enum):
    NEW = "new"
    DUPLICATE = "duplicate"
    INTEGRITY_ALERT = "integrity_alert"


def content_digest(content: Mapping[str, Any]) -> str:
    """SHA-256 over canonical JSON of the record's content fields (not server bookkeeping)."""
    body = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def classify_append(existing_digest: str | None, incoming_digest: str) -> AppendVerdict:
    if existing_digest is None:
        return AppendVerdict.NEW
    if existing_digest == incoming_digest:
        return AppendVerdict.DUPLICATE
    return AppendVerdict.INTEGRITY_ALERT


def alert_copy_id(record_id: str, incoming_digest: str) -> str:
    """Where the second version of a clashing record is kept: deterministic, so a retry lands on the same id."""
    return f"{record_id}~{incoming_digest[:16]}"


INTEGRITY_FLAG = "integrity-alert"
INTEGRITY_MESSAGE = "同一证据编号收到不同内容：两份均已保留并标记，请核查设备是否被篡改"
