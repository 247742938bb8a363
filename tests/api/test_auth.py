"""Login, lockout, rate limiting, token expiry, refresh rotation and device revocation through HTTP."""
from datetime import timedelta

import jwt

from server.domain.timeutil import utcnow
from tests.conftest import DEMO_PASSWORD, TEST_SECRET


def _login(client, username="zhangwei", password=DEMO_PASSWORD, device_id="dev-aaaaaaaa", **environ):
    return client.post("/api/auth/login", json={"username": username, "password": password, "device_id": device_id},
                       environ_base=environ)


def test_login_returns_short_lived_token_and_me_works(client, demo):
    resp = _login(client)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["expires_in"] == 900 and body["token_type"] == "Bearer"
    me = client.get("/api/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.get_json()["officer"]["full_name"] == "张伟"
    assert me.get_json()["state"] == "valid"


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, demo):
    for username in ("zhangwei", "nobody"):
        resp = _login(client, username=username, password="wrong-password")
        assert resp.status_code == 401
        assert resp.get_json()["error"]["code"] == "invalid-credentials"
        assert resp.get_json()["error"]["message"] == "用户名或密码错误"


def test_account_locks_after_repeated_failures_even_with_the_right_password(client, demo):
    for _ in range(5):
        assert _login(client, password="nope").status_code == 401
    resp = _login(client)
    assert resp.status_code == 423
    assert resp.get_json()["error"]["code"] == "account-locked"
    # Another officer is not affected.
    assert _login(client, username="lina", device_id="dev-bbbbbbbb").status_code == 200


def test_one_address_is_rate_limited_across_usernames(client, demo):
    for i in range(20):
        _login(client, username=f"guess{i}", password="x", REMOTE_ADDR="10.9.9.9")
    resp = _login(client, REMOTE_ADDR="10.9.9.9")
    assert resp.status_code == 429
    assert resp.get_json()["error"]["code"] == "too-many-attempts"
    assert resp.headers["Retry-After"] == "300"
    assert _login(client, REMOTE_ADDR="10.1.1.1").status_code == 200


def test_expired_access_token_is_refused_with_its_own_code(client, demo):
    officer_id = _login(client).get_json()["officer_id"]
    past = utcnow() - timedelta(hours=1)
    token = jwt.encode({"sub": str(officer_id), "dev": "dev-aaaaaaaa", "typ": "access",
                        "iat": int(past.timestamp()), "exp": int((past + timedelta(minutes=15)).timestamp())},
                       TEST_SECRET, algorithm="HS256")
    resp = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "token-expired"


def test_forged_token_is_refused(client, demo):
    token = jwt.encode({"sub": "1", "dev": "dev-aaaaaaaa", "typ": "access", "exp": 9999999999}, "not-our-secret-but-long-enough-for-hs256!!",
                       algorithm="HS256")
    resp = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.get_json()["error"]["code"] == "token-invalid"


def test_missing_token_is_unauthenticated(client, demo):
    resp = client.get("/api/me")
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "unauthenticated"


def test_refresh_rotates_and_a_reused_refresh_token_logs_the_device_out(client, demo):
    first = _login(client).get_json()
    second = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    new = second.get_json()
    assert new["refresh_token"] != first["refresh_token"]
    # The old one again: treated as theft, every token of the device dies.
    reuse = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.get_json()["error"]["code"] == "refresh-reused"
    dead = client.post("/api/auth/refresh", json={"refresh_token": new["refresh_token"]})
    assert dead.status_code == 401


def test_revoked_device_loses_access_at_once(client, demo, login):
    officer = _login(client, device_id="dev-lost-phone").get_json()
    headers = {"Authorization": f"Bearer {officer['access_token']}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    admin = login("admin")
    resp = client.post("/api/admin/devices/dev-lost-phone/revoke", json={"reason": "手机遗失"}, headers=admin)
    assert resp.status_code == 200 and resp.get_json()["revoked_at"]
    refused = client.get("/api/me", headers=headers)
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "device-revoked"
    assert "未同步" in refused.get_json()["error"]["message"]
    assert client.post("/api/auth/refresh", json={"refresh_token": officer["refresh_token"]}).status_code == 401
    relogin = _login(client, device_id="dev-lost-phone")
    assert relogin.get_json()["error"]["code"] == "device-revoked"


def test_officer_cannot_revoke_someone_elses_device(client, demo, login):
    _login(client, username="lina", device_id="dev-lina-phone")
    resp = client.post("/api/admin/devices/dev-lina-phone/revoke", json={"reason": "试试"}, headers=login("zhangwei"))
    assert resp.status_code == 403


def test_logout_kills_refresh_tokens(client, demo):
    body = _login(client).get_json()
    assert client.post("/api/auth/logout", headers={"Authorization": f"Bearer {body['access_token']}"}).status_code == 204
    assert client.post("/api/auth/refresh", json={"refresh_token": body["refresh_token"]}).status_code == 401


def test_password_is_stored_as_argon2id(db_session, demo):
    from tests.factories import officer

    assert officer(db_session, "zhangwei").password_hash.startswith("$argon2id$")


def test_login_is_audited(client, demo, db_session):
    from sqlalchemy import select

    from server.adapters.models import AuditEntry

    _login(client)
    actions = db_session.scalars(select(AuditEntry.action)).all()
    assert "auth.login" in actions
