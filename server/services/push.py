"""Push subscriptions and the outbox the worker drains. Nothing here is called inside a request except
subscribe/unsubscribe: sending happens in ``server/worker.py``.

Each delivery is claimed with a short lease (``next_attempt_at`` pushed forward, ``SKIP LOCKED`` on
PostgreSQL) and committed before the HTTP call, so no transaction stays open while a push service answers
and a crashed sender's claim simply expires.
"""
from __future__ import annotations

import binascii
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from server.adapters import webpush
from server.adapters.models import Device, Notification, PushDelivery, PushSubscription
from server.adapters.signing import unb64u
from server.domain.actor import Actor
from server.domain.errors import DomainError
from server.services.uow import UnitOfWork

MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
CLAIM_LEASE = timedelta(minutes=2)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class SubscriptionInvalid(DomainError):
    status = 400
    code = "subscription-invalid"
    message = "推送订阅信息无效"


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at an hour."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def public_key(uow: UnitOfWork) -> str:
    with uow:
        _, key = webpush.load_or_create_vapid(uow.session)
        uow.commit()
        return key


def validate_subscription(data: Mapping[str, Any], production: bool) -> dict[str, str]:
    """Check what the browser sent before storing it: a push service URL and a usable P-256 key + secret."""
    errors: dict[str, str] = {}
    endpoint = data.get("endpoint")
    keys = data.get("keys") if isinstance(data.get("keys"), Mapping) else {}
    if not isinstance(endpoint, str) or len(endpoint) > 1024:
        errors["endpoint"] = "必须是不超过 1024 字符的网址"
    else:
        parts = urlsplit(endpoint)
        # Push services are always https; plain http only to a loopback host outside production (tests, dev).
        allowed = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK and not production)
        if not allowed or not parts.hostname:
            errors["endpoint"] = "必须是推送服务的 https 地址"
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    try:
        raw = unb64u(p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        if len(raw) != 65:
            raise ValueError
    except (TypeError, ValueError, binascii.Error, AttributeError):
        errors["keys.p256dh"] = "必须是 base64url 编码的 P-256 公钥（65 字节）"
    try:
        if len(unb64u(auth)) != 16:
            raise ValueError
    except (TypeError, ValueError, binascii.Error, AttributeError):
        errors["keys.auth"] = "必须是 base64url 编码的 16 字节认证密钥"
    unknown = set(data) - {"endpoint", "keys", "expirationTime"}
    if unknown:
        errors.update({name: "未知字段" for name in sorted(unknown)})
    if errors:
        raise SubscriptionInvalid(details={"fields": errors})
    return {"endpoint": endpoint, "p256dh": p256dh, "auth": auth}


def subscribe(uow: UnitOfWork, actor: Actor, data: Mapping[str, Any], production: bool) -> PushSubscription:
    """Idempotent per endpoint: a browser re-subscribing (or a phone handed to a colleague) moves the row."""
    clean = validate_subscription(data, production)
    with uow:
        sub = uow.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == clean["endpoint"]))
        if sub is None:
            sub = PushSubscription(endpoint=clean["endpoint"])
            uow.session.add(sub)
        sub.officer_id, sub.device_id = actor.officer_id, actor.device_id
        sub.p256dh, sub.auth = clean["p256dh"], clean["auth"]
        uow.session.flush()
        uow.audit(actor, "push.subscribe", "push_subscription", sub.id, {"device_id": actor.device_id},
                  unit_id=actor.unit_id)
        uow.commit()
        return sub


def unsubscribe(uow: UnitOfWork, actor: Actor, endpoint: str) -> bool:
    with uow:
        sub = uow.session.scalar(select(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.officer_id == actor.officer_id))
        if sub is None:
            return False
        _forget(uow.session, sub.id)
        uow.audit(actor, "push.unsubscribe", "push_subscription", sub.id, {"device_id": actor.device_id},
                  unit_id=actor.unit_id)
        uow.commit()
        return True


