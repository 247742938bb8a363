"""In-app notifications (提醒): stored once per event (unique dedupe key), read state, quiet hours for push.

Notifications are derived from records that are already audited, so they are not written to the audit
chain or the sync change stream: the phone fetches its list from ``/api/notifications``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.adapters.models import Notification
from server.domain.actor import Actor
from server.domain.errors import NotFound
from server.domain.timeutil import SHANGHAI
from server.services.uow import UnitOfWork


@dataclass(frozen=True)
class Reminder:
    """What a rule wants said to one officer. ``dedupe_key`` names the event, e.g. ``cert-expiring:7:2026-12-01``."""

    officer_id: int
    unit_id: int
    kind: str
    dedupe_key: str
    title: str
    body: str
    url: str
    entity_type: str | None = None
    entity_id: str | None = None


def parse_quiet_hours(spec: str) -> tuple[int, int] | None:
    """``"22-7"`` → (22, 7): no pushes from 22:00 to 07:00 local. Empty or ``off`` disables."""
    spec = (spec or "").strip().lower()
    if spec in ("", "off", "none"):
        return None
    start, end = (int(part) for part in spec.split("-"))
    if not (0 <= start <= 23 and 0 <= end <= 23) or start == end:
        raise ValueError(f"QUIET_HOURS 格式应为 起-止 小时，例如 22-7（当前：{spec}）")
    return start, end


def push_after(now: datetime, quiet: tuple[int, int] | None) -> datetime:
    """When a notification created at ``now`` may be pushed: at once, or when the quiet hours end."""
    if quiet is None:
        return now
    start, end = quiet
    local = now.astimezone(SHANGHAI)
    hour = local.hour
    in_quiet = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not in_quiet:
        return now
    wake = datetime.combine(local.date(), time(end), SHANGHAI)
    if wake <= local:
        wake += timedelta(days=1)
    return wake.astimezone(now.tzinfo)


def notify(session: Session, reminder: Reminder, now: datetime, quiet: tuple[int, int] | None) -> Notification | None:
    """Store the reminder unless its event was already notified. Returns the new row or None."""
    if session.scalar(select(Notification.id).where(Notification.dedupe_key == reminder.dedupe_key)) is not None:
        return None
    row = Notification(officer_id=reminder.officer_id, unit_id=reminder.unit_id, kind=reminder.kind,
                       dedupe_key=reminder.dedupe_key, title=reminder.title, body=reminder.body, url=reminder.url,
                       entity_type=reminder.entity_type, entity_id=reminder.entity_id, created_at=now,
                       push_state="pending", push_after=push_after(now, quiet))
    try:
        with session.begin_nested():  # another worker inserted the same event in between: theirs stands
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row


def list_for(uow: UnitOfWork, actor: Actor, *, unread_only: bool = False, limit: int = 100) -> dict:
    with uow:
        stmt = select(Notification).where(Notification.officer_id == actor.officer_id)
        if unread_only:
            stmt = stmt.where(Notification.read_at.is_(None))
        items = uow.session.scalars(stmt.order_by(Notification.created_at.desc(), Notification.id.desc())
                                    .limit(limit)).all()
        unread = uow.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.officer_id == actor.officer_id, Notification.read_at.is_(None)))
        return {"items": items, "unread": unread}


def mark_read(uow: UnitOfWork, actor: Actor, notification_id: int, now: datetime) -> Notification:
    with uow:
        row = uow.session.get(Notification, notification_id)
        if row is None or row.officer_id != actor.officer_id:
            raise NotFound(message="提醒不存在")
        if row.read_at is None:
            row.read_at = now
        uow.commit()
        return row


def mark_all_read(uow: UnitOfWork, actor: Actor, now: datetime) -> int:
    with uow:
        result = uow.session.execute(update(Notification).where(
            Notification.officer_id == actor.officer_id, Notification.read_at.is_(None)).values(read_at=now))
        uow.commit()
        return result.rowcount
