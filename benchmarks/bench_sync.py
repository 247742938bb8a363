"""Sync throughput and pull cost, each measured next to its baseline in the same run (python -m benchmarks sync).

1. Push: a 10,000-mutation backlog from 20 devices (per device 100 inspection.create + 400 inspection.update),
   through the real executor (group commit of SYNC_GROUP_SIZE mutations, handlers with their schema, scope and
   GPS checks, audit chain, change stream, recorded results), against a raw bulk INSERT of exactly the rows the
   push wrote, in one transaction.
2. Pull: 1,000 changes for a brigade officer from a 10k-row and from a 1M-row changes table.
Both run on SQLite files in WAL mode with synchronous=NORMAL (what a single-box deployment would set).
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

DEVICES, CREATES, UPDATES = 20, 100, 400
# The phone's request size, read from the PWA so the two cannot drift apart; BENCH_PUSH_REQUEST_SIZE=N tries another.
PWA_BATCH = int(re.search(r"const BATCH = (\d+);",
                          (Path(__file__).parents[1] / "pwa/js/sync-client.js").read_text()).group(1))
REQUEST_SIZE = int(os.environ.get("BENCH_PUSH_REQUEST_SIZE", PWA_BATCH))
SECRET = "bench-secret-0123456789-0123456789-0123456789"


def _app(path: Path):
    from server import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": SECRET, "ROADSIDE_ENV": "testing",
                       "INSTANCE_DIR": str(path.parent / "instance"), "EMBEDDED_WORKER": False})


def _tune(engine) -> None:
    """Baselines get exactly the pragmas the app gives its own engine."""
    from server.app import tune_sqlite

    tune_sqlite(engine)


def _prepared(workdir: Path) -> Path:
    """A migrated database with the demo data, copied for each measurement."""
    from server import demo
    from server.adapters.migrate import upgrade
    from server.services.uow import UnitOfWork

    path = workdir / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    app = _app(path)
    with app.app_context():
        demo.load(UnitOfWork())
        from server.extensions import db
        db.session.remove()
        db.engine.dispose()
    return path


def _actors(session):
    from server.adapters.models import Device, Officer, Unit
    from server.domain.actor import Actor

    officers = {o.username: o for o in session.scalars(sa.select(Officer))}
    out = []
    for i in range(DEVICES):
        officer = officers["zhangwei" if i % 2 == 0 else "lina"]
        device_id = f"bench-dev-{i}"
        session.add(Device(id=device_id, officer_id=officer.id, name="bench"))
        unit = session.get(Unit, officer.unit_id)
        partner = officers["lina" if officer.username == "zhangwei" else "zhangwei"]
        out.append((Actor(officer.id, unit.id, unit.path, frozenset(officer.roles), device_id, officer.full_name),
                    partner.id))
    session.commit()
    return out


def _backlog(partner_id: int, start: datetime) -> list[dict]:
    mutations, seq = [], 0
    ids = []
    for n in range(CREATES):
        seq += 1
        at = start + timedelta(minutes=n)
        inspection_id = str(uuid.uuid4())
        ids.append(inspection_id)
        mutations.append({"id": str(uuid.uuid4()), "seq": seq, "name": "inspection.create", "args": {
            "id": inspection_id, "second_officer_id": partner_id, "facts": f"检查记录 {n}", "place": "G6 呼和浩特收费站",
            "occurred_at": at.isoformat(), "credential_ids": [],
            "gps": {"lat": 40.865, "lon": 111.662, "accuracy_m": 8.0, "source": "gps", "device_time": at.isoformat()}}})
    for n in range(UPDATES):
        seq += 1
        target = n % CREATES
        version = 1 + n // CREATES
        before = f"检查记录 {target}" if version == 1 else f"补充 {target} 第{version - 1}次"
        mutations.append({"id": str(uuid.uuid4()), "seq": seq, "name": "inspection.update", "args": {
            "id": ids[target], "base_version": version, "base": {"facts": before},
            "changes": {"facts": f"补充 {target} 第{version}次"}}})
    return mutations


ROUNDS = 3  # the bulk insert alone moved 0.55–0.86 s between runs on a 2-core machine: medians of rounds


def _push_round(workdir: Path, template: Path, round_no: int) -> tuple[float, dict[str, int], float, Path, Path]:
    from server.app import settle_heap
    from server.extensions import db
    from server.services import sync_push

    pushed, baseline = workdir / f"push-{round_no}.sqlite3", workdir / f"baseline-{round_no}.sqlite3"
    shutil.copy(template, pushed)
    shutil.copy(template, baseline)
    app = _app(pushed)
    settle_heap()  # as server.wsgi does in a production process, once the app is built
    with app.app_context():  # the app sets the same SQLite pragmas itself (server.app.tune_sqlite)
        actors = _actors(db.session)
        start = datetime.now(timezone.utc) - timedelta(days=2)
        # devices come online one after another and push in batches of the PWA's size; each batch arrives as a
        # request body and is parsed inside the timed loop, as the API would
        bodies = []
        for i, (actor, partner) in enumerate(actors):
            mutations = _backlog(partner, start)
            bodies.extend((actor, f"bench-client-{i}", json.dumps(mutations[j:j + REQUEST_SIZE]))
                          for j in range(0, len(mutations), REQUEST_SIZE))
        statuses: dict[str, int] = {}
        in_handlers = _time_handlers()
        t0 = time.perf_counter()
        for actor, client_id, body in bodies:
            reply = sync_push.push(db.session, app.config, actor, client_id, json.loads(body))
            for r in reply["results"]:
                statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        push_s = time.perf_counter() - t0
        _time_handlers(restore=True)
        db.session.remove()
        db.engine.dispose()
    return push_s, statuses, in_handlers[0] / push_s, pushed, baseline


def bench_push(workdir: Path, template: Path) -> list[str]:
    from server.config import load_config

    group_size = load_config()["SYNC_GROUP_SIZE"]  # ROADSIDE_SYNC_GROUP_SIZE=N tries another
    total = DEVICES * (CREATES + UPDATES)
    pushes, bulks, shares = [], [], []
    for round_no in range(ROUNDS):
        push_s, statuses, share, pushed, baseline = _push_round(workdir, template, round_no)
        if round_no == 0:  # the one-commit-per-mutation floor, once, into a copy the bulk insert has not touched
            per_tx = workdir / "per_tx.sqlite3"
            shutil.copy(baseline, per_tx)
            per_tx_s, _ = _bulk_copy(pushed, per_tx, transactions=total)
        bulk_s, rows = _bulk_copy(pushed, baseline)
        pushes.append(push_s)
        bulks.append(bulk_s)
        shares.append(share)
    push_s, bulk_s = statistics.median(pushes), statistics.median(bulks)
    rounds = ", ".join(f"{p:.2f}/{b:.2f}" for p, b in zip(pushes, bulks))
    return [f"push: {total} mutations from {DEVICES} devices, requests of {REQUEST_SIZE}"
            f"{' as the PWA sends them' if REQUEST_SIZE == PWA_BATCH else ''}, groups of {group_size}, in "
            f"{push_s:.2f} s = {total / push_s:,.0f} mutations/s (median of {ROUNDS} rounds; statuses {statuses}; "
            f"{statistics.median(shares):.0%} of the time inside the handlers)",
            f"raw bulk INSERT of the same {rows:,} rows (one transaction): {bulk_s:.2f} s (median)",
            f"ratio push / raw bulk insert: {push_s / bulk_s:.1f}x (target <= 3x; rounds push/bulk s: {rounds})",
            f"same rows as raw INSERTs in {total:,} transactions (the one-commit-per-mutation floor): {per_tx_s:.2f} s; "
            f"ratio push / that: {push_s / per_tx_s:.1f}x"]


_ORIGINAL: dict = {}


def _time_handlers(restore: bool = False) -> list[float]:
    """Wrap the registered handlers to see how much of a push is the handlers' own work (audit chain, GPS, ORM)."""
    from server.services import mutations

    handlers = mutations.load_all()
    if restore:
        handlers.update(_ORIGINAL)
        _ORIGINAL.clear()
        return []
    spent = [0.0]
    for name, reg in list(handlers.items()):
        _ORIGINAL[name] = reg

        def timed(ctx, args, _inner=reg.handler):
            t0 = time.perf_counter()
            try:
                return _inner(ctx, args)
            finally:
                spent[0] += time.perf_counter() - t0

        handlers[name] = dataclasses.replace(reg, handler=timed)
    return spent


