"""Reading inspections (scoped to the actor's unit subtree). Offline writes arrive as sync mutations."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from server.adapters.models import Inspection
from server.domain.actor import Actor
from server.services.scope import get_scoped, scoped
from server.services.uow import UnitOfWork


def list_inspections(uow: UnitOfWork, actor: Actor, *, unit_id: int | None = None, officer_id: int | None = None,
                     since: datetime | None = None, limit: int = 100) -> list[Inspection]:
    with uow:
        stmt = scoped(select(Inspection), Inspection, actor)
        if unit_id is not None:
            stmt = stmt.where(Inspection.unit_id == unit_id)
        if officer_id is not None:
            stmt = stmt.where((Inspection.officer_id == officer_id) | (Inspection.second_officer_id == officer_id))
        if since is not None:
            stmt = stmt.where(Inspection.occurred_at >= since)
        return uow.session.scalars(stmt.order_by(Inspection.occurred_at.desc()).limit(limit)).all()


def get_inspection(uow: UnitOfWork, actor: Actor, inspection_id: str) -> Inspection:
    with uow:
        return get_scoped(uow.session, Inspection, inspection_id, actor)
