"""``evidence.attach`` and ``evidence.void``: append-only evidence (docs/evidence.md, docs/mutations.md).

attach: the same id with the same content is a duplicate (ignored); the same id with different content is an
integrity alert — both versions kept, the evidence flagged, the result ``conflict``. A blob or inspection the server
has not received yet parks the mutation (``sync.Waiting``); the executor retries it when they arrive.
void: hides with a reason, never deletes; voiding twice is a no-op.
"""
from __future__ import annotations

import hashlib
from datetime import timezone
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from server.adapters import imaging, journal
from server.adapters.blobstore import store_for
from server.adapters.models import (
    AuditEntry, Blob, Case, EnforcementCertificate, Evidence, Inspection,
)
from server.domain.timeutil import to_local
from server.services import evidence as evidence_service
from server.services.gps import GpsFixSchema, fix_data, record_fix
from server.services.mutations import MutationContext, mutation
from server.services.scope import scoped
from server.services.conflicts import open_conflict
from sync import Outcome, Rejected, Status, Waiting
from sync.conflicts import Kind
from sync.evidence import INTEGRITY_FLAG, INTEGRITY_MESSAGE, AppendVerdict, classify_append, content_digest

KINDS = ("photo", "signature", "audio", "video")
# Which sniffed types each kind accepts (WebM looks the same for sound and picture, so both accept it).
KIND_MIMES = {
    "photo": {"image/jpeg", "image/png", "image/webp"},
    "signature": {"image/png", "image/jpeg", "image/webp"},
    "audio": {"audio/mp4", "audio/ogg", "audio/mpeg", "audio/wav", "audio/aac", "video/webm", "video/mp4"},
    "video": {"video/mp4", "video/webm", "video/quicktime"},
}
SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error="必须是 64 位小写十六进制 SHA-256")