def _bulk_copy(source: Path, target: Path, transactions: int = 1) -> tuple[float, int]:
    """Every row the push added (by primary key absent from the untouched copy), inserted raw into that copy,
    in one transaction or spread evenly over ``transactions`` commits."""
    src, dst = sa.create_engine(f"sqlite:///{source}"), sa.create_engine(f"sqlite:///{target}")
    _tune(dst)
    meta = sa.MetaData()
    meta.reflect(bind=dst)
    payload: list[tuple[sa.Table, list[dict]]] = []
    with src.connect() as s, dst.connect() as d:
        for table in meta.sorted_tables:
            pk = [c.name for c in table.primary_key.columns]
            existing = {tuple(r) for r in d.execute(sa.select(*[table.c[c] for c in pk]))}
            new = [dict(r._mapping) for r in s.execute(sa.select(table))
                   if tuple(r._mapping[c] for c in pk) not in existing]
            if new:
                payload.append((table, new))
    with dst.connect() as d:  # (audit_heads rows already exist: the push updated them, the baseline does not)
        if transactions == 1:
            elapsed = _one_transaction(d, payload)
        else:
            flat = [(table, row) for table, rows in payload for row in rows]
            step = max(1, -(-len(flat) // transactions))
            t0 = time.perf_counter()
            for i in range(0, len(flat), step):
                with d.begin():
                    for table, row in flat[i:i + step]:
                        d.execute(table.insert(), [row])
            elapsed = time.perf_counter() - t0
    src.dispose()
    dst.dispose()
    return elapsed, sum(len(r) for _, r in payload)


def _one_transaction(conn, payload) -> float:
    t0 = time.perf_counter()
    with conn.begin():
        for table, rows in payload:
            conn.execute(table.insert(), rows)
    return time.perf_counter() - t0


def bench_pull(workdir: Path, template: Path) -> list[str]:
    setups = {}
    for rows in (10_000, 1_000_000):
        path = workdir / f"pull_{rows}.sqlite3"
        shutil.copy(template, path)
        _fill_changes(path, rows)
        setups[rows] = _pull_setup(path)
    # Interleaved rounds, so load from other processes on this machine hits both sizes alike.
    samples: dict[int, list[float]] = {rows: [] for rows in setups}
    for round_no in range(33):
        order = list(setups) if round_no % 2 else list(reversed(setups))
        for rows in order:
            session, actor, cookie = setups[rows]
            samples[rows].append(_one_pull(session, actor, cookie))
    for session, _, _ in setups.values():
        session.close()
        session.get_bind().dispose()
    small, big = (statistics.median(samples[r][3:]) for r in (10_000, 1_000_000))  # first rounds warm the cache
    return [f"pull 1,000 changes (brigade officer, tail of the stream): 10k-row table {small * 1000:.1f} ms, "
            f"1M-row table {big * 1000:.1f} ms (median of 30 interleaved rounds)",
            f"ratio 1M / 10k: {big / small:.2f} (target <= 1.5)"]


def _fill_changes(path: Path, rows: int) -> None:
    """Bulk INSERT ... SELECT from a recursive counter: units 0 (reference), 1 (支队), 2, 3 (大队) interleaved."""
    engine = sa.create_engine(f"sqlite:///{path}")
    _tune(engine)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows) "
            "INSERT INTO changes (unit_id, entity_type, entity_id, version, payload, tombstone, at) "
            "SELECT i % 4, 'inspection', printf('bench-%d', i), 1, json_object('n', i, 'facts', '现场检查记录'), 0, "
            "'2026-11-23 00:00:00.000000' FROM n"), {"rows": rows})
    engine.dispose()


