"""Push/pull through HTTP: replays, every kind of bad input, crashes and transient faults never jam the queue."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from tests.sync_helpers import create_inspection, mutation, officer_id, update_inspection


def push(client, headers, client_id, mutations):
    return client.post("/api/sync/push", json={"client_id": client_id, "mutations": mutations}, headers=headers)


@pytest.fixture
def officers(db_session, demo):
    return {name: officer_id(db_session, name) for name in ("zhangwei", "lina", "zhaolei", "wangqiang", "zhoujie")}


def test_push_applies_once_and_a_replayed_batch_returns_the_stored_results(client, login, officers, db_session):
    from server.adapters.models import Change, Inspection

    headers = login("zhangwei")
    batch = [create_inspection(1, officers["lina"])]
    first = push(client, headers, "c-zw", batch)
    assert first.status_code == 200
    assert first.get_json()["results"][0]["status"] == "applied" and first.get_json()["last_seq"] == 1
    again = push(client, headers, "c-zw", batch)
    assert again.get_json()["results"] == first.get_json()["results"]
    inspection_id = batch[0]["args"]["id"]
    row = db_session.get(Inspection, inspection_id)
    assert row.accuracy_m == 8.0 and row.lat == pytest.approx(40.865) and row.version == 1
    changes = db_session.scalars(select(Change).where(Change.entity_id == inspection_id)).all()
    assert len(changes) == 1  # the replay wrote nothing


def test_bad_mutations_are_recorded_rejections_and_the_queue_moves_on(client, login, officers):
    headers = login("zhangwei")
    bad_schema = create_inspection(2, officers["lina"])
    del bad_schema["args"]["gps"]
    bad_schema["args"]["second_officer_id"] = "two"
    batch = [mutation(1, "inspection.teleport", {}), bad_schema,
             create_inspection(3, officers["zhaolei"]),  # 赵磊's certificate is suspended
             create_inspection(4, officers["zhangwei"]),  # the same officer twice
             create_inspection(5, officers["lina"], party=999999),
             create_inspection(6, officers["lina"], credential_ids=[999999]),
             create_inspection(7, officers["lina"])]
    body = push(client, headers, "c-bad", batch).get_json()
    codes = [(r["status"], r.get("code")) for r in body["results"]]
    assert codes == [("rejected", "unknown-mutation"), ("rejected", "invalid-args"),
                     ("rejected", "certificate-suspended"), ("rejected", "two-officers-required"),
                     ("rejected", "party-unknown"), ("rejected", "credential-unknown"), ("applied", None)]
    assert set(body["results"][1]["details"]["fields"]) == {"gps", "second_officer_id"}
    assert "赵磊" in body["results"][2]["message"]
    assert body["last_seq"] == 7


def test_seq_gap_is_a_clear_409_and_nothing_is_applied(client, login, officers):
    headers = login("zhangwei")
    push(client, headers, "c-gap", [create_inspection(1, officers["lina"])])
    resp = push(client, headers, "c-gap", [create_inspection(3, officers["lina"])])
    assert resp.status_code == 409
    error = resp.get_json()["error"]
    assert error["code"] == "seq-gap" and error["details"] == {"last_seq": 1, "expected_seq": 2, "got_seq": 3}
    assert push(client, headers, "c-gap", [create_inspection(2, officers["lina"])]).get_json()["last_seq"] == 2


def test_gap_after_some_mutations_returns_their_results_and_where_to_resume(client, login, officers):
    headers = login("zhangwei")
    body = push(client, headers, "c-gap2", [create_inspection(1, officers["lina"]),
                                             create_inspection(5, officers["lina"])]).get_json()
    assert body["last_seq"] == 1 and len(body["results"]) == 1
    assert body["gap"] == {"expected_seq": 2, "got_seq": 5}


def test_client_id_of_another_device_or_officer_is_refused(client, login, officers):
    mine = login("zhangwei")
    push(client, mine, "c-owned", [])
    other_device = login("zhangwei")
    other_officer = login("lina")
    for headers in (other_device, other_officer):
        resp = push(client, headers, "c-owned", [create_inspection(1, officers["zhangwei"])])
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "client-id-mismatch"


def test_another_units_inspection_is_not_found_for_the_device(client, login, officers, db_session):
    created = create_inspection(1, officers["lina"])
    push(client, login("zhangwei"), "c-dd01", [created])
    edit = update_inspection(1, created["args"]["id"], 1, {"facts": created["args"]["facts"]}, {"facts": "改写"})
    result = push(client, login("wangqiang"), "c-dd02", [edit]).get_json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "not-found")


def test_batch_over_the_limit_is_413_in_the_error_shape(app, client, login, officers):
    app.config["SYNC_MAX_BATCH"] = 3
    batch = [create_inspection(i, officers["lina"]) for i in range(1, 5)]
    resp = push(client, login("zhangwei"), "c-big", batch)
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "batch-too-large"
    assert resp.get_json()["error"]["details"] == {"max_batch": 3, "got": 4}


def test_malformed_envelope_is_422_with_field_details(client, login):
    resp = push(client, login("zhangwei"), "c-env", [{"id": "nope", "seq": -1, "name": "x"}])
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "invalid-batch" and set(error["details"]["fields"]["0"]) == {"id", "seq", "name"}


def test_crashing_handler_is_rejected_internal_dead_lettered_and_the_queue_moves_on(client, login, officers,
                                                                                     monkeypatch):
    from server.services import mutations

    def crash(ctx, args):
        raise ZeroDivisionError("handler bug")

    mutations.load_all()
    monkeypatch.setitem(mutations.HANDLERS, "test.crash", mutations.Registered("test.crash", crash, None))
    headers = login("zhangwei")
    body = push(client, headers, "c-crash", [mutation(1, "test.crash", {}),
                                              create_inspection(2, officers["lina"])]).get_json()
    crashed, after = body["results"]
    assert (crashed["status"], crashed["code"]) == ("rejected", "internal") and after["status"] == "applied"
    trace = crashed["details"]["trace_id"]
    assert trace in crashed["message"]
    letters = client.get("/api/sync/dead-letters", headers=login("admin")).get_json()
    assert [(d["trace_id"], d["name"]) for d in letters] == [(trace, "test.crash")]
    assert "ZeroDivisionError" in letters[0]["error"]
    assert client.get("/api/sync/dead-letters", headers=headers).status_code == 403


def test_constraint_violation_flushed_at_commit_is_dead_lettered_and_the_queue_moves_on(client, login, officers,
                                                                                          monkeypatch):
    from server.adapters.models import Vehicle
    from server.services import mutations

    def duplicate_plate(ctx, args):
        ctx.uow.session.add(Vehicle(plate="蒙A12345"))  # exists in the demo data; fails only when flushed
        from sync import Outcome
        return Outcome()

    mutations.load_all()
    monkeypatch.setitem(mutations.HANDLERS, "test.dupe", mutations.Registered("test.dupe", duplicate_plate, None))
    body = push(client, login("zhangwei"), "c-dupe", [mutation(1, "test.dupe", {}),
                                                       create_inspection(2, officers["lina"])]).get_json()
    assert [(r["status"], r.get("code")) for r in body["results"]] == [("rejected", "internal"), ("applied", None)]
    assert body["last_seq"] == 2


def test_transient_database_fault_is_503_with_retry_after_and_nothing_recorded(client, login, officers, monkeypatch):
    from server.services import mutations

    calls = []

    def flaky(ctx, args):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("UPDATE", {}, Exception("database is locked"))
        from sync import Outcome
        return Outcome()

    mutations.load_all()
    monkeypatch.setitem(mutations.HANDLERS, "test.flaky", mutations.Registered("test.flaky", flaky, None))
    headers = login("zhangwei")
    batch = [create_inspection(1, officers["lina"]), mutation(2, "test.flaky", {})]
    busy = push(client, headers, "c-flaky", batch)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "2"
    assert busy.get_json()["error"]["code"] == "database-busy"
    retried = push(client, headers, "c-flaky", batch).get_json()
    assert [r["status"] for r in retried["results"]] == ["applied", "applied"] and retried["last_seq"] == 2


def test_revoked_device_push_is_refused_and_told_to_keep_its_outbox(app, client, login, officers):
    from server.domain.actor import SYSTEM
    from server.services import auth
    from server.services.uow import UnitOfWork

    device_id = f"dev-{uuid.uuid4()}"
    headers = login("zhangwei", device_id=device_id)
    with app.app_context():
        auth.revoke_device(UnitOfWork(), SYSTEM, device_id, "手机丢失")
    resp = push(client, headers, "c-revoked", [create_inspection(1, officers["lina"])])
    assert resp.status_code == 401
    error = resp.get_json()["error"]
    assert error["code"] == "device-revoked" and error["details"]["keep_outbox"] is True
    assert "请勿清除" in error["message"]


def test_pull_is_scoped_to_the_unit_subtree_and_paginated_by_cookie(client, login, officers, db_session):
    from server.adapters.models import Unit

    created = create_inspection(1, officers["lina"])
    push(client, login("zhangwei"), "c-pull", [created])
    inspection_id = created["args"]["id"]

    def everything(headers, limit):
        cookie, seen, pages = 0, [], 0
        while True:
            body = client.get(f"/api/sync/pull?cookie={cookie}&limit={limit}", headers=headers).get_json()
            seen += body["changes"]
            pages += 1
            assert body["cookie"] >= cookie
            cookie = body["cookie"]
            if not body["more"]:
                return seen, pages

    dd01, pages = everything(login("lina"), limit=3)
    seqs = [c["seq"] for c in dd01]
    assert seqs == sorted(set(seqs)) and pages > 1
    assert any(c["entity_id"] == inspection_id for c in dd01)
    dd02, _ = everything(login("wangqiang"), limit=50)
    assert not any(c["entity_id"] == inspection_id for c in dd02)
    leader, _ = everything(login("leader"), limit=50)  # 支队 sees both brigades
    assert any(c["entity_id"] == inspection_id for c in leader)
    dd02_unit = db_session.scalar(select(Unit.id).where(Unit.code == "DD02"))
    assert {c["unit_id"] for c in dd02} == {0, dd02_unit}  # own unit + reference data, nothing else
