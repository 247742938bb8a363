"""法制审核: the reviewers' queue, submitting a case, and the written opinion (approve / return)."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.api.deps import auth_required, current_actor, if_match_version
from server.api.schemas import StrictSchema
from server.domain import legal_review as rules
from server.services import legal_review
from server.services.uow import UnitOfWork

blp = Blueprint("reviews", __name__, url_prefix="/api", description="法制审核")


class CheckSchema(Schema):
    item = fields.String()
    label = fields.String()
    result = fields.String(allow_none=True)


class ReviewSchema(Schema):
    id = fields.Integer()
    case_id = fields.String()
    unit_id = fields.Integer()
    submitted_by = fields.Integer()
    submitted_by_name = fields.String(allow_none=True)
    submitted_at = fields.String()
    note = fields.String()
    status = fields.String(metadata={"description": "pending / approved / returned"})
    status_label = fields.String()
    reviewer_id = fields.Integer(allow_none=True)
    reviewer_name = fields.String(allow_none=True)
    decided_at = fields.String(allow_none=True)
    opinion = fields.String()
    checks = fields.List(fields.Nested(CheckSchema))
    version = fields.Integer()
    case = fields.Dict(metadata={"description": "案件摘要（状态、程序、罚款、违法事实）"})


class ListArgs(StrictSchema):
    status = fields.String(load_default="pending", validate=validate.OneOf(["pending", "approved", "returned", "all"]))
    case_id = fields.String()


class SubmitArgs(StrictSchema):
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class DecisionArgs(StrictSchema):
    result = fields.String(required=True, validate=validate.OneOf(sorted(rules.RESULTS)))
    opinion = fields.String(required=True, validate=validate.Length(max=5000))
    checks = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                         metadata={"description": "每个审核事项（" + "、".join(rules.ITEM_KEYS) + "）→ ok / problem"})


@blp.route("/reviews")
@blp.arguments(ListArgs, location="query")
@blp.response(200, ReviewSchema(many=True))
@auth_required
def list_reviews(args):
    """法制审核人员、带班领导：本单位及下级单位的审核；执法人员：本人承办案件的审核"""
    return legal_review.list_reviews(UnitOfWork(), current_actor(), status=args["status"], case_id=args.get("case_id"))


@blp.route("/reviews/items")
@blp.response(200, CheckSchema(many=True))
@auth_required
def review_items():
    """审核事项清单（执法主体、权限、程序、事实、法律适用、裁量、文书、是否移送）"""
    return [{"item": key, "label": label, "result": None} for key, label in rules.REVIEW_ITEMS]


@blp.route("/cases/<case_id>/reviews", methods=["POST"])
@blp.arguments(SubmitArgs)
@blp.response(201, ReviewSchema)
@auth_required
def submit(args, case_id: str):
    """报送法制审核（普通程序案件，承办人员或带班领导）"""
    return legal_review.submit(UnitOfWork(), current_actor(), case_id, args["note"])


@blp.route("/reviews/<int:review_id>/decision", methods=["POST"])
@blp.arguments(DecisionArgs)
@blp.response(200, ReviewSchema)
@auth_required
def decide(args, review_id: int):
    """法制审核结论：通过或退回补充，逐项意见和书面审核意见；须带 If-Match 版本号"""
    return legal_review.decide(UnitOfWork(), current_actor(), review_id, args["result"], args["opinion"],
                               args["checks"], if_match_version())
