"""Regulated parties, vehicles and their credentials (道路运输证, 从业资格证, 经营许可证)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.adapters.models.base import Base, utcnow

CREDENTIAL_KINDS = ("road_transport_cert", "qualification_cert", "business_license")


class Party(Base):
    """当事人: a person (driver) or an organisation (operator). National reference data, not unit-scoped."""

    __tablename__ = "parties"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # person / organisation
    name: Mapped[str] = mapped_column(String(128), index=True)
    id_number: Mapped[Optional[str]] = mapped_column(String(32), index=True)  # 身份证 / 统一社会信用代码
    phone: Mapped[Optional[str]] = mapped_column(String(32))
    address: Mapped[Optional[str]] = mapped_column(String(255))
    legal_representative: Mapped[Optional[str]] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Vehicle(Base):
    __tablename__ = "vehicles"
    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(String(16), unique=True)
    plate_color: Mapped[str] = mapped_column(String(8), default="黄")
    vehicle_type: Mapped[str] = mapped_column(String(32), default="")
    owner_party_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parties.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[Optional[Party]] = relationship()


class Credential(Base):
    """A party's (or vehicle's) licence. Status and validity are what an inspection checks."""

    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("kind", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(64), index=True)
    holder_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    vehicle_id: Mapped[Optional[int]] = mapped_column(ForeignKey("vehicles.id"), index=True)
    issuing_authority: Mapped[str] = mapped_column(String(128))
    scope: Mapped[Optional[str]] = mapped_column(String(255))  # 经营范围 / 从业资格类别
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    annual_review_due: Mapped[Optional[date]] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="valid")  # valid / suspended / revoked
    status_changed_at: Mapped[Optional[datetime]] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)

    holder: Mapped[Party] = relationship()
    vehicle: Mapped[Optional[Vehicle]] = relationship()
