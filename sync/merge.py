"""Three-way per-field merge (ODK Central's "parallel update" vs "conflict").

The device sends the values it saw (``base``) and the values it wants (``changes``). Per field:
server == device → nothing to do; server == base → take the device value; otherwise both sides changed
the same field differently → a conflict holding base, server and device values, and the server value stays.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from sync.results import Status


@dataclass(frozen=True)
class FieldConflict:
    field: str
    base: Any
    server: Any
    device: Any


@dataclass
class MergeResult:
    updates: dict[str, Any] = field(default_factory=dict)
    conflicts: list[FieldConflict] = field(default_factory=list)
    server_moved: bool = False  # the server version was newer than the device's base version

    @property
    def status(self) -> Status:
        if self.conflicts:
            return Status.CONFLICT
        if self.server_moved and self.updates:
            return Status.MERGED
        return Status.APPLIED


def three_way(base: Mapping[str, Any], server: Mapping[str, Any], changes: Mapping[str, Any],
              base_version: int | None = None, server_version: int | None = None) -> MergeResult:
    """``base`` must name every changed field (callers validate); ``server`` holds current values."""
    result = MergeResult(server_moved=base_version is not None and server_version is not None
                         and server_version != base_version)
    for name in sorted(changes):
        device_value, server_value = changes[name], server.get(name)
        base_value = base.get(name)
        if _same(server_value, device_value):
            continue
        if _same(server_value, base_value):
            result.updates[name] = device_value
        else:
            result.conflicts.append(FieldConflict(name, base_value, server_value, device_value))
    return result


def _same(a: Any, b: Any) -> bool:
    # JSON round trips turn tuples into lists and ints into floats on some stores; compare loosely.
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (type(a) is type(b) and a == b)
    return a == b
