"""Reference rows (units, officers) read again and again inside one transaction, kept loaded until it ends.

The session's identity map holds objects weakly: a Unit read to check scope for one mutation is gone by the
next, and the next read is another SELECT. ``get`` keeps a strong reference for the transaction, so a push
of a hundred mutations reads each unit and officer once. Commit or rollback drops them (and expires them,
as for any ORM object), so nothing stale outlives the transaction.
"""
from __future__ import annotations

from typing import Any, Callable, Hashable, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

T = TypeVar("T")
_KEY = "roadside.reference_rows"


def get(session: Session, model: type[T], ident: Any) -> T | None:
    pinned: dict = session.info.setdefault(_KEY, {})
    key = (model, ident)
    row = pinned.get(key)
    if row is None:
        row = session.get(model, ident)
        if row is not None:
            pinned[key] = row
    return row


def remembered(session: Session, key: Hashable, load: Callable[[], T]) -> T:
    """``load()`` once per transaction for ``key`` (a value derived from reference rows, e.g. a certificate)."""
    pinned: dict = session.info.setdefault(_KEY, {})
    if key not in pinned:
        pinned[key] = load()
    return pinned[key]


@event.listens_for(Session, "after_transaction_end")
def _release(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_KEY, None)
