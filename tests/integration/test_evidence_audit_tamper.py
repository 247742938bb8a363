"""防删改: editing or deleting an audited row directly in the database makes `roadside audit verify` and
GET /api/admin/audit/verify fail at that row. Evidence here is created by calling the handlers directly."""
from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy import select

import factories
from evidence_support import jpeg_bytes
from server.adapters.models import AuditEntry, Evidence
from sync import Status


@pytest.fixture
def attached(app, client, login, demo):
    """Two photos attached by zhangwei via evidence.attach, the second one voided: returns their ids."""
    from server.domain.actor import Actor
    from server.extensions import db
    from server.services.mutations import MutationContext, load_all
    from server.services.uow import UnitOfWork

    headers = login("zhangwei", "dev-tamper-test")
    handlers = load_all()
    ids = []
    with app.test_request_context():
        officer = factories.officer(db.session, "zhangwei")
        actor = Actor(officer_id=officer.id, unit_id=officer.unit_id, unit_path=officer.unit.path,
                      roles=frozenset(officer.roles), device_id="dev-tamper-test", full_name=officer.full_name)
        inspection_id = factories.inspection(db.session, "DD01", "zhangwei").id

        def run(name, raw):
            registered = handlers[name]
            ctx = MutationContext(uow=UnitOfWork(), actor=actor, client_id="c-1", mutation_id=str(uuid.uuid4()),
                                  seq=1, created_at_device=None, config=app.config, now=datetime.now(timezone.utc))
            outcome = registered.handler(ctx, registered.schema().load(raw))
            ctx.uow.commit()
            return outcome

        for color in ((10, 20, 30), (40, 50, 60)):
            data = jpeg_bytes(color=color)
            digest = hashlib.sha256(data).hexdigest()
            assert client.put(f"/api/blobs/{digest}", data=data, headers=headers).status_code == 201
            evidence_id = str(uuid.uuid4())
            outcome = run("evidence.attach", {"id": evidence_id, "inspection_id": inspection_id, "kind": "photo",
                                              "sha256": digest, "bytes": len(data), "mime": "image/jpeg",
                                              "taken_at": datetime.now(timezone.utc).isoformat()})
            assert outcome.status is Status.APPLIED
            ids.append(evidence_id)
        assert run("evidence.void", {"id": str(uuid.uuid4()), "evidence_id": ids[1],
                                     "reason": "重复"}).status is Status.APPLIED
    return ids


def cli_verify(app):
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def api_verify(client, login):
    resp = client.get("/api/admin/audit/verify", headers=login("admin"))
    assert resp.status_code == 200
    return resp.get_json()


def entry_of(db_session, evidence_id, action):
    return db_session.scalar(select(AuditEntry).where(AuditEntry.entity_id == evidence_id,
                                                      AuditEntry.action == action))


def execute(db_session, statement, **params):
    db_session.execute(sa.text(statement) if isinstance(statement, str) else statement, params)
    db_session.commit()


def test_an_untouched_database_verifies(app, client, login, attached):
    code, output = cli_verify(app)
    assert code == 0 and "审计链完整" in output
    report = api_verify(client, login)
    assert report["ok"] is True and report["breaks"] == [] and report["entries_checked"] > 0


def test_editing_an_audit_entry_breaks_the_chain_at_that_row(app, client, login, db_session, attached):
    entry = entry_of(db_session, attached[0], "evidence.attach")
    chain, seq, entry_id = entry.chain, entry.seq, entry.id
    execute(db_session, "UPDATE audit_entries SET entity_id = 'forged' WHERE id = :id", id=entry_id)
    code, output = cli_verify(app)
    assert code == 1
    assert f"审计链 {chain} 在第 {seq} 条（记录 id {entry_id}）断裂" in output
    report = api_verify(client, login)
    assert report["ok"] is False
    assert [(b["chain"], b["seq"], b["entry_id"]) for b in report["breaks"]][0] == (chain, seq, entry_id)


def test_editing_the_json_data_of_an_audit_entry_is_caught(app, client, login, db_session, attached):
    entry = entry_of(db_session, attached[1], "evidence.void")
    forged = {**entry.data, "reason": "从未作废"}
    execute(db_session, sa.update(AuditEntry).where(AuditEntry.id == entry.id).values(data=forged))
    code, output = cli_verify(app)
    assert code == 1 and f"记录 id {entry.id}" in output and "记录被修改" in output
    assert api_verify(client, login)["breaks"][0]["entry_id"] == entry.id


def test_deleting_an_audit_entry_is_caught_at_the_gap(app, client, login, db_session, attached):
    entry = entry_of(db_session, attached[0], "evidence.attach")
    chain, seq = entry.chain, entry.seq
    execute(db_session, "DELETE FROM audit_entries WHERE id = :id", id=entry.id)
    code, output = cli_verify(app)
    assert code == 1 and f"在第 {seq} 条" in output and "可能被删除" in output
    [first] = [b for b in api_verify(client, login)["breaks"] if b["chain"] == chain][:1]
    assert first["seq"] == seq


def test_editing_an_evidence_row_directly_is_caught(app, client, login, db_session, attached):
    entry = entry_of(db_session, attached[0], "evidence.attach")
    execute(db_session, "UPDATE evidence SET note = '事后补写的说明' WHERE id = :id", id=attached[0])
    code, output = cli_verify(app)
    assert code == 1 and attached[0] in output and "记录被直接修改" in output
    [brk] = api_verify(client, login)["breaks"]
    assert (brk["chain"], brk["seq"], brk["entry_id"]) == (entry.chain, entry.seq, entry.id)


def test_un_voiding_evidence_in_the_database_is_caught(app, client, login, db_session, attached):
    execute(db_session, "UPDATE evidence SET voided_at = NULL, void_reason = NULL WHERE id = :id", id=attached[1])
    void_entry = entry_of(db_session, attached[1], "evidence.void")
    [brk] = api_verify(client, login)["breaks"]
    assert brk["entry_id"] == void_entry.id


def test_deleting_an_evidence_row_is_caught(app, client, login, db_session, attached):
    execute(db_session, "DELETE FROM evidence WHERE id = :id", id=attached[0])
    assert db_session.get(Evidence, attached[0]) is None
    code, output = cli_verify(app)
    assert code == 1 and f"证据 {attached[0]} 的记录已被删除" in output
    assert not api_verify(client, login)["ok"]


def test_only_admins_may_run_the_verification(client, login, attached):
    resp = client.get("/api/admin/audit/verify", headers=login("leader"))
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
