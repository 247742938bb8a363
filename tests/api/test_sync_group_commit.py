"""Group commit: mutations of a batch share transactions, each in its own savepoint. A mutation that fails
after writing leaves nothing behind, while its neighbours' rows, audit entries and changes all stay."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from server.adapters import audit_chain
from server.adapters.models import AuditEntry, Change, Device, Inspection, MutationResult
from server.services import mutations
from sync import Outcome, Rejected, Status
from tests.sync_helpers import create_inspection, officer_id


def _probe(ctx, args):
    """Writes a row and journals it, then refuses or crashes when asked: the worst moment to fail."""
    ctx.uow.record(ctx.actor, "probe.write", "probe", args["key"], {"key": args["key"]}, unit_id=ctx.actor.unit_id)
    if args.get("fail") == "reject":
        raise Rejected("probe-refused", "探针拒绝")
    if args.get("fail") == "crash":
        raise ZeroDivisionError("probe bug")
    if args.get("fail") == "constraint":  # fires only when the session flushes, after the handler returned
        ctx.uow.session.add(Device(id=args["device_id"], officer_id=ctx.actor.officer_id, name="duplicate"))
    return Outcome(Status.APPLIED, entity_refs=[{"type": "probe", "id": args["key"]}])


@pytest.fixture
def probe_handler():
    handlers = mutations.load_all()
    handlers["probe.write"] = mutations.Registered("probe.write", _probe, None)
    yield
    handlers.pop("probe.write")


def _m(seq: int, **args) -> dict:
    return {"id": str(uuid.uuid4()), "seq": seq, "name": "probe.write", "args": args}


@pytest.mark.parametrize("group_size", [1, 3, 100])
def test_failures_inside_a_group_undo_only_themselves(app, client, login, db_session, probe_handler, group_size):
    app.config["SYNC_GROUP_SIZE"] = group_size
    lina = officer_id(db_session, "lina")
    created = create_inspection(2, lina)
    device = db_session.scalars(select(Device.id)).first()
    batch = [_m(1, key="a"), created, _m(3, key="b", fail="reject"), _m(4, key="c"), _m(5, key="d", fail="crash"),
             _m(6, key="e"), _m(7, key="f", fail="constraint", device_id=device), _m(8, key="g")]
    headers = login("zhangwei")
    reply = client.post("/api/sync/push", json={"client_id": "c-group", "mutations": batch},
                        headers=headers).get_json()
    assert [r["status"] for r in reply["results"]] == ["applied", "applied", "rejected", "applied", "rejected",
                                                       "applied", "rejected", "applied"]
    assert reply["results"][4]["code"] == reply["results"][6]["code"] == "internal" and reply["last_seq"] == 8
    journalled = db_session.scalars(select(AuditEntry.entity_id).where(AuditEntry.entity_type == "probe")
                                    .order_by(AuditEntry.chain, AuditEntry.seq)).all()
    assert journalled == ["a", "c", "e", "g"]
    assert sorted(db_session.scalars(select(Change.entity_id).where(Change.entity_type == "probe"))) == \
        ["a", "c", "e", "g"]
    assert db_session.get(Inspection, created["args"]["id"]) is not None
    assert db_session.scalar(select(func.count()).select_from(MutationResult)
                             .where(MutationResult.client_id == "c-group")) == 8
    assert audit_chain.verify(db_session) == []
    # the same batch again: stored answers, nothing written twice
    again = client.post("/api/sync/push", json={"client_id": "c-group", "mutations": batch},
                        headers=headers).get_json()
    assert again["results"] == reply["results"]
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.entity_type == "probe")) == 4
