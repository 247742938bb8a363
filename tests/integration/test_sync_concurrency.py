"""Concurrent pushes on PostgreSQL: several threads, each its own device, editing the same inspection at once;
the same batch pushed by one client from several threads; document number blocks leased and used in races."""
from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy import text as sa_text

from sync import Rejected
from tests.sync_helpers import create_inspection, officer_id, update_inspection

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]


def _race(n: int, work) -> list:
    """Run ``work(i)`` in ``n`` threads released together; return their results (or exceptions) in order."""
    barrier, out = threading.Barrier(n), [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            out[i] = work(i)
        except Exception as exc:  # noqa: BLE001 — surfaced by the assertions below
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return out


def test_parallel_edits_of_one_inspection_lose_no_update(app, client, login, db_session):
    from server.adapters.models import Inspection, MutationResult, SyncConflict

    lina = officer_id(db_session, "lina")
    created = create_inspection(1, lina)
    assert client.post("/api/sync/push", json={"client_id": "c-owner", "mutations": [created]},
                       headers=login("zhangwei")).status_code == 200
    iid, facts, place = created["args"]["id"], created["args"]["facts"], created["args"]["place"]
    writers = 8
    # writer 0 edits `place`, everyone else edits `facts` from the same base: one facts edit wins, the rest conflict
    headers = [login("zhangwei") if i % 2 else login("lina") for i in range(writers)]
    edits = [update_inspection(1, iid, 1, {"place": place}, {"place": "并发地点"}) if i == 0 else
             update_inspection(1, iid, 1, {"facts": facts}, {"facts": f"版本{i}"}) for i in range(writers)]

    def work(i: int):
        with app.test_client() as c:
            return c.post("/api/sync/push", json={"client_id": f"c-writer-{i}", "mutations": [edits[i]]},
                          headers=headers[i])

    replies = _race(writers, work)
    assert all(not isinstance(r, Exception) and r.status_code == 200 for r in replies), replies
    statuses = Counter(r.get_json()["results"][0]["status"] for r in replies[1:])
    assert replies[0].get_json()["results"][0]["status"] in ("applied", "merged")
    assert statuses["conflict"] == writers - 2 and statuses["applied"] + statuses["merged"] == 1
    db_session.expire_all()
    row = db_session.get(Inspection, iid)
    winner = next(e["args"]["changes"]["facts"] for e, r in zip(edits, replies)
                  if r.get_json()["results"][0]["status"] != "conflict" and "facts" in e["args"]["changes"])
    assert (row.place, row.facts, row.version) == ("并发地点", winner, 3)
    conflicts = db_session.scalars(select(SyncConflict).where(SyncConflict.entity_id == iid)).all()
    assert len(conflicts) == writers - 2 and {c.server_value for c in conflicts} == {winner}
    assert db_session.scalar(select(MutationResult.id).where(MutationResult.client_id == "c-writer-0")) is not None


def test_one_batch_pushed_from_several_threads_is_applied_once(app, client, login, db_session):
    from server.adapters.models import Change, Inspection

    lina = officer_id(db_session, "lina")
    headers = login("zhangwei")
    batch = [create_inspection(seq, lina) for seq in range(1, 6)]
    client.post("/api/sync/push", json={"client_id": "c-dup", "mutations": []}, headers=headers)

    def work(i: int):
        with app.test_client() as c:
            return c.post("/api/sync/push", json={"client_id": "c-dup", "mutations": batch}, headers=headers)

    replies = _race(6, work)
    assert all(r.status_code == 200 for r in replies)
    for reply in replies:
        assert [r["status"] for r in reply.get_json()["results"]] == ["applied"] * 5
    ids = [m["args"]["id"] for m in batch]
    assert len(db_session.scalars(select(Inspection.id).where(Inspection.id.in_(ids))).all()) == 5
    assert len(db_session.scalars(select(Change.seq).where(Change.entity_id.in_(ids))).all()) == 5


def test_racing_leases_get_disjoint_blocks_and_a_number_is_used_once(app, login, db_session):
    from server.services import numbering
    from server.services.uow import UnitOfWork

    devices = [f"dev-race-{i}" for i in range(8)]
    headers = [login("zhangwei", device_id=d) for d in devices]

    def lease(i: int):
        with app.test_client() as c:
            return c.post("/api/sync/number-blocks", json={"doc_type": "on_site_record", "size": 25},
                          headers=headers[i]).get_json()

    blocks = _race(8, lease)
    ranges = sorted((b["start"], b["end"]) for b in blocks)
    assert ranges == [(1 + 25 * i, 25 * (i + 1)) for i in range(8)]  # disjoint, nothing skipped or reused
    mine = next(b for b in blocks if b["device_id"] == devices[0])

    def use(i: int):
        with app.app_context():
            uow = UnitOfWork()
            try:
                numbering.use_leased_number(uow, device_id=devices[0], unit_id=mine["unit_id"],
                                            doc_type="on_site_record", year=mine["year"], block_id=mine["id"],
                                            number=mine["start"], document_id=f"doc-{i}")
                uow.commit()
                return "ok"
            except Rejected as exc:
                uow.rollback()
                return exc.code

    outcomes = Counter(_race(6, use))
    assert outcomes == Counter({"ok": 1, "number-already-used": 5})


def test_pull_never_skips_a_change_still_being_committed(app, demo):
    """seq N inserted but not committed, N+1 committed: a pull waits for N instead of moving its cookie past it."""
    from sqlalchemy.orm import Session

    from server.adapters.journal import wait_behind_no_reader
    from server.adapters.models import Change, Unit
    from server.domain.actor import Actor
    from server.extensions import db
    from server.services import sync_pull

    with app.app_context():
        engine = db.engine
        root = db.session.scalar(select(Unit).where(Unit.code == "ZD01"))
        actor = Actor(officer_id=1, unit_id=root.id, unit_path=root.path, roles=frozenset({"leader"}))
        start = db.session.scalar(select(Change.seq).order_by(Change.seq.desc()).limit(1)) or 0
        db.session.rollback()
        slow, fast = Session(engine), Session(engine)
        # what the journal does at commit time (server.adapters.journal._write), stopped before the commit
        wait_behind_no_reader(slow)
        slow.add(Change(unit_id=root.id, entity_type="probe", entity_id="slow", version=1, payload={}))
        slow.flush()  # seq allocated, fence held, not committed
        wait_behind_no_reader(fast)
        fast.add(Change(unit_id=root.id, entity_type="probe", entity_id="fast", version=1, payload={}))
        fast_commit = threading.Thread(target=fast.commit)
        fast_commit.start()  # writers share the fence: this commit does not wait for the slow one
        fast_commit.join(timeout=30)
        assert not fast_commit.is_alive()
        page: dict = {}
        reader_session = Session(engine)
        reader = threading.Thread(target=lambda: page.update(sync_pull.pull(reader_session, actor, start)))
        reader.start()
        with engine.connect() as probe:  # wait until the reader is parked on the fence (no sleeps, no timing)
            for _ in range(600):
                waiting = probe.execute(sa_text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).scalar_one()
                probe.commit()
                if waiting:
                    break
                threading.Event().wait(0.05)
        assert waiting == 1 and not page  # the reader has not answered while seq N is in flight
        slow.commit()
        reader.join(timeout=30)
        probes = [c["entity_id"] for c in page["changes"] if c["entity_type"] == "probe"]
        assert probes == ["slow", "fast"]
        for s in (slow, fast, reader_session):
            s.close()
