"""Evidence (证据): content-addressed blobs, photos/recordings attached to inspections, GPS fixes, access log.

Nothing here is ever deleted: evidence is voided with a reason, blobs are immutable, and every read is logged.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.adapters.models.base import BigId, Base, utcnow


class Blob(Base):
    """A complete, hash-verified file in the blob store (key = its SHA-256). Derived copies are blobs too."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(64))  # sniffed from the bytes
    declared_mime: Mapped[Optional[str]] = mapped_column(String(128))  # what the uploader said (may be wrong)
    width: Mapped[Optional[int]] = mapped_column(Integer)
    height: Mapped[Optional[int]] = mapped_column(Integer)
    uploaded_by: Mapped[Optional[int]] = mapped_column(ForeignKey("officers.id"), index=True)
    derived_from: Mapped[Optional[str]] = mapped_column(String(64), index=True)  # original's sha256
    variant: Mapped[str] = mapped_column(String(16), default="original")  # original / display / thumb
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BlobUpload(Base):
    """A partial upload in progress; the bytes live in the staging folder. Expires when left idle."""

    __tablename__ = "blob_uploads"
    __table_args__ = (UniqueConstraint("officer_id", "sha256"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    total: Mapped[int] = mapped_column(BigInteger)  # bytes received = the staged file's length
    declared_mime: Mapped[Optional[str]] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # refreshed every few minutes


class GpsFix(Base):
    """Every location fix received, with its plausibility flags (flagged, never dropped)."""

    __tablename__ = "gps_fixes"
    __table_args__ = (Index("ix_gps_fixes_device_time", "device_id", "device_time"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    officer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("officers.id"))
    device_id: Mapped[Optional[str]] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))  # evidence / inspection / patrol_checkin
    entity_id: Mapped[str] = mapped_column(String(64))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))
    device_time: Mapped[datetime] = mapped_column()
    received_at: Mapped[datetime] = mapped_column()
    flags: Mapped[list] = mapped_column(default=list)


class Evidence(Base):
    """A photo, signature or recording attached to an inspection. Append-only; ``voided_*`` hides, never deletes."""

    __tablename__ = "evidence"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # client uuid
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    device_id: Mapped[Optional[str]] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # photo / signature / audio / video
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(64))  # sniffed (the truth)
    declared_mime: Mapped[Optional[str]] = mapped_column(String(128))
    taken_at: Mapped[datetime] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    gps_fix_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gps_fixes.id"))
    display_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    thumb_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    flags: Mapped[list] = mapped_column(default=list)
    mutation_id: Mapped[Optional[str]] = mapped_column(String(64))
    # Hash of the content as the device sent it: a later attach with the same id is a duplicate iff it matches.
    content_sha256: Mapped[str] = mapped_column(String(64))
    voided_at: Mapped[Optional[datetime]] = mapped_column()
    voided_by: Mapped[Optional[int]] = mapped_column(ForeignKey("officers.id"))
    void_reason: Mapped[Optional[str]] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvidenceAccess(Base):
    """Who read which evidence file, when, from which device (查阅记录)."""

    __tablename__ = "evidence_access"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    evidence_id: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    variant: Mapped[str] = mapped_column(String(16))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    device_id: Mapped[Optional[str]] = mapped_column(String(64))
    unit_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)
    address: Mapped[Optional[str]] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
