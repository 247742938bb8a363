"""Violation catalog (违法行为目录). Each edit is a new version; documents pin the version they used."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.adapters.models.base import Base, utcnow


class CatalogEntry(Base):
    __tablename__ = "catalog_entries"
    __table_args__ = (UniqueConstraint("code", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    name: Mapped[str] = mapped_column(String(255))
    violated_article: Mapped[str] = mapped_column(String(255))
    violated_text: Mapped[str] = mapped_column(Text)
    penalty_article: Mapped[str] = mapped_column(String(255))
    penalty_text: Mapped[str] = mapped_column(Text)
    min_fine_fen: Mapped[int] = mapped_column(Integer, default=0)
    max_fine_fen: Mapped[int] = mapped_column(Integer, default=0)
    warning_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    discretion_bands: Mapped[list] = mapped_column(default=list)  # [{level, condition, min_fen, max_fen, reason}]
    minor_exemption: Mapped[Optional[dict]] = mapped_column()  # {list, item_no, conditions: [...], correction_days}
    never_exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    templates: Mapped[list] = mapped_column(default=list)
    source: Mapped[str] = mapped_column(Text)  # citation of the statute / list the entry comes from
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("officers.id"))
