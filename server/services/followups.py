"""Reading follow-up tasks (跟踪回访) for a unit; writing them happens in ``services.cases``."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from server.adapters.models import FollowUp
from server.domain.actor import Actor
from server.services.scope import scoped
from server.services.uow import UnitOfWork


def list_followups(uow: UnitOfWork, actor: Actor, *, status: str | None = None,
                   due_before: date | None = None) -> list[FollowUp]:
    with uow:
        stmt = scoped(select(FollowUp), FollowUp, actor).order_by(FollowUp.due_date, FollowUp.id)
        if status:
            stmt = stmt.where(FollowUp.status == status)
        if due_before:
            stmt = stmt.where(FollowUp.due_date < due_before)
        return uow.session.scalars(stmt).all()
