"""``patrol.checkin``: a leader's or officer's check-in at a patrol point, queued offline on the phone."""
from __future__ import annotations

from datetime import timezone

from marshmallow import Schema, fields, validate

from server.services import patrol
from server.services.gps import GpsFixSchema
from server.services.mutations import MutationContext, mutation
from sync import Outcome, Status, Waiting

SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error="必须是 64 位小写十六进制 SHA-256")


class CheckinArgs(Schema):
    id = fields.String(required=True, validate=validate.Length(min=8, max=64))
    point_qr = fields.String(required=True, validate=validate.Length(min=8, max=2048))
    gps = fields.Nested(GpsFixSchema, required=True)
    photo_sha256 = fields.String(allow_none=True, validate=SHA256)
    at = fields.AwareDateTime(required=True, default_timezone=timezone.utc)


@mutation("patrol.checkin", CheckinArgs)
def checkin(ctx: MutationContext, args: dict) -> Outcome:
    """Refusals (bad QR, too far, too coarse a fix) raise ``CheckinRefused`` → a recorded rejection."""
    try:
        row, created = patrol.apply_checkin(ctx.uow, ctx.actor, ctx.config, args, ctx.now)
    except patrol.PhotoMissing as exc:
        raise Waiting(exc.details["missing"], "等待签到照片上传完成后自动处理") from None
    return Outcome(status=Status.APPLIED, entity_refs=[{"type": "patrol_checkin", "id": row.id}],
                   details={"status": row.status, "flags": list(row.flags or []), "distance_m": row.distance_m,
                            "replayed": not created, "reason": row.reason})
