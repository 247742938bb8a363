"""``document.issue``, ``case.transition``, ``followup.verify`` (docs/mutations.md, docs/documents.md).

Handlers run inside the push executor's transaction for one mutation and never commit. Business refusals
are ``sync.Rejected`` with a stable code and the legal reason in zh-CN, recorded as the mutation's result.
"""
from __future__ import annotations

from datetime import timezone

from marshmallow import Schema, fields, validate

from server.domain.documents import DOC_TYPES, SIGNER_ROLES
from server.domain.eligibility import MINOR_EXEMPT, ORDINARY, SIMPLE
from server.domain.errors import DomainError
from server.adapters.models import Case
from server.services import cases, documents, legal_review
from server.services.mutations import MutationContext, mutation
from sync import Outcome, Rejected, Status, Waiting

SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error="必须是 64 位小写十六进制 SHA-256")


class NumberArgs(Schema):
    block_id = fields.Integer(required=True)
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    seq = fields.Integer(required=True, validate=validate.Range(min=1))


class SignatureArgs(Schema):
    role = fields.String(required=True, validate=validate.OneOf(SIGNER_ROLES))
    blob_sha256 = fields.String(allow_none=True, validate=SHA256)
    refused = fields.Boolean(load_default=False)
    witness = fields.String(allow_none=True, validate=validate.Length(max=64))
    note = fields.String(allow_none=True, validate=validate.Length(max=255))


class DocumentFields(Schema):
    facts = fields.String(allow_none=True, validate=validate.Length(max=4000))
    evidence = fields.List(fields.String(validate=validate.Length(max=255)), load_default=list)
    statement = fields.String(allow_none=True, validate=validate.Length(max=4000))
    correction = fields.String(allow_none=True, validate=validate.Length(max=500))
    correction_days = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=90))
    place = fields.String(allow_none=True, validate=validate.Length(max=255))
    harm = fields.String(load_default="none", validate=validate.OneOf(("none", "slight", "serious")))
    corrected_on_spot = fields.Boolean(load_default=False)
    first_violation = fields.Boolean(allow_none=True)
    warning = fields.Boolean(load_default=False)


class IssueArgs(Schema):
    id = fields.String(required=True, validate=validate.Length(min=8, max=64))
    inspection_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    case_id = fields.String(allow_none=True, validate=validate.Length(min=8, max=64))
    doc_type = fields.String(required=True, validate=validate.OneOf(sorted(DOC_TYPES)))
    number = fields.Nested(NumberArgs, required=True)
    procedure = fields.String(required=True, validate=validate.OneOf((MINOR_EXEMPT, SIMPLE, ORDINARY)))
    fine_fen = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    catalog_version = fields.Integer(allow_none=True, validate=validate.Range(min=1))
    doc_fields = fields.Nested(DocumentFields, load_default=dict, data_key="fields")
    content_sha256 = fields.String(allow_none=True, validate=SHA256)
    signatures = fields.List(fields.Nested(SignatureArgs), load_default=list)
    issued_at = fields.AwareDateTime(required=True, default_timezone=timezone.utc)


class TransitionArgs(Schema):
    id = fields.String(required=True, validate=validate.Length(min=8, max=64))
    case_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    command = fields.String(required=True, validate=validate.OneOf(sorted(cases.CASE_TRANSITIONS.commands())))
    args = fields.Dict(load_default=dict)


class VerifyArgs(Schema):
    id = fields.String(required=True, validate=validate.Length(min=8, max=64))
    followup_id = fields.String(required=True, validate=validate.Length(min=8, max=64))
    result = fields.String(required=True, validate=validate.OneOf(("corrected", "not_corrected")))
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    evidence_ids = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list)


def _refuse(exc: DomainError) -> Rejected:
    return Rejected(exc.code, exc.message, exc.details)


@mutation("document.issue", IssueArgs)
def issue_document(ctx: MutationContext, args: dict) -> Outcome:
    args = dict(args, fields=args.pop("doc_fields", {}))
    try:
        return documents.issue(ctx.uow, ctx.actor, args, mutation_id=ctx.mutation_id, client_id=ctx.client_id)
    except DomainError as exc:  # certificate / two-officer rules speak DomainError; the queue wants Rejected
        raise _refuse(exc) from None


@mutation("case.transition", TransitionArgs)
def transition_case(ctx: MutationContext, args: dict) -> Outcome:
    try:
        if args["command"] in ("decide", "issue_notice", "sign_commitment", "order_correction"):
            # These are acts of enforcement; they come with their documents (document.issue) instead.
            raise Rejected("transition-needs-document",
                           "该操作须通过签发相应文书完成（document.issue），不能单独变更案件状态")
        if args["command"] in ("approve_review", "return_review"):
            raise Rejected("review-needs-opinion", "法制审核结论须由法制审核人员附书面审核意见提交（POST /api/reviews/<id>/decision）")
        if args["command"] == "submit_review":  # queued on the phone; the review row is opened here
            if ctx.uow.session.get(Case, args["case_id"]) is None:  # its notice may still be parked
                raise Waiting([{"type": "case", "id": args["case_id"]}], "等待案件同步到服务器后自动报送法制审核")
            review = legal_review.submit_in(ctx.uow, ctx.actor, args["case_id"], str(args["args"].get("note") or ""))
            case = ctx.uow.session.get(Case, review.case_id)
        else:
            cases.ensure_actor_may_enforce(ctx.uow, ctx.actor, ctx.now)
            case = cases.transition(ctx.uow, ctx.actor, args["case_id"], args["command"])
    except DomainError as exc:
        raise _refuse(exc) from None
    return Outcome(Status.APPLIED, entity_refs=[{"type": "case", "id": case.id, "status": case.status,
                                                  "version": case.version}])


@mutation("followup.verify", VerifyArgs)
def verify_followup(ctx: MutationContext, args: dict) -> Outcome:
    try:
        row = cases.verify_followup(ctx.uow, ctx.actor, args["followup_id"], args["result"], args["note"],
                                    args["evidence_ids"], ctx.now)
    except DomainError as exc:
        raise _refuse(exc) from None
    return Outcome(Status.APPLIED, entity_refs=[{"type": "followup", "id": row.id, "status": row.status},
                                                {"type": "case", "id": row.case_id}])
