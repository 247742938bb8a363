"""Sync endpoints: push the outbox, pull changes, lease document number blocks, admin views of the queue."""
from __future__ import annotations

from functools import wraps

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from server.adapters.models import DeadLetter, ParkedMutation
from server.api.deps import auth_required, config, current_actor
from server.api.schemas import StrictSchema
from server.domain.errors import AuthenticationFailed, DomainError
from server.extensions import db
from server.services import numbering, sync_pull, sync_push
from server.services.scope import scoped
from server.services.uow import UnitOfWork
from sync import Rejected

blp = Blueprint("sync", __name__, url_prefix="/api/sync", description="离线同步：推送、拉取、文书编号号段")

KEEP_OUTBOX = "此设备已被注销，服务器拒绝接收其数据。请勿清除或卸载应用：未同步的记录仍保存在设备上，请联系管理员恢复设备或导出数据"


def keeps_outbox(fn):
    """A revoked device's push is refused, and the body says plainly that the outbox must be kept."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except AuthenticationFailed as exc:
            if exc.code != "device-revoked":
                raise
            raise AuthenticationFailed("device-revoked", KEEP_OUTBOX,
                                       {"keep_outbox": True, "retry": False}) from None

    return wrapper


class PushArgs(StrictSchema):
    client_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    mutations = fields.List(fields.Raw(), required=True)


class ResultSchema(Schema):
    id = fields.String()
    seq = fields.Integer()
    name = fields.String()
    status = fields.String()
    code = fields.String()
    message = fields.String()
    entity_refs = fields.List(fields.Dict())
    details = fields.Dict()


class PushReply(Schema):
    client_id = fields.String()
    last_seq = fields.Integer()
    results = fields.List(fields.Nested(ResultSchema))
    gap = fields.Dict(allow_none=True)
    settled = fields.List(fields.Nested(ResultSchema))


@blp.route("/push", methods=["POST"])
@keeps_outbox
@blp.arguments(PushArgs)
@blp.response(200, PushReply)
@auth_required
def push(body):
    """Apply the outbox in order, each mutation all-or-nothing (groups of SYNC_GROUP_SIZE per transaction).
    Replays return the stored result."""
    report = sync_push.push(db.session, config(), current_actor(), body["client_id"], body["mutations"])
    if report["gap"] and not report["results"]:
        raise DomainError("seq-gap", f"序号不连续：服务器已处理到 {report['last_seq']}，请从 {report['last_seq'] + 1} 开始重新提交",
                          {"last_seq": report["last_seq"], **report["gap"]}, status=409)
    return report


class PullArgs(StrictSchema):
    cookie = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=sync_pull.DEFAULT_LIMIT, validate=validate.Range(min=1, max=sync_pull.MAX_LIMIT))


class ChangeSchema(Schema):
    seq = fields.Integer()
    unit_id = fields.Integer()
    entity_type = fields.String()
    entity_id = fields.String()
    version = fields.Integer()
    tombstone = fields.Boolean()
    payload = fields.Raw(allow_none=True)


class PullReply(Schema):
    changes = fields.List(fields.Nested(ChangeSchema))
    cookie = fields.Integer()
    more = fields.Boolean()


@blp.route("/pull", methods=["GET"])
@blp.arguments(PullArgs, location="query")
@blp.response(200, PullReply)
@auth_required
def pull(args):
    """Changes after ``cookie`` for your unit subtree and reference data; call again while ``more``."""
    return sync_pull.pull(db.session, current_actor(), args["cookie"], args["limit"])


class LeaseArgs(StrictSchema):
    doc_type = fields.String(required=True)
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    size = fields.Integer(validate=validate.Range(min=1, max=500))
    unit_id = fields.Integer()


class BlockSchema(Schema):
    id = fields.Integer()
    unit_id = fields.Integer()
    doc_type = fields.String()
    year = fields.Integer()
    start = fields.Integer()
    end = fields.Integer()
    device_id = fields.String()


@blp.route("/number-blocks", methods=["POST"])
@blp.arguments(LeaseArgs)
@blp.response(201, BlockSchema)
@auth_required
def lease(args):
    """Lease a block of document numbers for offline issuing by this device."""
    try:
        return numbering.lease_block(UnitOfWork(), current_actor(), doc_type=args["doc_type"], year=args.get("year"),
                                     size=args.get("size"), unit_id=args.get("unit_id"))
    except Rejected as exc:
        raise DomainError(exc.code, exc.message, exc.details) from None


class DeadLetterSchema(Schema):
    id = fields.Integer()
    trace_id = fields.String()
    client_id = fields.String()
    officer_id = fields.Integer()
    unit_id = fields.Integer()
    mutation_id = fields.String()
    seq = fields.Integer()
    name = fields.String()
    args = fields.Dict()
    error = fields.String()
    created_at = fields.DateTime()


@blp.route("/dead-letters", methods=["GET"])
@blp.response(200, DeadLetterSchema(many=True))
@auth_required
def dead_letters():
    """Admin: mutations whose handler crashed (recorded as ``rejected: internal`` for the device)."""
    actor = current_actor()
    actor.require("admin")
    stmt = scoped(select(DeadLetter), DeadLetter, actor).order_by(DeadLetter.id.desc()).limit(500)
    rows = list(db.session.scalars(stmt))
    db.session.rollback()
    return rows


class RetryReply(Schema):
    settled = fields.List(fields.Nested(ResultSchema))
    still_waiting = fields.Integer()


@blp.route("/parked/retry", methods=["POST"])
@blp.response(200, RetryReply)
@auth_required
def retry_parked():
    """Admin: re-run every parked (`waiting`) mutation now."""
    current_actor().require("admin")
    settled = sync_push.retry_parked(db.session, config(), None)
    remaining = len(db.session.scalars(select(ParkedMutation.mutation_id)).all())
    db.session.rollback()
    return {"settled": settled, "still_waiting": remaining}

