"""`roadside create-admin`: a working admin account for an existing unit, or a clear refusal that writes nothing."""
import pytest
from sqlalchemy import func, select

from server.adapters import passwords
from server.adapters.models import AuditEntry, Change, Officer
from tests import factories

NEW_PASSWORD = "new-admin-password-2026"


def create_admin(app, *args):
    return app.test_cli_runner().invoke(args=["create-admin", *args])


def counts(db_session) -> dict[str, int]:
    db_session.expire_all()
    return {model.__tablename__: db_session.scalar(select(func.count()).select_from(model))
            for model in (Officer, AuditEntry, Change)}


def test_create_admin_makes_an_admin_of_that_unit_who_can_log_in(app, client, demo, db_session):
    result = create_admin(app, "--username", "ops_admin", "--full-name", "运维管理员", "--unit-code", "DD01",
                          "--password", NEW_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "ops_admin" in result.output

    db_session.expire_all()
    officer = factories.officer(db_session, "ops_admin")
    assert officer.unit_id == factories.unit(db_session, "DD01").id
    assert officer.roles == ["admin"] and officer.full_name == "运维管理员"
    audit = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "officer.create",
                                                       AuditEntry.entity_id == str(officer.id)))
    assert audit is not None and audit.chain == officer.unit_id

    resp = client.post("/api/auth/login", json={"username": "ops_admin", "password": NEW_PASSWORD,
                                                "device_id": "dev-cli-admin-1", "device_name": "pytest"})
    assert resp.status_code == 200, resp.get_json()
    me = client.get("/api/me", headers={"Authorization": f"Bearer {resp.get_json()['access_token']}"}).get_json()
    assert me["officer"]["username"] == "ops_admin" and me["officer"]["roles"] == ["admin"]
    wrong = client.post("/api/auth/login", json={"username": "ops_admin", "password": "not-the-password",
                                                 "device_id": "dev-cli-admin-1", "device_name": "pytest"})
    assert wrong.status_code == 401


def test_create_admin_stores_an_argon2_hash_not_the_password(app, demo, db_session):
    assert create_admin(app, "--username", "ops_admin", "--unit-code", "ZD01",
                        "--password", NEW_PASSWORD).exit_code == 0
    db_session.expire_all()
    stored = factories.officer(db_session, "ops_admin").password_hash
    assert stored.startswith("$argon2id$")
    assert NEW_PASSWORD not in stored
    assert passwords.verify_password(stored, NEW_PASSWORD)


@pytest.mark.parametrize("args, expected", [
    (["--username", "zhangwei", "--unit-code", "DD01"], "zhangwei"),  # a demo officer's username
    (["--username", "ops_admin", "--unit-code", "NO-SUCH-UNIT"], "NO-SUCH-UNIT"),
])
def test_create_admin_refuses_a_taken_username_or_unknown_unit_and_writes_nothing(app, demo, db_session, args,
                                                                                  expected):
    before = counts(db_session)
    zhangwei_hash = factories.officer(db_session, "zhangwei").password_hash
    result = create_admin(app, *args, "--password", NEW_PASSWORD)
    assert result.exit_code != 0
    # A clear message (click's "Error: ..."), not a traceback from an unhandled exception.
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Error:" in result.output and expected in result.output
    assert "Traceback" not in result.output
    assert counts(db_session) == before
    assert factories.officer(db_session, "zhangwei").password_hash == zhangwei_hash
