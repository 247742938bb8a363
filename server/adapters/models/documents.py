"""Enforcement documents (执法文书), their follow-up tasks, and the working-day calendar (工作日历)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.adapters.models.base import Base, utcnow


class Document(Base):
    """One issued document. ``fields`` is the complete render context, so a reprint years later shows exactly
    what was handed over (catalog text pinned by code + version, officers and certificates as they were)."""

    __tablename__ = "documents"
    # The backstop for offline numbering: a number is used once per unit, document type and year.
    __table_args__ = (UniqueConstraint("unit_id", "doc_type", "number_year", "number_seq"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # client uuid (issued offline)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id"), index=True)
    case_id: Mapped[Optional[str]] = mapped_column(ForeignKey("cases.id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(32))
    number_year: Mapped[int] = mapped_column(Integer)
    number_seq: Mapped[int] = mapped_column(Integer)
    number_block_id: Mapped[Optional[int]] = mapped_column(Integer)
    number_text: Mapped[str] = mapped_column(String(64))
    catalog_code: Mapped[Optional[str]] = mapped_column(String(32))
    catalog_version: Mapped[Optional[int]] = mapped_column(Integer)
    procedure: Mapped[str] = mapped_column(String(16))
    fine_fen: Mapped[int] = mapped_column(Integer, default=0)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    second_officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    fields: Mapped[dict] = mapped_column()
    signatures: Mapped[list] = mapped_column(default=list)
    html_sha256: Mapped[str] = mapped_column(String(64))
    device_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    verify_token: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="issued")  # issued / void
    # 事后公示 (国办发〔2018〕118号): when and where the decision was published; ends the publication reminder.
    published_at: Mapped[Optional[datetime]] = mapped_column()
    published_url: Mapped[Optional[str]] = mapped_column(String(255))
    issued_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FollowUp(Base):
    """跟踪回访: a commitment letter or correction notice must be checked by its deadline."""

    __tablename__ = "followups"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # commitment / correction
    due_date: Mapped[date] = mapped_column(Date, index=True)
    remind_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open / corrected / not_corrected
    result_note: Mapped[str] = mapped_column(Text, default="")
    evidence_ids: Mapped[list] = mapped_column(default=list)
    verified_by: Mapped[Optional[int]] = mapped_column(ForeignKey("officers.id"))
    verified_at: Mapped[Optional[datetime]] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarYear(Base):
    """Which years have real holiday data. A year without a row falls back to Mon–Fri with a warning."""

    __tablename__ = "calendar_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(32))  # chinese_calendar / admin
    note: Mapped[str] = mapped_column(String(255), default="")
    updated_by: Mapped[Optional[int]] = mapped_column(ForeignKey("officers.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarDay(Base):
    """Only the exceptions are stored: holidays on weekdays and make-up working days (调休) on weekends."""

    __tablename__ = "calendar_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(String(32))
    updated_by: Mapped[Optional[int]] = mapped_column(ForeignKey("officers.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


__all__ = ["CalendarDay", "CalendarYear", "Document", "FollowUp"]
