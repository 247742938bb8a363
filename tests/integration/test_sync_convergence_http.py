"""The convergence simulation again, through HTTP on the real database (SQLite, and PostgreSQL in CI):
three officers' devices edit shared inspections offline; lost responses, duplicated and reordered batches."""
from __future__ import annotations

import copy
import os
import random
import uuid

import pytest
from sqlalchemy import func, select

from tests.sync_helpers import create_inspection, officer_id, update_inspection

SEEDS = [int(os.environ["SYNC_SEED"])] if os.environ.get("SYNC_SEED") else [11, 12]
VALUES = ["甲", "乙", "丙"]


class HttpDevice:
    def __init__(self, client, headers, name, partner, rng):
        self.client, self.headers, self.client_id, self.partner, self.rng = client, headers, f"c-{name}", partner, rng
        self.server, self.outbox, self.cookie, self.next_seq, self.sent = {}, [], 0, 1, []

    def view(self) -> dict:
        view = copy.deepcopy(self.server)
        for m in self.outbox:
            if m["name"] == "inspection.create":
                view.setdefault(m["args"]["id"], {"facts": m["args"]["facts"], "place": m["args"]["place"], "version": 1})
            elif m["args"]["id"] in view:
                view[m["args"]["id"]].update(m["args"]["changes"])
        return view

    def queue(self, m: dict) -> None:
        self.next_seq += 1
        self.outbox.append(m)
        self.sent.append(m["id"])

    def create(self) -> None:
        m = create_inspection(self.next_seq, self.partner, inspection_id=str(uuid.UUID(int=self.rng.getrandbits(128))))
        self.queue(m)

    def edit(self) -> None:
        view = self.view()
        if view:
            iid = self.rng.choice(sorted(view))
            name = self.rng.choice(["facts", "place"])
            self.queue(update_inspection(self.next_seq, iid, view[iid]["version"], {name: view[iid][name]},
                                         {name: self.rng.choice(VALUES)}))

    def push(self, fault: str | None) -> None:
        batch = self.outbox[: self.rng.randint(1, 4)]
        if not batch:
            return
        if fault == "reorder" and len(batch) > 1:
            self._send(batch[1:], drop=False)
            batch = batch[:1]
        if fault == "duplicate":
            self._send(batch, drop=False)
        self._send(batch, drop=fault == "drop")

    def _send(self, batch, drop):
        resp = self.client.post("/api/sync/push", json={"client_id": self.client_id, "mutations": batch},
                                headers=self.headers)
        assert resp.status_code in (200, 409), resp.get_json()
        body = resp.get_json()
        if drop:
            return
        last = body["last_seq"] if resp.status_code == 200 else body["error"]["details"]["last_seq"]
        self.outbox = [m for m in self.outbox if m["seq"] > last]

    def pull(self) -> None:
        while True:
            body = self.client.get(f"/api/sync/pull?cookie={self.cookie}&limit=25", headers=self.headers).get_json()
            for c in body["changes"]:
                if c["entity_type"] == "inspection":
                    p = c["payload"]
                    self.server[c["entity_id"]] = {"facts": p["facts"], "place": p["place"], "version": p["version"]}
            self.cookie = body["cookie"]
            if not body["more"]:
                return


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_devices_converge_over_http(seed, client, login, db_session):
    from server.adapters.models import Inspection, MutationResult, SyncConflict, DeadLetter

    print(f"seed={seed}")
    rng = random.Random(seed)
    ids = {n: officer_id(db_session, n) for n in ("zhangwei", "lina")}
    fleet = [HttpDevice(client, login("zhangwei"), "zw", ids["lina"], random.Random(rng.getrandbits(64))),
             HttpDevice(client, login("lina"), "ln", ids["zhangwei"], random.Random(rng.getrandbits(64))),
             HttpDevice(client, login("leader_dd01"), "ld", ids["lina"], random.Random(rng.getrandbits(64)))]
    for _ in range(45):
        device = rng.choice(fleet)
        action = rng.choices(["create", "edit", "push", "pull"], [1, 4, 3, 2])[0]
        if action == "push":
            device.push(rng.choice([None, "drop", "duplicate", "reorder"]))
        else:
            getattr(device, action)()
    while any(d.outbox for d in fleet):
        for d in fleet:
            d.push(None)
    for d in fleet:
        d.pull()
    db_session.expire_all()
    rows = {r.id: {"facts": r.facts, "place": r.place, "version": r.version}
            for r in db_session.scalars(select(Inspection))}
    for d in fleet:
        assert d.view() == rows, f"{d.client_id} diverged (seed={seed})"
    sent = [m for d in fleet for m in d.sent]
    results = db_session.execute(select(MutationResult.mutation_id, MutationResult.status, MutationResult.details)).all()
    assert sorted(r.mutation_id for r in results) == sorted(sent)  # exactly one result per mutation, none lost
    conflict_fields = sum(len((r.details or {}).get("conflicts", [])) for r in results if r.status == "conflict")
    assert db_session.scalar(select(func.count()).select_from(SyncConflict)) == conflict_fields
    assert db_session.scalar(select(func.count()).select_from(DeadLetter)) == 0
    assert {r.status for r in results} <= {"applied", "merged", "conflict"}
