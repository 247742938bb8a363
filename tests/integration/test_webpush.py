"""Real Web Push: the server encrypts and POSTs to a local push endpoint, which decrypts with the
subscription's private key (http_ece, aes128gcm) and checks the VAPID signature against /api/push/key."""
from __future__ import annotations

import base64
import json
import os
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from server.adapters.models import Notification, Officer, PushDelivery, PushSubscription
from server.services import notifications, push

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)  # 11:00 in Shanghai, outside quiet hours


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class PushEndpoint:
    """A stand-in push service: records each request and answers with the next scripted status."""

    def __init__(self, statuses: list[int]):
        self.statuses, self.requests = list(statuses), []
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                endpoint.requests.append((self.headers, body))  # case-insensitive lookup
                self.send_response(endpoint.statuses.pop(0) if endpoint.statuses else 201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/push/device-1"

    def subscription_json(self) -> dict:
        public = self.private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                            serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.url, "expirationTime": None,
                "keys": {"p256dh": b64u(public), "auth": b64u(self.auth_secret)}}

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm")
        return json.loads(plain)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint_factory():
    made = []

    def make(statuses=()):
        made.append(PushEndpoint(list(statuses)))
        return made[-1]

    yield make
    for e in made:
        e.close()


@pytest.fixture
def subscribed(client, login, endpoint_factory):
    def make(statuses=()):
        ep = endpoint_factory(statuses)
        resp = client.post("/api/push/subscriptions", json=ep.subscription_json(), headers=login("zhangwei"))
        assert resp.status_code == 201, resp.get_json()
        return ep

    return make


def remind(db_session, key="test:1", now=NOW):
    officer = db_session.scalar(select(Officer).where(Officer.username == "zhangwei"))
    row = notifications.notify(db_session, notifications.Reminder(
        officer_id=officer.id, unit_id=officer.unit_id, kind="certificate", dedupe_key=key,
        title="执法证即将到期", body="您的执法证将于 2026年12月13日 到期，请及时办理换证。", url="/#/me"), now, None)
    db_session.commit()
    return row


def run_worker(app, db_session, now):
    push.enqueue_due(db_session, now)
    return push.deliver_due(db_session, app.config, now)


def test_push_is_encrypted_to_the_subscription_and_signed_with_the_served_vapid_key(app, client, db_session, subscribed):
    ep = subscribed()
    note = remind(db_session)
    assert run_worker(app, db_session, NOW)["sent"] == 1
    headers, body = ep.requests[0]
    assert ep.decrypt(body) == {"id": note.id, "kind": "certificate", "title": "执法证即将到期",
                                "body": "您的执法证将于 2026年12月13日 到期，请及时办理换证。", "url": "/#/me",
                                "created_at": NOW.isoformat()}
    assert headers["Content-Encoding"] == "aes128gcm" and headers["TTL"] == str(app.config["PUSH_TTL_SECONDS"])
    scheme, params = headers["Authorization"].split(" ", 1)
    fields = dict(p.strip().split("=", 1) for p in params.split(","))
    served = client.get("/api/push/key").get_json()["public_key"]
    assert scheme == "vapid" and fields["k"] == served
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), base64.urlsafe_b64decode(served + "=="))
    claims = jwt.decode(fields["t"], key=key, algorithms=["ES256"], audience=ep.url.rsplit("/push", 1)[0])
    assert claims["sub"] == app.config["VAPID_SUBJECT"]
    delivery = db_session.scalar(select(PushDelivery))
    assert delivery.status == "sent" and delivery.attempts == 1


def test_two_sends_do_not_share_vapid_claims(app, db_session, subscribed):
    ep = subscribed()
    remind(db_session, "test:a")
    remind(db_session, "test:b")
    assert run_worker(app, db_session, NOW)["sent"] == 2
    assert len(ep.requests) == 2


def test_410_from_the_push_service_deletes_the_subscription(app, db_session, subscribed):
    ep = subscribed(statuses=[410])
    remind(db_session)
    assert run_worker(app, db_session, NOW) == {"sent": 0, "gone": 1, "retry": 0, "failed": 0}
    assert db_session.scalar(select(PushSubscription).where(PushSubscription.endpoint == ep.url)) is None
    assert db_session.scalar(select(PushDelivery)).status == "gone"
    remind(db_session, "test:later")
    run_worker(app, db_session, NOW)
    assert len(ep.requests) == 1  # nothing more is sent to a dead subscription