class AttachArgs(Schema):
    id = fields.String(required=True, validate=validate.Length(min=8, max=64))
    inspection_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    sha256 = fields.String(required=True, validate=SHA256)
    bytes = fields.Integer(required=True, validate=validate.Range(min=1))
    mime = fields.String(required=True, validate=validate.Length(min=3, max=128))
    taken_at = fields.AwareDateTime(required=True, default_timezone=timezone.utc)
    gps = fields.Nested(GpsFixSchema, allow_none=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class VoidArgs(Schema):
    id = fields.String(required=True, validate=validate.Length(min=8, max=64))
    evidence_id = fields.String(required=True, validate=validate.Length(min=8, max=64))
    reason = fields.String(required=True, validate=validate.Length(min=2, max=255))


def content_of(args: dict) -> dict[str, Any]:
    """The device's content, canonical (UTC times), for duplicate detection and for keeping a differing copy."""
    gps = args.get("gps")
    return {"inspection_id": args["inspection_id"], "kind": args["kind"], "sha256": args["sha256"],
            "bytes": args["bytes"], "mime": args["mime"],
            "taken_at": args["taken_at"].astimezone(timezone.utc).isoformat(), "note": args.get("note") or "",
            "gps": None if not gps else {**gps, "device_time": gps["device_time"].astimezone(timezone.utc).isoformat()}}


def content_hash(content: dict) -> str:
    return content_digest(content)


@mutation("evidence.attach", AttachArgs)
def attach(ctx: MutationContext, args: dict) -> Outcome:
    session = ctx.uow.session
    content = content_of(args)
    existing = session.get(Evidence, args["id"])
    if existing is not None:
        return _repeat(ctx, existing, content)
    inspection = session.get(Inspection, args["inspection_id"])
    blob = session.get(Blob, args["sha256"])
    missing = ([] if inspection else [{"type": "inspection", "id": args["inspection_id"]}]) + \
              ([] if blob else [{"type": "blob", "sha256": args["sha256"]}])
    if missing:
        raise Waiting(missing, "等待照片/录音文件上传完成（或检查记录同步）后自动处理")
    if session.scalar(scoped(select(Inspection.id).where(Inspection.id == inspection.id), Inspection,
                             ctx.actor)) is None:
        raise Rejected("not-found", "检查记录不存在或不在您的管辖范围内")
    if blob.variant != "original":
        raise Rejected("evidence-blob-derived", "只能以原件作为证据，不能引用系统生成的副本")
    if blob.size != args["bytes"]:
        raise Rejected("evidence-size-mismatch", "证据声明的大小与已上传文件不一致",
                       {"declared": args["bytes"], "stored": blob.size})
    if blob.mime not in KIND_MIMES[args["kind"]]:
        raise Rejected("evidence-kind-mismatch", f"文件实际类型 {blob.mime} 与证据类别 {args['kind']} 不符",
                       {"mime": blob.mime, "kind": args["kind"]})
    flags: list[str] = []
    if args["mime"].split(";")[0].strip().lower() != blob.mime:
        flags.append("mime-mismatch")
    fix = None
    if args.get("gps"):
        fix = record_fix(session, ctx.actor, args["gps"], entity_type="evidence", entity_id=args["id"],
                         unit_id=inspection.unit_id, config=ctx.config, received_at=ctx.now,
                         recorded_at=args["taken_at"])
        session.flush()  # the evidence row refers to the fix by id
        flags.extend(fix.flags)
    display_sha = thumb_sha = None
    if imaging.is_image(blob.mime):
        lines = _watermark_lines(ctx, inspection, args, fix) if args["kind"] == "photo" else []
        display_sha, thumb_sha = _derive(ctx, blob, lines)
    ev = Evidence(id=args["id"], unit_id=inspection.unit_id, inspection_id=inspection.id,
                  officer_id=ctx.actor.officer_id, device_id=ctx.actor.device_id, kind=args["kind"],
                  sha256=blob.sha256, size=blob.size, mime=blob.mime, declared_mime=args["mime"],
                  taken_at=args["taken_at"].astimezone(timezone.utc), note=args.get("note") or "",
                  gps_fix_id=fix.id if fix else None, display_sha256=display_sha, thumb_sha256=thumb_sha,
                  flags=flags, mutation_id=ctx.mutation_id, content_sha256=content_hash(content), version=1)
    session.add(ev)
    session.flush()
    _record(ctx, "evidence.attach", ev, {"content": content, "gps": fix_data(fix) if fix else None})
    return Outcome(Status.APPLIED, entity_refs=[{"type": "evidence", "id": ev.id}],
                   details={"flags": flags, "display_sha256": display_sha, "thumb_sha256": thumb_sha})


def _repeat(ctx: MutationContext, ev: Evidence, content: dict) -> Outcome:
    """Same id again: identical content is a harmless duplicate; different content must reach a person."""
    refs = [{"type": "evidence", "id": ev.id}]
    if classify_append(ev.content_sha256, content_hash(content)) is AppendVerdict.DUPLICATE:
        return Outcome(Status.APPLIED, code="duplicate-ignored", message="重复提交的证据，已忽略", entity_refs=refs)
    # Both versions are kept: the stored evidence untouched, the newcomer verbatim in the conflict row that
    # lands in the unit's 需要处理 inbox for a legal reviewer.
    conflict = open_conflict(ctx.uow, ctx.actor, unit_id=ev.unit_id, kind=Kind.INTEGRITY, entity_type="evidence",
                             entity_id=ev.id, field="content", base=None, server_value=_stored_content(ctx, ev),
                             device_value=content, client_id=ctx.client_id, mutation_id=ctx.mutation_id)
    if INTEGRITY_FLAG not in ev.flags:
        ev.flags = [*ev.flags, INTEGRITY_FLAG]
    ev.version += 1
    ctx.uow.session.flush()
    _record(ctx, "evidence.integrity_alert", ev, {"conflict_id": conflict.id, "received": content})
    return Outcome(Status.CONFLICT, code="evidence-integrity-alert", message=INTEGRITY_MESSAGE, entity_refs=refs,
                   details={"conflict_id": conflict.id})


@mutation("evidence.void", VoidArgs)
def void(ctx: MutationContext, args: dict) -> Outcome:
    session = ctx.uow.session
    ev = session.get(Evidence, args["evidence_id"])
    if ev is None:
        # Its attach may itself be parked waiting for the photo: wait rather than lose the void.
        raise Waiting([{"type": "evidence", "id": args["evidence_id"]}])
    if session.scalar(scoped(select(Evidence.id).where(Evidence.id == ev.id), Evidence, ctx.actor)) is None:
        raise Rejected("not-found", "证据不存在或不在您的管辖范围内")
    if ev.officer_id != ctx.actor.officer_id and not ctx.actor.has("leader", "admin"):
        raise Rejected("forbidden", "只有采集该证据的执法人员或带班领导可以作废证据")
    refs = [{"type": "evidence", "id": ev.id}]
    if ev.voided_at is not None:
        return Outcome(Status.APPLIED, code="already-voided", message="该证据此前已作废", entity_refs=refs)
    ev.voided_at, ev.voided_by, ev.void_reason = ctx.now, ctx.actor.officer_id, args["reason"]
    ev.version += 1
    session.flush()
    _record(ctx, "evidence.void", ev, {"reason": args["reason"], "void_mutation_id": args["id"]})
    return Outcome(Status.APPLIED, entity_refs=refs)


def _record(ctx: MutationContext, action: str, ev: Evidence, extra: dict) -> None:
    data = {"evidence_id": ev.id, "inspection_id": ev.inspection_id, "sha256": ev.sha256, "version": ev.version,
            "flags": list(ev.flags), "row_seal": evidence_service.seal(ev), "mutation_id": ctx.mutation_id, **extra}
    ctx.uow.record(ctx.actor, action, "evidence", ev.id, data, unit_id=ev.unit_id, version=ev.version,
                   payload=evidence_service.public(ctx.uow, ev))


def _stored_content(ctx: MutationContext, ev: Evidence) -> dict:
    for entry in journal.pending_audits(ctx.uow.session):  # attached earlier in this same transaction
        if (entry.entity_type, entry.entity_id, entry.action) == ("evidence", ev.id, "evidence.attach"):
            return entry.data.get("content", {})
    first = ctx.uow.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "evidence",
                                                            AuditEntry.entity_id == ev.id,
                                                            AuditEntry.action == "evidence.attach"))
    return first.data.get("content", {}) if first else {"sha256": ev.sha256}


