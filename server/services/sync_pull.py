"""Pull: the changes after the client's cookie, for the actor's unit subtree plus reference data (unit 0).

Paginated by the global change sequence, never by time. One indexed range read per unit in scope
(``ix_changes_scope_seq`` on (unit_id, seq)), so a page costs the same on a 10k- or a 1M-row table.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.models import Change
from server.adapters.journal import wait_for_writers
from server.domain.actor import Actor
from server.services.scope import visible_unit_ids

COLUMNS = (Change.seq, Change.unit_id, Change.entity_type, Change.entity_id, Change.version, Change.tombstone,
           Change.payload)
DEFAULT_LIMIT = 500
MAX_LIMIT = 2000


def pull(session: Session, actor: Actor, cookie: int, limit: int = DEFAULT_LIMIT) -> dict[str, Any]:
    limit = max(1, min(limit, MAX_LIMIT))
    try:
        wait_for_writers(session)
        units = [0, *session.scalars(visible_unit_ids(actor))]
        rows = []
        for unit_id in units:  # plain rows, not ORM objects: a page is read-only and can be large
            rows.extend(session.execute(select(*COLUMNS).where(Change.unit_id == unit_id, Change.seq > cookie)
                                        .order_by(Change.seq).limit(limit + 1)))
        rows.sort(key=lambda r: r.seq)
        page, more = rows[:limit], len(rows) > limit
        changes = [dict(r._mapping) for r in page]
    finally:
        session.rollback()  # releases the fence at once
    return {"changes": changes, "cookie": page[-1].seq if page else cookie, "more": more}