def test_404_from_the_push_service_deletes_the_subscription(app, db_session, subscribed):
    ep = subscribed(statuses=[404])
    remind(db_session)
    assert run_worker(app, db_session, NOW) == {"sent": 0, "gone": 1, "retry": 0, "failed": 0}
    assert len(ep.requests) == 1  # the push service really was asked, and answered 404
    assert db_session.scalar(select(PushSubscription).where(PushSubscription.endpoint == ep.url)) is None
    delivery = db_session.scalar(select(PushDelivery))
    assert delivery.status == "gone" and delivery.last_status == 404 and delivery.subscription_id is None
    remind(db_session, "test:later")
    run_worker(app, db_session, NOW + timedelta(minutes=1))
    assert len(ep.requests) == 1  # nothing more is sent to an unknown subscription


def test_500_is_retried_with_backoff_then_delivered(app, db_session, subscribed):
    ep = subscribed(statuses=[500])
    note = remind(db_session)
    assert run_worker(app, db_session, NOW)["retry"] == 1
    delivery = db_session.scalar(select(PushDelivery))
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.last_status == 500
    assert delivery.next_attempt_at == NOW + push.backoff(1)
    assert run_worker(app, db_session, NOW + timedelta(seconds=5))["sent"] == 0  # not due yet
    assert run_worker(app, db_session, NOW + push.backoff(1))["sent"] == 1
    assert len(ep.requests) == 2 and ep.decrypt(ep.requests[1][1])["id"] == note.id
    db_session.refresh(delivery)
    assert delivery.status == "sent" and delivery.attempts == 2


def test_a_push_service_that_keeps_failing_is_given_up_after_max_attempts(app, db_session, subscribed):
    ep = subscribed(statuses=[503] * push.MAX_ATTEMPTS)
    remind(db_session)
    at = NOW
    for _ in range(push.MAX_ATTEMPTS):
        run_worker(app, db_session, at)
        at += push.BACKOFF_MAX
    delivery = db_session.scalar(select(PushDelivery))
    assert delivery.status == "failed" and delivery.attempts == push.MAX_ATTEMPTS
    assert len(ep.requests) == push.MAX_ATTEMPTS
    assert db_session.scalar(select(PushSubscription)) is not None  # a failing service is not a dead subscription


def test_unreachable_push_service_is_retried(app, db_session, subscribed):
    ep = subscribed()
    ep.close()  # connection refused from now on
    remind(db_session)
    assert run_worker(app, db_session, NOW)["retry"] == 1
    assert db_session.scalar(select(PushDelivery)).last_status is None


def test_quiet_hours_hold_the_push_but_not_the_in_app_notification(app, db_session, subscribed):
    ep = subscribed()
    night = datetime(2026, 11, 23, 15, 30, tzinfo=timezone.utc)  # 23:30 Shanghai
    officer = db_session.scalar(select(Officer).where(Officer.username == "zhangwei"))
    notifications.notify(db_session, notifications.Reminder(officer.id, officer.unit_id, "test", "quiet:1", "t", "b",
                                                            "/#/"), night, notifications.parse_quiet_hours("22-7"))
    db_session.commit()
    assert db_session.scalar(select(Notification)).push_after == datetime(2026, 11, 23, 23, 0, tzinfo=timezone.utc)
    run_worker(app, db_session, night + timedelta(hours=3))
    assert ep.requests == []
    run_worker(app, db_session, datetime(2026, 11, 23, 23, 0, tzinfo=timezone.utc))
    assert len(ep.requests) == 1


def test_a_revoked_phone_gets_no_more_pushes(app, client, login, db_session, endpoint_factory):
    ep = endpoint_factory()
    phone = login("zhangwei", "dev-lost-phone")
    assert client.post("/api/push/subscriptions", json=ep.subscription_json(), headers=phone).status_code == 201
    resp = client.post("/api/admin/devices/dev-lost-phone/revoke", json={"reason": "手机遗失"}, headers=login("admin"))
    assert resp.status_code == 200, resp.get_json()
    note = remind(db_session)
    run_worker(app, db_session, NOW)
    assert ep.requests == []
    db_session.refresh(note)
    assert note.push_state == "none" and note.read_at is None  # still in the in-app list for other devices
