"""Who is acting, and what their roles let them do. Scoping by unit subtree happens in services."""
from __future__ import annotations

from dataclasses import dataclass, field

from server.domain.errors import PermissionDenied

ROLES = ("officer", "leader", "legal_reviewer", "admin")
ROLE_NAMES = {"officer": "执法人员", "leader": "带班领导", "legal_reviewer": "法制审核人员", "admin": "管理员"}


@dataclass(frozen=True)
class Actor:
    officer_id: int
    unit_id: int
    unit_path: str
    roles: frozenset[str] = field(default_factory=frozenset)
    device_id: str | None = None
    full_name: str = ""

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def require(self, *roles: str) -> None:
        if not self.has(*roles):
            names = "、".join(ROLE_NAMES[r] for r in roles)
            raise PermissionDenied(message=f"此操作需要以下角色之一：{names}", details={"required_roles": list(roles)})

    def sees_unit_path(self, path: str) -> bool:
        """A user sees their own unit and every unit below it."""
        return path.startswith(self.unit_path)


SYSTEM = Actor(officer_id=0, unit_id=0, unit_path="/", roles=frozenset(ROLES), full_name="系统")
