"""Per-unit data scoping: a user sees their own unit and its descendants, never a sibling's records.

Every service that reads unit-owned rows goes through here; views never filter by unit themselves.
"""
from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

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
    """Load a unit-owned row or raise NotFound — also for other units' rows, so ids leak nothing."""
    stmt = scoped(select(model).where(model.id == entity_id), model, actor)
    if for_update:
        stmt = stmt.with_for_update()
    row = session.scalar(stmt)
    if row is None:
        raise NotFound()
    return row


def get_unit_in_scope(session: Session, unit_id: int, actor: Actor) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None or not actor.sees_unit_path(unit.path):
        raise NotFound(message="单位不存在或不在您的管辖范围内")
    return unit
