"""The transaction's journal: its audit entries and change-stream rows, written in one go just before it commits.

``UnitOfWork.audit`` and ``publish`` only append here. At the commit of the outermost transaction the entries
are chained (each audit entry holds the hash of the previous one of its chain) and inserted with one
multi-row INSERT per table, so a transaction that records a hundred mutations takes the chain heads and the
change-stream fence once, for the instant before its commit, instead of once per row for its whole length.
A rolled-back savepoint drops what was journalled inside it; a rolled-back transaction drops everything.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session, SessionTransaction

from server.adapters import audit_chain, sessions, write_behind
from server.adapters.models import Change

_KEY = "roadside.journal"

# One advisory lock id for the change stream (any constant; "ROADSIDE" in ASCII, truncated).
CHANGE_FENCE_KEY = 0x524F414453494445 & 0x7FFFFFFFFFFFFFFF


@dataclass
class Journal:
    audits: list[audit_chain.Pending] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    marks: dict[SessionTransaction, tuple[int, int]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.audits or self.changes)


def of(session: Session) -> Journal:
    session = sessions.plain(session)
    if not session.in_transaction():
        session.begin()  # entries belong to a transaction, so its rollback can drop them
    journal = session.info.get(_KEY)
    if journal is None:
        journal = session.info[_KEY] = Journal()
    return journal


def add_audit(session: Session, entry: audit_chain.Pending) -> None:
    of(session).audits.append(entry)


def add_change(session: Session, *, unit_id: int, entity_type: str, entity_id: str, version: int,
               payload: dict | None, tombstone: bool, at: datetime) -> None:
    of(session).changes.append({"unit_id": unit_id, "entity_type": entity_type, "entity_id": entity_id,
                                "version": version, "payload": payload, "tombstone": tombstone, "at": at})


def pending_audits(session: Session) -> list[audit_chain.Pending]:
    """What this transaction has journalled and not written yet (its own reads must look here too)."""
    return list(of(session).audits)


def _write(session: Session) -> None:
    # Only ever at the outermost commit: written inside a savepoint, earlier entries would roll back with it.
    write_behind.write(session)  # the rows the entries describe go first (their constraints fail here)
    journal = session.info.get(_KEY)
    if not journal:
        return
    audits, changes = journal.audits, journal.changes
    journal.audits, journal.changes = [], []
    # Lock order, the same in every writer: audit chain heads (ascending), then the change fence.
    if audits:
        audit_chain.append_many(session, audits)
    if changes:
        wait_behind_no_reader(session)
        session.connection().execute(insert(Change.__table__), changes)


# --- the change-stream fence ---------------------------------------------------------------------------------
# PostgreSQL hands out `changes.seq` at INSERT time but transactions commit in any order, so a reader could
# see seq 11 before seq 10 commits and move its cookie past 10 for ever. Writers hold a *shared* advisory
# lock from just before their change rows until commit; a pull takes the same lock *exclusively* for the
# instant of its read, so it only ever sees a prefix with no holes still to fill. SQLite has one writer at
# a time and needs nothing.
def wait_behind_no_reader(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock_shared(CHANGE_FENCE_KEY)))


def wait_for_writers(session: Session) -> None:
    """Inside the pull's transaction: wait until no writer holds change seqs that are not committed yet."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(CHANGE_FENCE_KEY)))


# --- transaction boundaries ----------------------------------------------------------------------------------
@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    if session.get_nested_transaction() is None:  # the outermost commit, not a savepoint's release
        _write(session)


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        journal = session.info.setdefault(_KEY, Journal())
        journal.marks[transaction] = (len(journal.audits), len(journal.changes))


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, transaction: SessionTransaction) -> None:
    journal = session.info.get(_KEY)
    if journal is None:
        return
    # A failed flush reports its own inner transaction; what the database rolled back is the nearest savepoint
    # (or the whole transaction) above it. The same savepoint may be reported twice: truncating is idempotent.
    boundary = transaction
    while not boundary.nested and boundary.parent is not None:
        boundary = boundary.parent
    if boundary.nested:
        mark = journal.marks.get(boundary)
        if mark is not None:
            del journal.audits[mark[0]:], journal.changes[mark[1]:]
    else:
        journal.audits.clear()
        journal.changes.clear()


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    journal = session.info.get(_KEY)
    if journal is None:
        return
    # (a savepoint's mark stays until the outermost transaction ends: its rollback event comes after its end)
    if transaction.parent is None and not transaction.nested:  # closed without commit: nothing may leak on
        journal.audits.clear()
        journal.changes.clear()
        journal.marks.clear()