def _forget(session: Session, subscription_id: int) -> None:
    # Explicit, not ON DELETE: SQLite only enforces FK actions with PRAGMA foreign_keys on.
    session.execute(update(PushDelivery).where(PushDelivery.subscription_id == subscription_id,
                                               PushDelivery.status == "pending").values(status="gone"))
    session.execute(update(PushDelivery).where(PushDelivery.subscription_id == subscription_id)
                    .values(subscription_id=None))
    session.execute(delete(PushSubscription).where(PushSubscription.id == subscription_id))


def enqueue_due(session: Session, now: datetime, limit: int = 500) -> int:
    """Turn notifications whose push time has come into one delivery per subscription of their officer."""
    due = session.scalars(select(Notification).where(Notification.push_state == "pending",
                                                     Notification.push_after <= now)
                          .order_by(Notification.id).limit(limit).with_for_update(skip_locked=True)).all()
    for n in due:
        # A revoked (lost) phone must not keep showing reminders on its lock screen.
        subs = session.scalars(select(PushSubscription.id)
                               .outerjoin(Device, Device.id == PushSubscription.device_id)
                               .where(PushSubscription.officer_id == n.officer_id, Device.revoked_at.is_(None))).all()
        for sub_id in subs:
            session.add(PushDelivery(notification_id=n.id, subscription_id=sub_id, next_attempt_at=now))
        n.push_state = "queued" if subs else "none"
    session.commit()
    return len(due)


def payload_for(n: Notification) -> dict[str, Any]:
    """What the service worker's ``push`` handler receives (kept far below the 4 KB push limit)."""
    return {"id": n.id, "kind": n.kind, "title": n.title, "body": n.body[:300], "url": n.url,
            "created_at": n.created_at.isoformat()}


def deliver_due(session: Session, cfg: Mapping[str, Any], now: datetime, limit: int = 100,
                send: Callable[..., webpush.PushResult] = webpush.send) -> dict[str, int]:
    """Send every due delivery once; classify each answer. Returns counts by outcome."""
    claimed = session.scalars(select(PushDelivery).where(PushDelivery.status == "pending",
                                                         PushDelivery.next_attempt_at <= now)
                              .order_by(PushDelivery.next_attempt_at, PushDelivery.id).limit(limit)
                              .with_for_update(skip_locked=True)).all()
    for d in claimed:
        d.next_attempt_at = now + CLAIM_LEASE
    jobs = []
    for d in claimed:
        sub = session.get(PushSubscription, d.subscription_id) if d.subscription_id else None
        note = session.get(Notification, d.notification_id)
        info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}} if sub else None
        jobs.append((d.id, d.subscription_id, info, payload_for(note)))
    vapid, _ = webpush.load_or_create_vapid(session)
    session.commit()
    counts = {"sent": 0, "gone": 0, "retry": 0, "failed": 0}
    for delivery_id, sub_id, info, payload in jobs:
        result = (send(info, payload, vapid=vapid, subject=cfg["VAPID_SUBJECT"], ttl=cfg["PUSH_TTL_SECONDS"],
                       timeout=cfg["PUSH_TIMEOUT_SECONDS"]) if info else webpush.PushResult(False, None, gone=True))
        d = session.get(PushDelivery, delivery_id)
        d.attempts += 1
        d.last_status, d.last_error = result.status, result.error or None
        if result.ok:
            d.status, d.sent_at = "sent", now
            session.execute(update(PushSubscription).where(PushSubscription.id == sub_id).values(last_success_at=now))
            counts["sent"] += 1
        elif result.gone:
            d.status = "gone"
            if sub_id:
                _forget(session, sub_id)
            counts["gone"] += 1
        elif result.retry and d.attempts < MAX_ATTEMPTS:
            d.next_attempt_at = now + backoff(d.attempts)
            counts["retry"] += 1
        else:
            d.status = "failed"
            counts["failed"] += 1
        session.commit()
    return counts
