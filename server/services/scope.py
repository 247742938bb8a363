"""Per-unit data scoping: a user sees their own unit and its descendants, never a sibling's records.

Every service that reads unit-owned rows goes through here; views never filter by unit themselves.
"""
from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.adapters import reference_rows
from server.adapters.models import Unit
from server.domain.actor import Actor
from server.domain.errors import NotFound

T = TypeVar("T")


def visible_unit_ids(actor: Actor) -> Select:
    """A subquery of unit ids in the actor's subtree (path prefix, one indexed LIKE)."""
    return select(Unit.id).where(Unit.path.like(actor.unit_path + "%"))


def scoped(stmt: Select, model, actor: Actor) -> Select:
    return stmt.where(model.unit_id.in_(visible_unit_ids(actor)))


def get_scoped(session: Session, model: type[T], entity_id, actor: Actor, *, for_update: bool = False) -> T:
    """Load a unit-owned row or raise NotFound — also for other units' rows, so ids leak nothing.

    By primary key (the identity map answers repeats without SQL); ``for_update`` always re-reads the row under
    its lock, so a value loaded earlier in the transaction cannot stand in for the locked one."""
    row = session.get(model, entity_id, with_for_update=True if for_update else None, populate_existing=for_update)
    if row is None:
        raise NotFound()
    return ensure_in_scope(session, row, actor)


def ensure_in_scope(session: Session, row: T, actor: Actor) -> T:
    """``row`` if its unit is in the actor's subtree, else NotFound (the same answer as for a missing row)."""
    ensure_unit_in_scope(session, row.unit_id, actor)
    return row


def ensure_unit_in_scope(session: Session, unit_id: int, actor: Actor) -> None:
    """NotFound unless ``unit_id`` is in the actor's subtree (for rows held as values, see ``write_behind``)."""
    unit = reference_rows.get(session, Unit, unit_id)
    if unit is None or not actor.sees_unit_path(unit.path):
        raise NotFound()


def get_unit_in_scope(session: Session, unit_id: int, actor: Actor) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None or not actor.sees_unit_path(unit.path):
        raise NotFound(message="单位不存在或不在您的管辖范围内")
    return unit
