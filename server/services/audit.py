"""Tamper evidence (防删改): recompute the hash chains and check audited evidence rows against them.

Used by ``roadside audit verify`` (all chains) and ``GET /api/admin/audit/verify`` (the admin's units + system chain).
"""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.adapters import audit_chain
from server.adapters.models import AuditEntry, Unit
from server.domain.actor import Actor
from server.services import evidence
from server.services.uow import UnitOfWork


def verify_all(session: Session, chains: Iterable[int] | None = None) -> list[audit_chain.Break]:
    """First broken link of each broken chain, then evidence rows that differ from their audit record."""
    wanted = None if chains is None else set(chains)
    breaks = audit_chain.verify(session, None if wanted is None else sorted(wanted))
    breaks += [b for b in evidence.verify_rows(session) if wanted is None or b.chain in wanted]
    return breaks


def verify(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    actor.require("admin")
    with uow:
        units = uow.session.scalars(select(Unit.id).where(Unit.path.like(actor.unit_path + "%"))).all()
        chains = sorted({0, *units})
        breaks = verify_all(uow.session, chains)
        entries = uow.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.chain.in_(chains)))
        return {"ok": not breaks, "chains_checked": len(chains), "entries_checked": entries,
                "breaks": [b.__dict__ for b in breaks]}