def _pull_setup(path: Path):
    """A plain session on the file (no app needed: pull takes any session), the actor, and the cookie that
    leaves exactly the last 1,000 in-scope changes."""
    from sqlalchemy.orm import Session

    from server.adapters.models import Change, Officer, Unit
    from server.domain.actor import Actor

    engine = sa.create_engine(f"sqlite:///{path}")
    _tune(engine)
    session = Session(engine)
    officer = session.scalar(sa.select(Officer).where(Officer.username == "zhangwei"))
    unit = session.get(Unit, officer.unit_id)
    actor = Actor(officer.id, unit.id, unit.path, frozenset(officer.roles), None, officer.full_name)
    units = [0, *session.scalars(sa.select(Unit.id).where(Unit.path.like(unit.path + "%")))]
    cookie = session.scalar(sa.select(Change.seq).where(Change.unit_id.in_(units))
                            .order_by(Change.seq.desc()).offset(1000).limit(1))
    session.rollback()
    return session, actor, cookie


def _one_pull(session, actor, cookie) -> float:
    from server.services import sync_pull

    t0 = time.perf_counter()
    page = sync_pull.pull(session, actor, cookie, limit=1000)
    elapsed = time.perf_counter() - t0
    assert len(page["changes"]) == 1000 and not page["more"]
    return elapsed


def run() -> list[str]:
    with tempfile.TemporaryDirectory(prefix="roadside-bench-sync-") as tmp:
        workdir = Path(tmp)
        template = _prepared(workdir)
        return bench_push(workdir, template) + bench_pull(workdir, template)
