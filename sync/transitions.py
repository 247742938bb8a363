"""Status changes travel as transition *commands*, validated at apply time against an allowed table.

A command no longer allowed (the office closed the case while the phone was offline) is rejected with
the reason and the commands that are allowed now; it is never forced. Feature modules own their tables.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from sync.results import Rejected


@dataclass(frozen=True)
class TransitionTable:
    """``edges[(from_status, command)] = to_status``; labels give zh-CN names for messages."""

    name: str
    edges: Mapping[tuple[str, str], str]
    status_labels: Mapping[str, str] = field(default_factory=dict)
    command_labels: Mapping[str, str] = field(default_factory=dict)

    def commands(self) -> set[str]:
        return {command for _, command in self.edges}

    def allowed_from(self, status: str) -> list[str]:
        return sorted(command for (source, command) in self.edges if source == status)

    def apply(self, status: str, command: str) -> str:
        """The new status, or ``Rejected`` naming why and what is allowed instead."""
        if command not in self.commands():
            raise Rejected("transition-unknown", f"未知的操作：{command}", {"command": command})
        target = self.edges.get((status, command))
        if target is None:
            allowed = self.allowed_from(status)
            status_name = self.status_labels.get(status, status)
            command_name = self.command_labels.get(command, command)
            hint = "、".join(self.command_labels.get(c, c) for c in allowed) or "无（已结束）"
            raise Rejected("transition-not-allowed",
                           f"当前状态为“{status_name}”，不能执行“{command_name}”；当前可执行：{hint}",
                           {"status": status, "command": command, "allowed": allowed})
        return target

    def check(self) -> None:
        """Every target must itself be a known status (catches typos in a table at import time)."""
        known = {source for source, _ in self.edges} | set(self.edges.values())
        missing = [s for s in self.status_labels if s not in known]
        if missing:
            raise ValueError(f"{self.name}: labels for unknown statuses {missing}")
