"""Sync bookkeeping: per-client log position, recorded results, parked mutations, conflicts, dead letters,
document number blocks. The change stream itself is ``journal.Change``."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.adapters.models.base import BigId, Base, JSONType, utcnow


class ClientState(Base):
    """One row per outbox (client id). Bound to the device and officer of its first push; locked FOR UPDATE
    by every mutation transaction so two concurrent pushes of one client serialise."""

    __tablename__ = "sync_clients"
    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MutationResult(Base):
    """The answer to one mutation, returned again on every replay. ``(client_id, seq)`` is the log position."""

    __tablename__ = "mutation_results"
    __table_args__ = (UniqueConstraint("client_id", "seq"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("sync_clients.client_id"))
    seq: Mapped[int] = mapped_column(Integer)
    mutation_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # applied / merged / conflict / rejected / waiting
    code: Mapped[Optional[str]] = mapped_column(String(64))
    message: Mapped[Optional[str]] = mapped_column(Text)
    entity_refs: Mapped[list] = mapped_column(default=list)
    details: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ParkedMutation(Base):
    """A ``waiting`` mutation with what it waits for (``"inspection:<id>"``, ``"blob:<sha256>"``)."""

    __tablename__ = "parked_mutations"
    mutation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("sync_clients.client_id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    args: Mapped[dict] = mapped_column()
    envelope: Mapped[dict] = mapped_column(default=dict)  # created_at_device, gps
    context: Mapped[dict] = mapped_column(default=dict)  # officer_id, device_id to rebuild the actor
    waiting_for: Mapped[list] = mapped_column(default=list)
    wait_key: Mapped[str] = mapped_column(String(160), index=True)  # first missing key: one indexed lookup
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class SyncConflict(Base):
    """Both sides of a disagreement, kept until a person settles it (CouchDB's rule)."""

    __tablename__ = "sync_conflicts"
    __table_args__ = (Index("ix_sync_conflicts_unit_open", "unit_id", "resolved_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(16))  # field / exemption / number / integrity
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    field: Mapped[str] = mapped_column(String(64))
    base: Mapped[Optional[Any]] = mapped_column(JSONType, nullable=True)
    server_value: Mapped[Optional[Any]] = mapped_column(JSONType, nullable=True)
    device_value: Mapped[Optional[Any]] = mapped_column(JSONType, nullable=True)
    assignee_role: Mapped[str] = mapped_column(String(32), default="legal_reviewer")
    client_id: Mapped[Optional[str]] = mapped_column(String(64))
    device_id: Mapped[Optional[str]] = mapped_column(String(64))
    officer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("officers.id"))
    mutation_id: Mapped[Optional[str]] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_by: Mapped[Optional[int]] = mapped_column(ForeignKey("officers.id"))
    resolution: Mapped[Optional[str]] = mapped_column(String(16))  # keep_server / take_device / custom
    resolved_value: Mapped[Optional[Any]] = mapped_column(JSONType, nullable=True)
    resolved_at: Mapped[Optional[datetime]] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)


class DeadLetter(Base):
    """A mutation whose handler crashed: recorded as ``rejected: internal`` for the device, kept here for an admin."""

    __tablename__ = "sync_dead_letters"
    id: Mapped[int] = mapped_column(primary_key=True)
    trace_id: Mapped[str] = mapped_column(String(32), unique=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    officer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("officers.id"))
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("units.id"), index=True)
    mutation_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    args: Mapped[dict] = mapped_column()
    error: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NumberBlock(Base):
    """A range of document numbers [start, end] leased to one device for offline issuing (文书编号号段)."""

    __tablename__ = "number_blocks"
    __table_args__ = (UniqueConstraint("unit_id", "doc_type", "year", "start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    doc_type: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    leased_at: Mapped[datetime] = mapped_column(default=utcnow)


class NumberUse(Base):
    """A number taken from a block. The unique key makes a second use impossible even under races."""

    __tablename__ = "number_uses"
    __table_args__ = (UniqueConstraint("unit_id", "doc_type", "year", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("number_blocks.id"), index=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    doc_type: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    document_id: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime] = mapped_column(default=utcnow)
