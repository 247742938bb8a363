"""案卷评查: draw a sample of closed cases, read it, grade each case."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields, validate

from server.api.deps import auth_required, current_actor, if_match_version
from server.api.schemas import StrictSchema
from server.domain import case_evaluation as rules
from server.services import case_evaluation
from server.services.uow import UnitOfWork

blp = Blueprint("evaluations", __name__, url_prefix="/api/evaluations", description="案卷评查")


class DrawArgs(StrictSchema):
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    ratio = fields.Float(load_default=rules.MIN_RATIO, metadata={"description": "抽查比例，不少于 0.1"})
    note = fields.String(load_default="", validate=validate.Length(max=500))


class GradeArgs(StrictSchema):
    grade = fields.String(required=True, validate=validate.OneOf(sorted(rules.GRADES)))
    findings = fields.String(load_default="", validate=validate.Length(max=5000))


@blp.route("", methods=["POST"])
@blp.arguments(DrawArgs)
@blp.response(201)
@auth_required
def draw(args):
    """随机抽取期间内已办结案件（不少于10%），抽取种子留存可复核"""
    return case_evaluation.draw(UnitOfWork(), current_actor(), args["from_"], args["to"], args["ratio"], args["note"])


@blp.route("", methods=["GET"])
@blp.response(200)
@auth_required
def list_evaluations():
    """本单位及下级单位的评查记录"""
    return case_evaluation.list_evaluations(UnitOfWork(), current_actor())


@blp.route("/<int:evaluation_id>", methods=["GET"])
@blp.response(200)
@auth_required
def get_evaluation(evaluation_id: int):
    """一次评查：抽中的案卷及评查结论"""
    return case_evaluation.get(UnitOfWork(), current_actor(), evaluation_id)


@blp.route("/<int:evaluation_id>/items/<int:item_id>", methods=["POST"])
@blp.arguments(GradeArgs)
@blp.response(200)
@auth_required
def grade(args, evaluation_id: int, item_id: int):
    """评查结论（优秀/合格/不合格，不合格须写明问题）；须带 If-Match 版本号"""
    return case_evaluation.grade(UnitOfWork(), current_actor(), evaluation_id, item_id, args["grade"],
                                 args["findings"], if_match_version())
