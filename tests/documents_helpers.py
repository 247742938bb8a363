"""Helpers for document tests: a demo inspection, a leased number block, and running the mutation handlers
the way the push executor does (one transaction each, the handler never commits)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from server.adapters.models import Device, Inspection, Officer, Party, Vehicle
from server.domain.actor import Actor
from server.domain.timeutil import local_today
from server.services import numbering
from server.services.mutations import MutationContext, load_all
from server.services.uow import UnitOfWork
from sync import Rejected

DEVICE = "dev-documents-test"


def actor_for(session, username: str, device_id: str | None = None) -> Actor:
    """The officer acting from their own registered phone (number blocks belong to a device)."""
    officer = session.scalar(select(Officer).where(Officer.username == username))
    device_id = device_id or f"{DEVICE}-{username}"
    if session.get(Device, device_id) is None:
        session.add(Device(id=device_id, officer_id=officer.id, name="pytest"))
        session.commit()
    return Actor(officer_id=officer.id, unit_id=officer.unit_id, unit_path=officer.unit.path,
                 roles=frozenset(officer.roles), device_id=device_id, full_name=officer.full_name)


def officer_id(session, username: str) -> int:
    return session.scalar(select(Officer.id).where(Officer.username == username))


def make_inspection(session, *, officer="zhangwei", second="lina", code="GL-69-TUOXING", party="刘某军",
                    plate="蒙A12345", occurred_at=None, facts="") -> Inspection:
    first = session.scalar(select(Officer).where(Officer.username == officer))
    party_row = session.scalar(select(Party).where(Party.name == party))
    vehicle = session.scalar(select(Vehicle).where(Vehicle.plate == plate)) if plate else None
    row = Inspection(id=str(uuid.uuid4()), unit_id=first.unit_id, officer_id=first.id,
                     second_officer_id=officer_id(session, second) if second else None,
                     party_id=party_row.id, vehicle_id=vehicle.id if vehicle else None, catalog_code=code,
                     facts=facts, place="G6京藏高速K520+300处", occurred_at=occurred_at or datetime.now(timezone.utc) - timedelta(minutes=30))
    session.add(row)
    session.commit()
    return row


def lease(session, username: str, doc_type: str, year: int | None = None, size: int = 10):
    return numbering.lease_block(UnitOfWork(session), actor_for(session, username), doc_type=doc_type,
                                 year=year or local_today().year, size=size)


class Runner:
    def __init__(self, app, session):
        self.app, self.session, self.handlers = app, session, load_all()

    def run(self, name: str, username: str, args: dict, now: datetime | None = None):
        """The outcome, or the ``Rejected`` the executor would record (its transaction rolled back)."""
        reg = self.handlers[name]
        ctx = MutationContext(uow=UnitOfWork(self.session), actor=actor_for(self.session, username),
                              client_id=DEVICE, mutation_id=str(uuid.uuid4()), seq=1, created_at_device=None,
                              config=self.app.config, now=now or datetime.now(timezone.utc))
        try:
            outcome = reg.handler(ctx, reg.schema().load(args))
        except Rejected as exc:
            self.session.rollback()
            return exc
        self.session.commit()
        return outcome

    def issue(self, username: str, inspection: Inspection, doc_type: str, procedure: str, *, block=None,
              seq: int | None = None, **extra):
        block = block or lease(self.session, username, doc_type)
        args = {"id": str(uuid.uuid4()), "inspection_id": inspection.id, "doc_type": doc_type, "procedure": procedure,
                "number": {"block_id": block.id, "year": block.year, "seq": seq or block.start},
                "issued_at": extra.pop("issued_at", datetime.now(timezone.utc).isoformat()),
                "fields": extra.pop("fields", {"harm": "none", "corrected_on_spot": True, "first_violation": True,
                                                 "evidence": ["现场照片3张", "当事人询问笔录"]})}
        args.update(extra)
        return self.run("document.issue", username, args), args
