"""Small factories for tests: rows the demo data does not have."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import select

from server.adapters.models import Inspection, Officer, Unit


def officer(session, username: str) -> Officer:
    return session.scalar(select(Officer).where(Officer.username == username))


def unit(session, code: str) -> Unit:
    return session.scalar(select(Unit).where(Unit.code == code))


def inspection(session, unit_code: str, officer_username: str, **fields) -> Inspection:
    row = Inspection(id=str(uuid.uuid4()), unit_id=unit(session, unit_code).id,
                     officer_id=officer(session, officer_username).id, facts=fields.pop("facts", "现场检查"),
                     occurred_at=datetime.now(timezone.utc), **fields)
    session.add(row)
    session.commit()
    return row
