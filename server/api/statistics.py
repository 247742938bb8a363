"""年度执法统计: per unit of the caller's subtree, as JSON or as a CSV a spreadsheet opens."""
from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.api.deps import auth_required, current_actor
from server.api.schemas import StrictSchema
from server.domain.timeutil import local_today
from server.services import statistics
from server.services.uow import UnitOfWork

blp = Blueprint("statistics", __name__, url_prefix="/api/statistics", description="执法统计")


class AnnualArgs(StrictSchema):
    year = fields.Integer(load_default=lambda: local_today().year)
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class ColumnSchema(Schema):
    key = fields.String()
    label = fields.String()


class AnnualSchema(Schema):
    year = fields.Integer()
    columns = fields.List(fields.Nested(ColumnSchema))
    units = fields.List(fields.Dict(), metadata={"description": "每个单位一行，键见 columns"})
    total = fields.Dict()


@blp.route("/annual")
@blp.arguments(AnnualArgs, location="query")
@blp.response(200, AnnualSchema)
@auth_required
def annual(args):
    """年度执法统计（带班领导、法制审核人员、管理员；本单位及下级单位）；format=csv 下载表格"""
    report = statistics.annual(UnitOfWork(), current_actor(), args["year"])
    if args["format"] == "csv":
        return Response(statistics.as_csv(report), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename=roadside-statistics-{report['year']}.csv"})
    return report
