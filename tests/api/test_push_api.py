"""Push subscription endpoints (bad input → 400 in the one error shape) and the in-app notification list."""
from __future__ import annotations

import base64
import os
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from server.adapters.models import PushSubscription
from server.services import notifications
from tests import factories


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def good_subscription(endpoint="https://fcm.googleapis.com/fcm/send/abc123") -> dict:
    public = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": b64u(public), "auth": b64u(os.urandom(16))}}


def test_vapid_key_is_generated_once_and_served(client, demo):
    first = client.get("/api/push/key").get_json()["public_key"]
    assert client.get("/api/push/key").get_json()["public_key"] == first
    raw = base64.urlsafe_b64decode(first + "==")
    assert len(raw) == 65 and raw[0] == 4
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)


def test_subscribe_is_idempotent_per_endpoint_and_unsubscribe_removes_it(client, login, db_session):
    headers = login("zhangwei")
    sub = good_subscription()
    assert client.post("/api/push/subscriptions", json=sub, headers=headers).status_code == 201
    assert client.post("/api/push/subscriptions", json=sub, headers=headers).status_code == 201
    assert db_session.scalar(select(func.count()).select_from(PushSubscription)) == 1
    resp = client.delete("/api/push/subscriptions", json={"endpoint": sub["endpoint"]}, headers=headers)
    assert resp.status_code == 204
    assert db_session.scalar(select(func.count()).select_from(PushSubscription)) == 0


def _break(sub, path, value):
    if path == "endpoint":
        sub["endpoint"] = value
    elif value is None:
        del sub["keys"][path]
    else:
        sub["keys"][path] = value
    return sub


@pytest.mark.parametrize("path,value,field", [
    ("endpoint", "not a url", "endpoint"),
    ("endpoint", "ftp://push.example.com/x", "endpoint"),
    ("endpoint", "http://push.example.com/x", "endpoint"),  # plain http only to loopback
    ("endpoint", 42, "endpoint"),
    ("p256dh", b64u(b"\x04" + b"\x01" * 64), "keys.p256dh"),  # not a point on P-256
    ("p256dh", b64u(os.urandom(33)), "keys.p256dh"),
    ("p256dh", "%%%not-base64%%%", "keys.p256dh"),
    ("p256dh", None, "keys.p256dh"),
    ("auth", b64u(os.urandom(8)), "keys.auth"),
    ("auth", None, "keys.auth"),
])
def test_malformed_subscription_is_400_and_nothing_is_stored(client, login, db_session, path, value, field):
    resp = client.post("/api/push/subscriptions", json=_break(good_subscription(), path, value),
                       headers=login("zhangwei"))
    body = resp.get_json()
    assert resp.status_code == 400, body
    assert body["error"]["code"] == "subscription-invalid" and field in body["error"]["details"]["fields"]
    assert db_session.scalar(select(func.count()).select_from(PushSubscription)) == 0


def test_subscription_body_that_is_not_an_object_is_400(client, login):
    headers = login("zhangwei")
    for kwargs in ({"data": "nonsense", "content_type": "application/json"}, {"json": [1, 2]}):
        resp = client.post("/api/push/subscriptions", headers=headers, **kwargs)
        assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "subscription-invalid"


def test_subscribe_needs_a_login(client, demo):
    resp = client.post("/api/push/subscriptions", json=good_subscription())
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "unauthenticated"


def test_notification_list_and_read_state_are_per_officer(client, login, db_session):
    zhang, li = login("zhangwei"), login("lina")
    officer = factories.officer(db_session, "zhangwei")
    now = datetime.now(timezone.utc)
    for key in ("a", "b"):
        notifications.notify(db_session, notifications.Reminder(officer.id, officer.unit_id, "test", f"t:{key}",
                                                                f"标题{key}", "内容", "/#/"), now, None)
    db_session.commit()
    listed = client.get("/api/notifications", headers=zhang).get_json()
    assert listed["unread"] == 2 and [n["title"] for n in listed["items"]] == ["标题b", "标题a"]
    first = listed["items"][0]["id"]
    assert client.post(f"/api/notifications/{first}/read", headers=li).status_code == 404
    assert client.post(f"/api/notifications/{first}/read", headers=zhang).get_json()["read_at"]
    assert client.get("/api/notifications?unread=true", headers=zhang).get_json()["unread"] == 1
    assert client.post("/api/notifications/read-all", headers=zhang).get_json() == {"marked": 1}
    assert client.get("/api/notifications", headers=li).get_json() == {"items": [], "unread": 0}
