"""Web Push subscriptions, in-app notifications (提醒) and the push outbox the worker drains."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.adapters.models.base import BigId, Base, utcnow


class PushSubscription(Base):
    """A browser's PushSubscription for one officer's device; deleted when the push service says 404/410."""

    __tablename__ = "push_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    device_id: Mapped[Optional[str]] = mapped_column(String(64))
    endpoint: Mapped[str] = mapped_column(String(1024), unique=True)
    p256dh: Mapped[str] = mapped_column(String(128))
    auth: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_success_at: Mapped[Optional[datetime]] = mapped_column()


class Notification(Base):
    """One reminder for one officer. ``dedupe_key`` is unique: the same event never notifies twice."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_officer_created", "officer_id", "created_at"),
                      Index("ix_notifications_push_due", "push_state", "push_after"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    unit_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(48))
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(255))  # PWA route opened by a click, e.g. /#/patrol
    entity_type: Mapped[Optional[str]] = mapped_column(String(64))
    entity_id: Mapped[Optional[str]] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[Optional[datetime]] = mapped_column()
    push_state: Mapped[str] = mapped_column(String(16), default="pending")  # pending / queued / none
    push_after: Mapped[datetime] = mapped_column(default=utcnow)  # later than created_at in quiet hours


class PushDelivery(Base):
    """Outbox row: one notification to one subscription, retried with backoff until sent or given up."""

    __tablename__ = "push_deliveries"
    __table_args__ = (Index("ix_push_deliveries_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending / sent / failed / gone
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_status: Mapped[Optional[int]] = mapped_column(Integer)
    last_error: Mapped[Optional[str]] = mapped_column(String(500))
    sent_at: Mapped[Optional[datetime]] = mapped_column()