def _watermark_lines(ctx: MutationContext, inspection: Inspection, args: dict, fix) -> list[str]:
    taken = to_local(args["taken_at"])
    lines = [f"拍摄时间：{taken:%Y-%m-%d %H:%M:%S}（北京时间）"]
    if fix is not None:
        ns, ew = ("N" if fix.lat >= 0 else "S"), ("E" if fix.lon >= 0 else "W")
        lines.append(f"位置：{ns}{abs(fix.lat):.5f}° {ew}{abs(fix.lon):.5f}° ±{fix.accuracy_m:.0f}米（{fix.source}）")
    else:
        lines.append("位置：无定位")
    cert = ctx.uow.session.scalar(select(EnforcementCertificate.number)
                                  .where(EnforcementCertificate.officer_id == ctx.actor.officer_id))
    lines.append(f"执法证号：{cert or '无'}  {ctx.actor.full_name}".rstrip())
    case_id = ctx.uow.session.scalar(select(Case.id).where(Case.inspection_id == inspection.id).limit(1))
    lines.append(f"案件编号：{case_id}" if case_id else f"检查编号：{inspection.id}")
    return lines


def _derive(ctx: MutationContext, blob: Blob, lines: list[str]) -> tuple[str, str]:
    """Make and store the display copy and thumbnail (content-addressed like everything else)."""
    from flask import current_app

    store = store_for(current_app)
    with store.open(blob.sha256) as fh:
        derived = imaging.derive(fh.read(), lines, max_pixels=ctx.config["MAX_IMAGE_PIXELS"])
    shas = []
    for variant, data, (width, height) in (("display", derived.display, derived.display_size),
                                           ("thumb", derived.thumb, derived.thumb_size)):
        sha = hashlib.sha256(data).hexdigest()
        store.put_bytes(sha, data, "image/jpeg")
        if ctx.uow.session.get(Blob, sha) is None:
            ctx.uow.session.add(Blob(sha256=sha, size=len(data), mime="image/jpeg", width=width, height=height,
                                     uploaded_by=None, derived_from=blob.sha256, variant=variant))
        shas.append(sha)
    ctx.uow.session.flush()
    return shas[0], shas[1]
