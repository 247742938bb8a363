"""Units, officers and their enforcement certificates (执法证), devices and tokens."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.adapters.models.base import Base, utcnow


class Unit(Base):
    """执法单位: 支队 → 大队 → 中队/执法站所. ``path`` ('/1/4/') makes subtree queries one LIKE."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    level: Mapped[str] = mapped_column(String(16))  # detachment / brigade / squad / station
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("units.id"))
    path: Mapped[str] = mapped_column(String(255), index=True, default="/")
    doc_prefix: Mapped[str] = mapped_column(String(32))  # e.g. 呼交执 for 〔2026〕 numbering
    center_lat: Mapped[Optional[float]] = mapped_column(Float)
    center_lon: Mapped[Optional[float]] = mapped_column(Float)
    radius_m: Mapped[Optional[int]] = mapped_column(Integer)
    polygon: Mapped[Optional[list]] = mapped_column()  # [[lat, lon], ...] when drawn precisely
    training_hours_required: Mapped[int] = mapped_column(Integer, default=90)
    training_legal_hours_required: Mapped[int] = mapped_column(Integer, default=45)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Optional["Unit"]] = relationship(remote_side=[id])


class Officer(Base):
    """执法人员 and every other user of the system (roles decide what they may do)."""

    __tablename__ = "officers"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list] = mapped_column(default=list)  # officer / leader / legal_reviewer / admin
    phone: Mapped[Optional[str]] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[Optional[datetime]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()
    certificate: Mapped[Optional["EnforcementCertificate"]] = relationship(
        back_populates="officer", uselist=False
    )


class EnforcementCertificate(Base):
    """执法证: 持证上岗、亮证执法. Annual review (年审) and status gate who may issue documents."""

    __tablename__ = "enforcement_certificates"
    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), unique=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    issuing_authority: Mapped[str] = mapped_column(String(128))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    annual_review_due: Mapped[Optional[date]] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active / suspended / revoked
    status_reason: Mapped[Optional[str]] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer, default=1)

    officer: Mapped[Officer] = relationship(back_populates="certificate")


class TrainingRecord(Base):
    """Training hours by year and kind (legal / professional / other) — 000: ≥90 h incl. ≥45 h legal."""

    __tablename__ = "training_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    hours: Mapped[float] = mapped_column(Float)
    note: Mapped[Optional[str]] = mapped_column(String(255))


class Device(Base):
    """A phone registered to one officer; revoking it kills its tokens and refuses its pushes."""

    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # client-generated uuid
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    name: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[Optional[datetime]] = mapped_column()
    revoked_at: Mapped[Optional[datetime]] = mapped_column()
    revoked_reason: Mapped[Optional[str]] = mapped_column(String(255))


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[Optional[datetime]] = mapped_column()  # rotated: a second use means theft
    revoked_at: Mapped[Optional[datetime]] = mapped_column()


class LoginAttempt(Base):
    """Per-address attempts for rate limiting (per-user lockout lives on Officer)."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    username: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ServerKey(Base):
    """Key material generated on first start (QR signing, VAPID) so it never sits in the repo."""

    __tablename__ = "server_keys"
    __table_args__ = (UniqueConstraint("name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    private_pem: Mapped[str] = mapped_column(String(4096))
    public_b64: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
