"""Reading evidence: scoped lists, file downloads with an access log entry for every read, row seals.

Who may read: anyone whose unit subtree holds the evidence (officers of the unit, leaders above). Voided evidence is
hidden from normal views; leaders, legal reviewers and admins can still open it (a void is never a deletion).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO, Any

from sqlalchemy import and_, or_, select

from server.adapters import audit_chain
from server.adapters.blobstore import BlobStore
from server.adapters.models import AuditEntry, Blob, Evidence, EvidenceAccess, GpsFix
from server.domain import gps
from server.domain.actor import Actor
from server.domain.errors import DomainError, NotFound
from server.services.conflicts import resolver
from server.services.scope import get_scoped, scoped, visible_unit_ids
from server.services.uow import UnitOfWork
from sync import Rejected

REVIEW_ROLES = ("leader", "legal_reviewer", "admin")
VARIANTS = ("original", "display", "thumb")
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf",
              "video/mp4": "mp4", "audio/mp4": "m4a", "video/webm": "webm", "audio/ogg": "ogg",
              "audio/mpeg": "mp3", "audio/wav": "wav", "audio/aac": "aac", "video/quicktime": "mov"}
FLAG_LABELS = {**gps.FLAG_LABELS,
               "mime-mismatch": "声明的文件类型与实际内容不符（已按实际类型保存）",
               "integrity-alert": "同一证据编号收到了不同内容，两份均已保留，请核查"}


@dataclass
class Opened:
    fileobj: IO[bytes]
    mime: str
    name: str


def _visible(stmt, actor: Actor):
    stmt = scoped(stmt, Evidence, actor)
    if not actor.has(*REVIEW_ROLES):
        stmt = stmt.where(Evidence.voided_at.is_(None))
    return stmt


def get(uow: UnitOfWork, actor: Actor, evidence_id: str) -> Evidence:
    ev = uow.session.scalar(_visible(select(Evidence).where(Evidence.id == evidence_id), actor))
    if ev is None:
        raise NotFound(message="证据不存在或不在您的管辖范围内")
    return ev


def list_for_inspection(uow: UnitOfWork, actor: Actor, inspection_id: str, include_voided: bool = False) -> list[dict]:
    with uow:
        stmt = _visible(select(Evidence).where(Evidence.inspection_id == inspection_id), actor)
        if not include_voided:
            stmt = stmt.where(Evidence.voided_at.is_(None))
        rows = uow.session.scalars(stmt.order_by(Evidence.taken_at, Evidence.id)).all()
        return [public(uow, ev) for ev in rows]


def detail(uow: UnitOfWork, actor: Actor, evidence_id: str) -> dict:
    with uow:
        return public(uow, get(uow, actor, evidence_id))


def public(uow: UnitOfWork, ev: Evidence) -> dict[str, Any]:
    """What devices and the API see (and what the change stream carries)."""
    fix = uow.session.get(GpsFix, ev.gps_fix_id) if ev.gps_fix_id else None
    return {"id": ev.id, "inspection_id": ev.inspection_id, "unit_id": ev.unit_id, "officer_id": ev.officer_id,
            "kind": ev.kind, "sha256": ev.sha256, "bytes": ev.size, "mime": ev.mime, "declared_mime": ev.declared_mime,
            "taken_at": ev.taken_at.isoformat(), "note": ev.note, "display_sha256": ev.display_sha256,
            "thumb_sha256": ev.thumb_sha256, "flags": list(ev.flags),
            "flag_labels": [FLAG_LABELS.get(f, f) for f in ev.flags],
            "gps": None if fix is None else {"lat": fix.lat, "lon": fix.lon, "accuracy_m": fix.accuracy_m,
                                             "source": fix.source, "device_time": fix.device_time.isoformat(),
                                             "received_at": fix.received_at.isoformat(), "flags": list(fix.flags)},
            "voided": ev.voided_at is not None, "voided_at": ev.voided_at.isoformat() if ev.voided_at else None,
            "void_reason": ev.void_reason, "version": ev.version, "created_at": ev.created_at.isoformat()}


def open_file(uow: UnitOfWork, store: BlobStore, actor: Actor, evidence_id: str, variant: str,
              address: str | None) -> Opened:
    """The original, the watermarked display copy or the thumbnail of one evidence item; the read is logged."""
    if variant not in VARIANTS:
        raise DomainError("variant-invalid", "variant 取值必须是 original / display / thumb", {"allowed": VARIANTS})
    with uow:
        ev = get(uow, actor, evidence_id)
        sha = {"original": ev.sha256, "display": ev.display_sha256, "thumb": ev.thumb_sha256}[variant]
        if sha is None:  # not an image: there is only the original
            raise NotFound("variant-missing", "该证据没有此版本（非图片证据只有原件）")
        return _log_and_open(uow, store, actor, sha, ev.id, variant, address)


def open_blob(uow: UnitOfWork, store: BlobStore, actor: Actor, sha256: str, address: str | None) -> Opened:
    """A blob by hash: for its uploader, or for whoever may see an evidence item that uses it."""
    with uow:
        blob = uow.session.get(Blob, sha256)
        if blob is None:
            raise NotFound("blob-not-found", "文件不存在或您无权查看")
        ev = uow.session.scalar(_visible(select(Evidence).where(or_(
            Evidence.sha256 == sha256, Evidence.display_sha256 == sha256, Evidence.thumb_sha256 == sha256)),
            actor).limit(1))
        if ev is None and blob.uploaded_by != actor.officer_id:
            raise NotFound("blob-not-found", "文件不存在或您无权查看")
        return _log_and_open(uow, store, actor, sha256, ev.id if ev else None, blob.variant, address)


def _log_and_open(uow: UnitOfWork, store: BlobStore, actor: Actor, sha256: str, evidence_id: str | None,
                  variant: str, address: str | None) -> Opened:
    blob = uow.session.get(Blob, sha256)
    try:
        fileobj = store.open(sha256)
    except KeyError:
        # The database knows the blob but the store does not: an integrity incident, not a user error.
        raise DomainError("blob-missing", "证据文件在存储中缺失，请立即联系管理员核查", {"sha256": sha256},
                          status=500) from None
    uow.session.add(EvidenceAccess(evidence_id=evidence_id, sha256=sha256, variant=variant,
                                   officer_id=actor.officer_id, device_id=actor.device_id, unit_id=actor.unit_id,
                                   address=(address or "")[:64] or None))
    uow.commit()
    name = f"{evidence_id or sha256[:16]}-{variant}.{EXTENSIONS.get(blob.mime, 'bin')}"
    return Opened(fileobj, blob.mime, name)


def access_log(uow: UnitOfWork, actor: Actor, evidence_id: str | None = None, officer_id: int | None = None,
               limit: int = 200) -> list[EvidenceAccess]:
    """Who read what (查阅记录), newest first; reviewers and admins only, within their subtree."""
    actor.require(*REVIEW_ROLES)
    with uow:
        stmt = select(EvidenceAccess).where(or_(
            EvidenceAccess.evidence_id.in_(scoped(select(Evidence.id), Evidence, actor)),
            and_(EvidenceAccess.evidence_id.is_(None), EvidenceAccess.unit_id.in_(visible_unit_ids(actor)))))
        if evidence_id:
            stmt = stmt.where(EvidenceAccess.evidence_id == evidence_id)
        if officer_id:
            stmt = stmt.where(EvidenceAccess.officer_id == officer_id)
        return uow.session.scalars(stmt.order_by(EvidenceAccess.id.desc()).limit(limit)).all()


@resolver("evidence")
def _settle_integrity_conflict(uow: UnitOfWork, actor: Actor, conflict) -> tuple[Any, Any]:
    """An integrity conflict is settled by a person confirming the stored evidence; evidence is never replaced."""
    try:
        get_scoped(uow.session, Evidence, conflict.entity_id, actor)
    except NotFound:
        raise Rejected("entity-gone", "冲突涉及的证据不存在或不在您的管辖范围内") from None

    def setter(value: Any) -> None:
        if value != conflict.server_value:
            raise Rejected("evidence-append-only", "证据只能追加、不能替换：请选择保留原证据（keep_server）；"
                                                   "如原证据有误，请作废后重新采集")

    return conflict.server_value, setter


# --- row seals: a direct UPDATE/DELETE of an evidence row is caught by comparing it with its audit entries ---

SEALED = ("id", "unit_id", "inspection_id", "officer_id", "device_id", "kind", "sha256", "size", "mime",
          "declared_mime", "taken_at", "note", "gps_fix_id", "display_sha256", "thumb_sha256", "flags",
          "content_sha256", "voided_at", "voided_by", "void_reason", "version")


def seal(ev: Evidence) -> str:
    # Datetimes normalised to UTC so the seal is the same before and after a database round trip.
    values = [v.astimezone(timezone.utc).isoformat() if isinstance(v, datetime) else v
              for v in (getattr(ev, name) for name in SEALED)]
    return hashlib.sha256(audit_chain.canonical(values).encode()).hexdigest()


def verify_rows(session) -> list[audit_chain.Break]:
    """Each evidence row must match the seal in its latest audit entry, and each audited item must still exist."""
    latest: dict[str, AuditEntry] = {}
    for entry in session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "evidence")
                                 .order_by(AuditEntry.chain, AuditEntry.seq)):
        latest[entry.entity_id] = entry
    breaks: list[audit_chain.Break] = []
    for ev in session.scalars(select(Evidence).order_by(Evidence.created_at, Evidence.id)):
        entry = latest.pop(ev.id, None)
        if entry is None:
            breaks.append(audit_chain.Break(ev.unit_id, 0, 0, f"证据 {ev.id} 没有审计记录（绕过系统写入）"))
        elif entry.data.get("row_seal") != seal(ev):
            breaks.append(audit_chain.Break(entry.chain, entry.seq, entry.id,
                                            f"证据 {ev.id} 的数据库记录与审计记录不符（记录被直接修改）"))
    for evidence_id, entry in latest.items():
        breaks.append(audit_chain.Break(entry.chain, entry.seq, entry.id, f"证据 {evidence_id} 的记录已被删除"))
    return breaks
