"""Per-client ordered mutation log (Replicache's rule): seq strictly increasing, each applied exactly once.

``classify`` is the whole rule: ``seq <= last_seq`` is a replay (answer with the stored result),
``seq == last_seq + 1`` is the next one to run, anything larger is a gap (stop; the client resends from
``last_seq + 1``). A business rejection still *consumes* its seq so one bad record never jams the queue.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping

from sync.results import Rejected

_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_NAME = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*$")


class Verdict(str, Enum):
    REPLAY = "replay"
    NEXT = "next"
    GAP = "gap"


def classify(seq: int, last_seq: int) -> Verdict:
    if seq <= last_seq:
        return Verdict.REPLAY
    if seq == last_seq + 1:
        return Verdict.NEXT
    return Verdict.GAP


@dataclass(frozen=True)
class Mutation:
    """One entry of a device's outbox: ``name(args)`` re-run against server state, never its local result."""

    id: str
    seq: int
    name: str
    args: dict[str, Any] = field(default_factory=dict)
    created_at_device: str | None = None
    gps: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "seq": self.seq, "name": self.name, "args": self.args,
                "created_at_device": self.created_at_device, "gps": self.gps}


class BatchError(ValueError):
    """The batch as a whole is malformed (the client must fix it): code + zh-CN message + details."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.details = code, message, details or {}


def parse_batch(raw: Any, max_batch: int) -> list[Mutation]:
    """Envelope checks only (ids, seq order, size). Args are checked per mutation, as recorded rejections."""
    if not isinstance(raw, list):
        raise BatchError("invalid-batch", "mutations 必须是列表")
    if len(raw) > max_batch:
        raise BatchError("batch-too-large", f"一次最多提交 {max_batch} 条变更，请分批提交",
                         {"max_batch": max_batch, "got": len(raw)})
    out: list[Mutation] = []
    errors: dict[str, Any] = {}
    for i, item in enumerate(raw):
        problems = _envelope_problems(item)
        if problems:
            errors[str(i)] = problems
            continue
        out.append(Mutation(id=item["id"], seq=item["seq"], name=item["name"], args=item.get("args") or {},
                            created_at_device=item.get("created_at_device"), gps=item.get("gps")))
    if errors:
        raise BatchError("invalid-batch", "变更记录格式错误", {"fields": errors})
    for before, after in zip(out, out[1:]):
        if after.seq <= before.seq:
            raise BatchError("seq-not-increasing", "同一批次内的序号必须严格递增",
                             {"seq": after.seq, "previous": before.seq})
    return out


def _envelope_problems(item: Any) -> dict[str, str]:
    if not isinstance(item, Mapping):
        return {"_": "必须是对象"}
    problems: dict[str, str] = {}
    unknown = set(item) - {"id", "seq", "name", "args", "created_at_device", "gps", "base_versions"}
    for key in sorted(unknown):
        problems[key] = "未知字段"
    if not isinstance(item.get("id"), str) or not _UUID.match(item["id"]):
        problems["id"] = "必须是 UUID"
    seq = item.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        problems["seq"] = "必须是正整数"
    if not isinstance(item.get("name"), str) or not _NAME.match(item["name"]):
        problems["name"] = "必须形如 inspection.create"
    if item.get("args") is not None and not isinstance(item["args"], Mapping):
        problems["args"] = "必须是对象"
    if item.get("gps") is not None and not isinstance(item["gps"], Mapping):
        problems["gps"] = "必须是对象"
    return problems


def seq_reused(stored_mutation_id: str) -> Rejected:
    """A replayed seq that carries a different mutation id: the client reused a seq (its bug, not data loss)."""
    return Rejected("seq-already-used", "该序号已被另一条变更使用，请重新编号后提交",
                    {"stored_mutation_id": stored_mutation_id})


def id_reused() -> Rejected:
    return Rejected("mutation-id-reused", "该变更编号已以其他序号提交过，不会重复执行")
