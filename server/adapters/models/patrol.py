"""领导带班巡查: duty roster (值班表), patrol points with signed QR posters, required frequency, check-ins."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.adapters.models.base import Base, utcnow


class DutyShift(Base):
    """One shift of a unit's roster: the leader on duty (带班领导) and the officers on shift."""

    __tablename__ = "duty_shifts"
    __table_args__ = (UniqueConstraint("unit_id", "duty_date", "shift"),
                      Index("ix_duty_shifts_unit_window", "unit_id", "starts_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    duty_date: Mapped[date] = mapped_column(Date)  # local (Asia/Shanghai) date the shift belongs to
    shift: Mapped[str] = mapped_column(String(32))  # 白班 / 夜班 / any name the unit uses
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    leader_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    officer_ids: Mapped[list] = mapped_column(default=list)
    note: Mapped[Optional[str]] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PatrolPoint(Base):
    """巡查点: a place the leader must visit; its QR poster carries a signed point id."""

    __tablename__ = "patrol_points"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[int] = mapped_column(Integer, default=200)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PatrolRequirement(Base):
    """巡查频次 a unit sets for its leaders on duty (000 第二十三条: 制度中应当明确领导带班巡查频次)."""

    __tablename__ = "patrol_requirements"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True, autoincrement=False)
    per_shift: Mapped[int] = mapped_column(Integer, default=1)
    per_week: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PatrolCheckin(Base):
    """A check-in at a point. The id is the phone's uuid, so a replayed check-in is stored once."""

    __tablename__ = "patrol_checkins"
    __table_args__ = (Index("ix_patrol_checkins_officer_at", "officer_id", "at"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("patrol_points.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    device_id: Mapped[Optional[str]] = mapped_column(String(64))
    shift_id: Mapped[Optional[int]] = mapped_column(ForeignKey("duty_shifts.id"), index=True)
    as_leader: Mapped[bool] = mapped_column(Boolean, default=False)  # counted towards the leader's quota
    at: Mapped[datetime] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float] = mapped_column(Float)
    gps_source: Mapped[str] = mapped_column(String(16), default="gps")
    distance_m: Mapped[float] = mapped_column(Float)
    photo_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="accepted")  # accepted / flagged
    flags: Mapped[list] = mapped_column(default=list)
    reason: Mapped[Optional[str]] = mapped_column(Text)

    point: Mapped[PatrolPoint] = relationship()
