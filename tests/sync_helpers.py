"""Builders shared by the sync tests: mutations as a device would queue them."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import select


def officer_id(session, username: str) -> int:
    from server.adapters.models import Officer

    return session.scalar(select(Officer.id).where(Officer.username == username))


def party_id(session, name: str) -> int:
    from server.adapters.models import Party

    return session.scalar(select(Party.id).where(Party.name == name))


def gps(lat: float = 40.8650, lon: float = 111.6620, accuracy: float = 8.0, at: datetime | None = None) -> dict:
    at = at or datetime.now(timezone.utc)
    return {"lat": lat, "lon": lon, "accuracy_m": accuracy, "source": "gps", "device_time": at.isoformat()}


def create_inspection(seq: int, second_officer: int, *, inspection_id: str | None = None, party: int | None = None,
                      catalog_code: str | None = None, first_violation: bool | None = None,
                      occurred_at: datetime | None = None, **extra) -> dict:
    occurred_at = occurred_at or datetime.now(timezone.utc) - timedelta(minutes=5)
    args = {"id": inspection_id or str(uuid.uuid4()), "second_officer_id": second_officer, "facts": "车辆未随车携带道路运输证",
            "place": "G6 京藏高速 呼和浩特收费站", "occurred_at": occurred_at.isoformat(), "gps": gps(at=occurred_at),
            "credential_ids": []}
    if party is not None:
        args["party_id"] = party
    if catalog_code is not None:
        args["catalog_code"] = catalog_code
    if first_violation is not None:
        args["first_violation"] = first_violation
    args.update(extra)
    return mutation(seq, "inspection.create", args)


def update_inspection(seq: int, inspection_id: str, base_version: int, base: dict, changes: dict) -> dict:
    return mutation(seq, "inspection.update", {"id": inspection_id, "base_version": base_version, "base": base,
                                                "changes": changes})


def mutation(seq: int, name: str, args: dict) -> dict:
    return {"id": str(uuid.uuid4()), "seq": seq, "name": name, "args": args,
            "created_at_device": datetime.now(timezone.utc).isoformat()}
