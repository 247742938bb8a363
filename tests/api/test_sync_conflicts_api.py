"""Conflicts a person settles: same-field edits, contested first-violation exemptions; parked mutations;
document number blocks."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from sync import Rejected
from tests.sync_helpers import create_inspection, officer_id, party_id, update_inspection

CODE = "GL-69-TUOXING"


def push(client, headers, client_id, mutations):
    return client.post("/api/sync/push", json={"client_id": client_id, "mutations": mutations}, headers=headers)


def pull_all(client, headers):
    cookie, out = 0, []
    while True:
        body = client.get(f"/api/sync/pull?cookie={cookie}&limit=500", headers=headers).get_json()
        out += body["changes"]
        cookie = body["cookie"]
        if not body["more"]:
            return out


@pytest.fixture
def ids(db_session, demo):
    return {"zhangwei": officer_id(db_session, "zhangwei"), "lina": officer_id(db_session, "lina"),
            "party": party_id(db_session, "刘某军")}


def test_same_field_edited_on_two_devices_is_one_conflict_settled_by_the_reviewer(client, login, ids, db_session):
    from server.adapters.models import Inspection

    zw, ln = login("zhangwei"), login("lina")
    created = create_inspection(1, ids["lina"])
    push(client, zw, "c-zw", [created])
    iid, facts = created["args"]["id"], created["args"]["facts"]
    ours = push(client, zw, "c-zw", [update_inspection(2, iid, 1, {"facts": facts, "place": created["args"]["place"]},
                                                       {"facts": "张伟的版本", "place": "新地点"})]).get_json()
    assert ours["results"][0]["status"] == "applied"
    theirs = push(client, ln, "c-ln", [update_inspection(1, iid, 1, {"facts": facts}, {"facts": "李娜的版本"})]).get_json()
    result = theirs["results"][0]
    assert (result["status"], result["code"]) == ("conflict", "field-conflict")
    assert db_session.get(Inspection, iid).facts == "张伟的版本"  # the server value stays
    reviewer = login("reviewer")
    (conflict,) = client.get("/api/conflicts", headers=reviewer).get_json()
    assert (conflict["field"], conflict["base"], conflict["server_value"], conflict["device_value"]) == \
        ("facts", facts, "张伟的版本", "李娜的版本")
    assert client.get("/api/conflicts", headers=ln).get_json()[0]["id"] == conflict["id"]  # the officer sees theirs
    assert client.get("/api/conflicts", headers=zw).get_json() == []
    refused = client.post(f"/api/conflicts/{conflict['id']}/resolve", json={"resolution": "take_device"}, headers=ln)
    assert refused.status_code == 403
    stale = client.post(f"/api/conflicts/{conflict['id']}/resolve", json={"resolution": "take_device"},
                        headers={**reviewer, "If-Match": '"9"'})
    assert stale.status_code == 412
    done = client.post(f"/api/conflicts/{conflict['id']}/resolve", json={"resolution": "take_device"}, headers=reviewer)
    assert done.status_code == 200 and done.get_json()["status"] == "resolved"
    db_session.expire_all()
    row = db_session.get(Inspection, iid)
    assert (row.facts, row.place, row.version) == ("李娜的版本", "新地点", 3)
    again = client.post(f"/api/conflicts/{conflict['id']}/resolve", json={"resolution": "keep_server"}, headers=reviewer)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict-already-resolved"
    changes = pull_all(client, ln)  # the resolution syncs: the inspection's new version and the settled conflict
    latest = [c for c in changes if c["entity_id"] == iid][-1]
    assert latest["version"] == 3 and latest["payload"]["facts"] == "李娜的版本"
    settled = [c for c in changes if c["entity_type"] == "conflict" and c["entity_id"] == str(conflict["id"])]
    assert settled[-1]["payload"]["resolution"] == "take_device"


def test_different_fields_edited_on_two_devices_merge_silently(client, login, ids, db_session):
    from server.adapters.models import Inspection, SyncConflict

    created, zw = create_inspection(1, ids["lina"]), login("zhangwei")
    push(client, zw, "c-zw", [created])
    iid = created["args"]["id"]
    push(client, zw, "c-zw", [update_inspection(2, iid, 1, {"facts": created["args"]["facts"]}, {"facts": "补充事实"})])
    body = push(client, login("lina"), "c-ln", [update_inspection(1, iid, 1, {"place": created["args"]["place"]},
                                                                   {"place": "修正地点"})]).get_json()
    assert body["results"][0]["status"] == "merged"
    row = db_session.get(Inspection, iid)
    assert (row.facts, row.place, row.version) == ("补充事实", "修正地点", 3)
    assert db_session.scalars(select(SyncConflict)).all() == []


def test_custom_resolution_is_validated_like_an_edit(client, login, ids):
    created, zw = create_inspection(1, ids["lina"]), login("zhangwei")
    push(client, zw, "c-zw", [created])
    iid = created["args"]["id"]
    push(client, zw, "c-zw", [update_inspection(2, iid, 1, {"party_id": None}, {"party_id": ids["party"]})])
    push(client, login("lina"), "c-ln", [update_inspection(1, iid, 1, {"party_id": None}, {"party_id": ids["party"] + 1})])
    reviewer = login("reviewer")
    (conflict,) = client.get("/api/conflicts", headers=reviewer).get_json()
    bad = client.post(f"/api/conflicts/{conflict['id']}/resolve", json={"resolution": "custom", "value": 999999},
                      headers=reviewer)
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "party-unknown"
    missing = client.post(f"/api/conflicts/{conflict['id']}/resolve", json={"resolution": "custom"}, headers=reviewer)
    assert missing.get_json()["error"]["code"] == "resolution-value-missing"


def test_first_violation_claim_is_contested_when_the_server_knows_an_earlier_one(client, login, ids, db_session):
    from server.adapters.models import Inspection

    earlier = create_inspection(1, ids["zhangwei"], party=ids["party"], catalog_code=CODE,
                                occurred_at=datetime.now(timezone.utc) - timedelta(days=30))
    assert push(client, login("lina"), "c-ln", [earlier]).get_json()["results"][0]["status"] == "applied"
    claim = create_inspection(1, ids["lina"], party=ids["party"], catalog_code=CODE, first_violation=True)
    result = push(client, login("zhangwei"), "c-zw", [claim]).get_json()["results"][0]
    assert (result["status"], result["code"]) == ("conflict", "exemption-contested")
    row = db_session.get(Inspection, claim["args"]["id"])
    assert row is not None and row.exemption_status == "contested"  # the officer's record is kept
    reviewer = login("reviewer")
    (conflict,) = client.get("/api/conflicts", headers=reviewer).get_json()
    assert conflict["kind"] == "exemption" and conflict["assignee_role"] == "legal_reviewer"
    assert conflict["base"]["earlier"][0]["inspection_id"] == earlier["args"]["id"]
    resp = client.post(f"/api/conflicts/{conflict['id']}/resolve", json={"resolution": "keep_server"}, headers=reviewer)
    assert resp.status_code == 200
    db_session.expire_all()
    assert db_session.get(Inspection, claim["args"]["id"]).exemption_status == "denied"


def test_an_earlier_violation_arriving_late_contests_the_newer_claim(client, login, ids, db_session):
    from server.adapters.models import Inspection

    claim = create_inspection(1, ids["lina"], party=ids["party"], catalog_code=CODE, first_violation=True)
    assert push(client, login("zhangwei"), "c-zw", [claim]).get_json()["results"][0]["status"] == "applied"
    assert db_session.get(Inspection, claim["args"]["id"]).exemption_status == "claimed"
    late = create_inspection(1, ids["zhangwei"], party=ids["party"], catalog_code=CODE,
                             occurred_at=datetime.now(timezone.utc) - timedelta(days=3))
    assert push(client, login("lina"), "c-ln", [late]).get_json()["results"][0]["status"] == "applied"
    db_session.expire_all()
    assert db_session.get(Inspection, claim["args"]["id"]).exemption_status == "contested"
    assert len(client.get("/api/conflicts", headers=login("reviewer")).get_json()) == 1


def test_edit_of_an_inspection_not_yet_synced_waits_and_settles_when_it_arrives(client, login, ids, db_session):
    from server.adapters.models import AuditEntry, Inspection

    created = create_inspection(1, ids["lina"])
    iid = created["args"]["id"]
    edit = update_inspection(1, iid, 1, {"facts": created["args"]["facts"]}, {"facts": "搭档补充"})
    ln, zw = login("lina"), login("zhangwei")
    waiting = push(client, ln, "c-ln", [edit]).get_json()
    assert waiting["results"][0]["status"] == "waiting" and waiting["last_seq"] == 1
    assert waiting["results"][0]["details"]["missing"] == [{"type": "inspection", "id": iid}]
    arrived = push(client, zw, "c-zw", [created]).get_json()
    assert [(r["id"], r["status"]) for r in arrived["settled"]] == [(edit["id"], "applied")]
    assert db_session.get(Inspection, iid).facts == "搭档补充"
    editor = db_session.scalar(select(AuditEntry.actor_id).where(AuditEntry.entity_id == iid,
                                                                 AuditEntry.action == "inspection.update"))
    assert editor == ids["lina"]  # settled by 张伟's push, but recorded as 李娜's edit
    assert push(client, ln, "c-ln", [edit]).get_json()["results"][0]["status"] == "applied"


def test_number_blocks_never_overlap_and_a_number_is_used_once(app, client, login, db_session):
    from server.services import numbering
    from server.services.uow import UnitOfWork

    device = "dev-blocks-1"
    headers = login("zhangwei", device_id=device)
    first = client.post("/api/sync/number-blocks", json={"doc_type": "commitment_letter", "size": 10}, headers=headers)
    second = client.post("/api/sync/number-blocks", json={"doc_type": "commitment_letter"}, headers=login("lina"))
    assert first.status_code == 201 and second.status_code == 201
    a, b = first.get_json(), second.get_json()
    assert (a["start"], a["end"], b["start"], b["end"]) == (1, 10, 11, 60)
    bad = client.post("/api/sync/number-blocks", json={"doc_type": "love_letter"}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "doc-type-unknown"
    common = dict(unit_id=a["unit_id"], doc_type="commitment_letter", year=a["year"], block_id=a["id"])
    with app.app_context():
        uow = UnitOfWork()
        numbering.use_leased_number(uow, device_id=device, number=3, document_id="doc-1", **common)
        uow.commit()
        for kwargs, code in [({"number": 3}, "number-already-used"), ({"number": 11}, "number-outside-block"),
                             ({"number": 4, "device_id": "dev-other"}, "number-block-not-yours")]:
            with pytest.raises(Rejected) as err:
                numbering.use_leased_number(uow, **{"device_id": device, "document_id": "doc-2", **common, **kwargs})
            assert err.value.code == code
            uow.rollback()
