"""A morning of work for the demo (``roadside demo`` only; tests start from the bare demo data): 张伟 and 李娜 of
新城区大队 inspected three vehicles and their phone synced it — a commitment letter with its follow-up, an
on-the-spot fine, and an ordinary case now waiting in the legal reviewer's 法制审核 queue.

Everything goes through the real sync path (``sync_push.push`` with the handlers, number blocks, audit chain and
change stream), so the demo's records are exactly what a phone would have produced.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.models import Device, Inspection, Officer, Party, Unit, Vehicle
from server.domain.actor import Actor
from server.domain.timeutil import local_today
from server.services import numbering, sync_push
from server.services.uow import UnitOfWork

DEVICE_ID = "demo-zhangwei-phone"
# (catalog code, party, plate, facts, document, procedure, document fields)
STOPS = [
    ("GL-69-TUOXING", "刘某军", "蒙A12345", "车辆装载的砂石遗洒在路面约10米，驾驶员当场清扫干净，未损坏路面。",
     "commitment_letter", "minor_exempt",
     {"harm": "none", "corrected_on_spot": True, "first_violation": True, "correction_days": 7,
      "correction": "加装篷布并绑扎牢固后方可继续运输", "evidence": ["现场照片3张"]}),
    ("DLYS-64-JIASHIYUAN", "马某华", "蒙A67890", "驾驶员未取得道路运输从业资格证驾驶营运货车，当场停止驾驶并由合格驾驶员接替。",
     "on_spot_decision", "simple",
     {"harm": "none", "corrected_on_spot": True, "first_violation": True, "evidence": ["现场照片2张", "询问笔录1份"]}),
    ("GLF-76-4-TIELUN", "高某峰", None, "当事人驾驶履带式挖掘机在G6京藏高速K520+300处擅自上路行驶，路面有压痕。",
     "violation_notice", "ordinary",
     {"harm": "serious", "corrected_on_spot": True, "first_violation": True, "evidence": ["现场照片5张", "路损照片2张"]}),
]


def load(session: Session, cfg: Mapping[str, Any], now: datetime | None = None) -> bool:
    """Push the morning's work once; False when the database already holds inspections."""
    if session.scalar(select(Inspection.id).limit(1)) is not None:
        return False
    now = now or datetime.now(timezone.utc)
    zhang = session.scalar(select(Officer).where(Officer.username == "zhangwei"))
    lina = session.scalar(select(Officer).where(Officer.username == "lina"))
    unit = session.get(Unit, zhang.unit_id)
    if session.get(Device, DEVICE_ID) is None:
        session.add(Device(id=DEVICE_ID, officer_id=zhang.id, name="张伟的执法终端（演示）"))
    session.commit()
    actor = Actor(zhang.id, unit.id, unit.path, frozenset(zhang.roles), DEVICE_ID, zhang.full_name)
    year = local_today(now).year
    blocks = {doc: numbering.lease_block(UnitOfWork(session), actor, doc_type=doc, year=year, size=10)
              for doc in {stop[4] for stop in STOPS}}
    mutations: list[dict[str, Any]] = []

    def add(name: str, args: dict[str, Any], at: datetime) -> None:
        mutations.append({"id": str(uuid.uuid4()), "seq": len(mutations) + 1, "name": name, "args": args,
                          "created_at_device": at.isoformat()})

    for n, (code, party, plate, facts, doc_type, procedure, fields) in enumerate(STOPS):
        at = now - timedelta(hours=3 - n, minutes=20)
        inspection_id = str(uuid.uuid4())
        vehicle = session.scalar(select(Vehicle.id).where(Vehicle.plate == plate)) if plate else None
        add("inspection.create", {
            "id": inspection_id, "second_officer_id": lina.id, "catalog_code": code, "facts": facts,
            "party_id": session.scalar(select(Party.id).where(Party.name == party)), "vehicle_id": vehicle,
            "place": "G6京藏高速呼和浩特收费站", "occurred_at": at.isoformat(), "credential_ids": [],
            "first_violation": fields["first_violation"], "harm": fields["harm"],
            "corrected_on_spot": fields["corrected_on_spot"],
            "gps": {"lat": 40.865 + n / 1000, "lon": 111.662, "accuracy_m": 9.0, "source": "gps",
                    "device_time": at.isoformat()}}, at)
        block = blocks[doc_type]
        add("document.issue", {"id": str(uuid.uuid4()), "inspection_id": inspection_id, "doc_type": doc_type,
                               "procedure": procedure, "case_id": f"case-{inspection_id}",
                               "number": {"block_id": block.id, "year": block.year, "seq": block.start},
                               "issued_at": (at + timedelta(minutes=15)).isoformat(),
                               "fields": {**fields, "facts": facts}}, at + timedelta(minutes=15))
        if procedure == "ordinary":
            later = at + timedelta(hours=2)
            case_id = f"case-{inspection_id}"
            add("case.transition", {"id": str(uuid.uuid4()), "case_id": case_id, "command": "record_statement"}, later)
            add("case.transition", {"id": str(uuid.uuid4()), "case_id": case_id, "command": "submit_review",
                                    "args": {"note": "当事人当场陈述：不知道履带车不能上路。报请法制审核。"}}, later)
    reply = sync_push.push(session, cfg, actor, f"demo-client-{DEVICE_ID}", mutations)
    refused = [r for r in reply["results"] if r["status"] != "applied"]
    if refused:  # the demo must show working records, not quietly half of them
        raise RuntimeError(f"演示数据未能全部写入：{refused}")
    return True
