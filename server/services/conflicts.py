"""Conflict inbox (需要处理): open from a handler, list for the unit, settle as keep_server / take_device / custom.

A conflict keeps base, server and device values; the server value stays in force until a legal reviewer,
leader or admin of the unit decides. The decision is itself a change (entity + conflict) that syncs.
Other features register how to write a decided value for their entity type with ``@resolver("document")``.
"""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import select

from server.adapters.models import Inspection, SyncConflict
from server.domain.actor import Actor
from server.domain.errors import DomainError, NotFound, PreconditionFailed
from server.domain.timeutil import utcnow
from server.services.scope import get_scoped, scoped
from server.services.uow import UnitOfWork
from sync import Rejected
from sync.conflicts import MISSING, Kind, ensure_open, resolved_value

SETTLING_ROLES = ("legal_reviewer", "leader", "admin")

# entity_type -> fn(uow, actor, conflict) returning (value the server holds now, setter writing the decided value)
Resolver = Callable[[UnitOfWork, Actor, SyncConflict], tuple[Any, Callable[[Any], None]]]
RESOLVERS: dict[str, Resolver] = {}


def resolver(entity_type: str) -> Callable[[Resolver], Resolver]:
    def register(fn: Resolver) -> Resolver:
        RESOLVERS[entity_type] = fn
        return fn
    return register


def payload(row: SyncConflict) -> dict[str, Any]:
    return {"id": row.id, "unit_id": row.unit_id, "kind": row.kind, "entity_type": row.entity_type,
            "entity_id": row.entity_id, "field": row.field, "base": row.base, "server_value": row.server_value,
            "device_value": row.device_value, "assignee_role": row.assignee_role, "officer_id": row.officer_id,
            "device_id": row.device_id, "mutation_id": row.mutation_id,
            "created_at": row.created_at.isoformat() if row.created_at else None,
            "status": "resolved" if row.resolved_at else "open", "resolution": row.resolution,
            "resolved_value": row.resolved_value, "resolved_by": row.resolved_by,
            "resolved_at": row.resolved_at.isoformat() if row.resolved_at else None, "version": row.version}


def open_conflict(uow: UnitOfWork, actor: Actor, *, unit_id: int, kind: Kind | str, entity_type: str, entity_id: str,
                  field: str, base: Any, server_value: Any, device_value: Any, client_id: str | None = None,
                  mutation_id: str | None = None, assignee_role: str = "legal_reviewer") -> SyncConflict:
    """Inside a handler's transaction (no commit): record both sides and publish the conflict to the unit."""
    row = SyncConflict(unit_id=unit_id, kind=Kind(kind).value, entity_type=entity_type, entity_id=str(entity_id),
                       field=field, base=base, server_value=server_value, device_value=device_value,
                       assignee_role=assignee_role, client_id=client_id, device_id=actor.device_id,
                       officer_id=actor.officer_id or None, mutation_id=mutation_id, created_at=utcnow(), version=1)
    uow.session.add(row)
    uow.session.flush()
    uow.record(actor, "conflict.open", "conflict", row.id, payload(row), unit_id=unit_id, version=1)
    return row


def list_conflicts(uow: UnitOfWork, actor: Actor, *, status: str = "open", entity_id: str | None = None,
                   limit: int = 200) -> list[SyncConflict]:
    """Reviewers, leaders and admins see their unit subtree's conflicts; an officer sees the ones they caused."""
    with uow:
        stmt = scoped(select(SyncConflict), SyncConflict, actor)
        if not actor.has(*SETTLING_ROLES):
            stmt = stmt.where(SyncConflict.officer_id == actor.officer_id)
        if status == "open":
            stmt = stmt.where(SyncConflict.resolved_at.is_(None))
        elif status == "resolved":
            stmt = stmt.where(SyncConflict.resolved_at.is_not(None))
        if entity_id:
            stmt = stmt.where(SyncConflict.entity_id == entity_id)
        return list(uow.session.scalars(stmt.order_by(SyncConflict.id).limit(limit)))


def resolve(uow: UnitOfWork, actor: Actor, conflict_id: int, choice: str, value: Any = MISSING,
            expected_version: int | None = None) -> SyncConflict:
    actor.require(*SETTLING_ROLES)
    with uow:
        row = get_scoped(uow.session, SyncConflict, conflict_id, actor, for_update=True)
        if expected_version is not None and expected_version != row.version:
            raise PreconditionFailed(details={"current_version": row.version})
        try:
            ensure_open(row.resolved_at is not None)
            fn = RESOLVERS.get(row.entity_type)
            if fn is None:
                current, setter = row.server_value, None
            else:
                current, setter = fn(uow, actor, row)
            decided = resolved_value(choice, current, row.device_value, value)
            if setter is not None:
                setter(decided)
        except Rejected as exc:
            status = 409 if exc.code == "conflict-already-resolved" else 422
            raise DomainError(exc.code, exc.message, exc.details, status=status) from None
        row.resolution, row.resolved_value, row.resolved_by = choice, decided, actor.officer_id
        row.resolved_at, row.version = utcnow(), row.version + 1
        uow.record(actor, "conflict.resolve", "conflict", row.id, payload(row), unit_id=row.unit_id,
                   version=row.version)
        uow.commit()
        return row


EXEMPTION_VALUES = ("confirmed", "denied")


@resolver("inspection")
def _inspection(uow: UnitOfWork, actor: Actor, conflict: SyncConflict):
    from server.services.mutations.inspections import EDITABLE, inspection_payload, validate_field

    try:
        inspection = get_scoped(uow.session, Inspection, conflict.entity_id, actor, for_update=True)
    except NotFound:
        raise Rejected("entity-gone", "冲突涉及的记录已不存在") from None
    # An exemption conflict's "server side" is the reviewer-facing verdict ("denied"), not the marker "contested".
    current = conflict.server_value if conflict.field == "exemption_status" else getattr(inspection, conflict.field)

    def setter(value: Any) -> None:
        if conflict.field == "exemption_status":
            if value not in EXEMPTION_VALUES:
                raise Rejected("resolution-value-invalid", "首违免罚结论只能是 confirmed（适用）或 denied（不适用）")
        elif conflict.field in EDITABLE:
            validate_field(uow.session, actor, conflict.field, value, inspection.occurred_at)
        if value == getattr(inspection, conflict.field):
            return
        setattr(inspection, conflict.field, value)
        inspection.version += 1
        data = inspection_payload(inspection)
        uow.record(actor, "inspection.resolve", "inspection", inspection.id,
                   {"field": conflict.field, "value": value, "conflict_id": conflict.id}, unit_id=inspection.unit_id,
                   version=inspection.version, payload=data)

    return current, setter
