"""Roadside inspections (现场检查) and the enforcement cases (案件) they may open."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.adapters.models.base import Base, utcnow


class Inspection(Base):
    """Created offline on a phone, so the id is the client's uuid. ``version`` drives the three-way merge."""

    __tablename__ = "inspections"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    second_officer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("officers.id"))
    party_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parties.id"), index=True)
    vehicle_id: Mapped[Optional[int]] = mapped_column(ForeignKey("vehicles.id"), index=True)
    credential_ids: Mapped[list] = mapped_column(default=list)
    catalog_code: Mapped[Optional[str]] = mapped_column(String(32))
    catalog_version: Mapped[Optional[int]] = mapped_column(Integer)
    facts: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(255), default="")
    lat: Mapped[Optional[float]] = mapped_column(Float)
    lon: Mapped[Optional[float]] = mapped_column(Float)
    accuracy_m: Mapped[Optional[float]] = mapped_column(Float)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(32), default="open")
    first_violation: Mapped[Optional[bool]] = mapped_column()
    exemption_status: Mapped[Optional[str]] = mapped_column(String(16))  # claimed / confirmed / contested
    flags: Mapped[list] = mapped_column(default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Case(Base):
    """案件: procedure chosen (minor_exempt / simple / ordinary), fine in fen, status machine."""

    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id"), index=True)
    party_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parties.id"), index=True)
    catalog_code: Mapped[Optional[str]] = mapped_column(String(32))
    catalog_version: Mapped[Optional[int]] = mapped_column(Integer)
    procedure: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32), default="open")
    fine_fen: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CaseReview(Base):
    """法制审核: one submission of a case to the legal-review post and the written opinion it got.

    A returned case is submitted again as a new row, so the file keeps every opinion and what was changed after it.
    """

    __tablename__ = "case_reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    submitted_by: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending / approved / returned
    reviewer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("officers.id"))
    decided_at: Mapped[Optional[datetime]] = mapped_column()
    opinion: Mapped[str] = mapped_column(Text, default="")
    checks: Mapped[dict] = mapped_column(default=dict)  # item (domain.legal_review.ITEM_KEYS) → ok / problem
    version: Mapped[int] = mapped_column(Integer, default=1)



class CaseEvaluation(Base):
    """案卷评查: one draw of closed cases of a period in the drawing reviewer's subtree (seed kept: redrawable)."""

    __tablename__ = "case_evaluations"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    ratio_permille: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    population: Mapped[list] = mapped_column(default=list)  # the sorted case ids the sample was drawn from
    note: Mapped[str] = mapped_column(Text, default="")
    drawn_by: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    drawn_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseEvaluationItem(Base):
    """One sampled case and the reviewer's grade and findings."""

    __tablename__ = "case_evaluation_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("case_evaluations.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    grade: Mapped[Optional[str]] = mapped_column(String(16))  # excellent / pass / fail (domain.case_evaluation)
    findings: Mapped[str] = mapped_column(Text, default="")
    evaluated_by: Mapped[Optional[int]] = mapped_column(ForeignKey("officers.id"))
    evaluated_at: Mapped[Optional[datetime]] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)
