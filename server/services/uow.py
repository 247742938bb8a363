"""Unit of work over the Flask-SQLAlchemy session (Cosmic Python's pattern).

``with UnitOfWork() as uow:`` ... ``uow.commit()``; leaving the block without commit rolls back.
Every write goes through ``uow.record`` so the audit chain and the sync change stream never miss one; both are
journalled and written at commit (``server.adapters.journal``).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from server.adapters import audit_chain, journal
from server.domain.timeutil import utcnow
from server.domain.actor import Actor


class UnitOfWork:
    def __init__(self, session: Session | None = None):
        self._session = session

    @property
    def session(self) -> Session:
        if self._session is None:
            from server.extensions import db

            self._session = db.session
        return self._session

    def __enter__(self) -> "UnitOfWork":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.rollback()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def audit(self, actor: Actor | None, action: str, entity_type: str, entity_id: Any, data: dict,
              unit_id: int | None = None) -> None:
        """Append to the unit's audit chain (chain 0 = system-wide records such as catalog or parties)."""
        journal.add_audit(self.session, audit_chain.pending(
            chain=unit_id or 0, actor_id=actor.officer_id if actor else None,
            device_id=actor.device_id if actor else None, action=action, entity_type=entity_type,
            entity_id=str(entity_id), data=data))

    def publish(self, unit_id: int, entity_type: str, entity_id: Any, version: int, payload: dict | None,
                tombstone: bool = False) -> None:
        """Append to the change stream devices pull from (scope = unit; 0 = reference data for all)."""
        # Dates and decimals become strings here, once, so every payload is plain JSON for devices.
        if payload is not None:
            payload = audit_chain.as_stored(payload)
        journal.add_change(self.session, unit_id=unit_id, entity_type=entity_type, entity_id=str(entity_id),
                           version=version, payload=payload, tombstone=tombstone, at=utcnow())

    def record(self, actor: Actor | None, action: str, entity_type: str, entity_id: Any, data: dict,
               unit_id: int | None = None, version: int = 1, payload: dict | None = None,
               tombstone: bool = False, publish: bool = True) -> None:
        self.audit(actor, action, entity_type, entity_id, data, unit_id=unit_id)
        if publish:
            self.publish(unit_id or 0, entity_type, entity_id, version, payload if payload is not None else data,
                         tombstone=tombstone)
