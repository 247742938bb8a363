"""领导带班巡查 endpoints: points + QR posters, frequency, roster (with CSV import), check-ins, compliance."""
from __future__ import annotations

from datetime import timedelta, timezone

from flask import Response, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.api.deps import auth_required, config, current_actor
from server.api.schemas import StrictSchema
from server.domain.errors import DomainError
from server.domain.timeutil import local_today, utcnow
from server.services import patrol, roster
from server.services.mutations.patrol import CheckinArgs
from server.services.uow import UnitOfWork

blp = Blueprint("patrol", __name__, url_prefix="/api/patrol", description="领导带班巡查：巡查点、值班表、签到、考核")


class PointSchema(Schema):
    id = fields.Integer(dump_only=True)
    unit_id = fields.Integer(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    radius_m = fields.Integer(load_default=200, validate=validate.Range(10, 5000))
    active = fields.Boolean(load_default=True)
    version = fields.Integer(dump_only=True)


class PointCreateSchema(PointSchema, StrictSchema):
    pass


class PointUpdateSchema(StrictSchema):
    name = fields.String(validate=validate.Length(min=1, max=128))
    lat = fields.Float(validate=validate.Range(-90, 90))
    lon = fields.Float(validate=validate.Range(-180, 180))
    radius_m = fields.Integer(validate=validate.Range(10, 5000))
    active = fields.Boolean()


class RequirementSchema(StrictSchema):
    unit_id = fields.Integer(dump_only=True)
    per_shift = fields.Integer(required=True, validate=validate.Range(0, 50))
    per_week = fields.Integer(required=True, validate=validate.Range(0, 500))


class ShiftSchema(Schema):
    id = fields.Integer()
    unit_id = fields.Integer()
    duty_date = fields.Date()
    shift = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    leader_id = fields.Integer()
    officer_ids = fields.List(fields.Integer())
    note = fields.String(allow_none=True)
    version = fields.Integer()


class ShiftPutSchema(StrictSchema):
    unit_id = fields.Integer(required=True)
    duty_date = fields.Date(required=True)
    shift = fields.String(required=True, validate=validate.Length(min=1, max=32))
    start = fields.Time(required=True)
    end = fields.Time(required=True)
    leader_id = fields.Integer(required=True)
    officer_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=50))
    note = fields.String(allow_none=True, validate=validate.Length(max=255))


class RangeQuery(StrictSchema):
    start = fields.Date()
    end = fields.Date()
    unit_id = fields.Integer()


class UnitQuery(StrictSchema):
    unit_id = fields.Integer(required=True)


class CheckinSchema(Schema):
    id = fields.String()
    unit_id = fields.Integer()
    point_id = fields.Integer()
    point_name = fields.Function(lambda c: c.point.name)
    officer_id = fields.Integer()
    shift_id = fields.Integer(allow_none=True)
    as_leader = fields.Boolean()
    at = fields.DateTime()
    lat = fields.Float()
    lon = fields.Float()
    accuracy_m = fields.Float()
    distance_m = fields.Float()
    photo_sha256 = fields.String(allow_none=True)
    status = fields.String()
    flags = fields.List(fields.String())
    reason = fields.String(allow_none=True)


class CheckinCreateSchema(CheckinArgs, StrictSchema):
    pass


class LogQuery(StrictSchema):
    unit_id = fields.Integer()
    officer_id = fields.Integer()
    since = fields.AwareDateTime(default_timezone=timezone.utc)
    until = fields.AwareDateTime(default_timezone=timezone.utc)
    limit = fields.Integer(load_default=200, validate=validate.Range(1, 1000))


class ComplianceQuery(StrictSchema):
    week = fields.Date(metadata={"description": "该周任意一天（默认本周）"})
    unit_id = fields.Integer()


class ComplianceSchema(Schema):
    leader_id = fields.Integer()
    leader_name = fields.String()
    unit_id = fields.Integer()
    unit_name = fields.String()
    week_start = fields.Date()
    per_shift = fields.Integer()
    per_week = fields.Integer()
    shifts = fields.Integer()
    required = fields.Integer()
    done = fields.Integer()
    shifts_met = fields.Integer()
    met = fields.Boolean()


@blp.route("/points")
@blp.arguments(RangeQuery(only=["unit_id"]), location="query")
@blp.response(200, PointSchema(many=True))
@auth_required
def points(args):
    """本单位、上级单位和下级单位的巡查点"""
    return patrol.list_points(UnitOfWork(), current_actor(), args.get("unit_id"))


@blp.route("/points", methods=["POST"])
@blp.arguments(PointCreateSchema)
@blp.response(201, PointSchema)
@auth_required
def create_point(args):
    """新建巡查点（管理员、带班领导）"""
    return patrol.create_point(UnitOfWork(), current_actor(), args)


@blp.route("/points/<int:point_id>", methods=["PATCH"])
@blp.arguments(PointUpdateSchema)
@blp.response(200, PointSchema)
@auth_required
def update_point(args, point_id):
    """修改或停用巡查点（停用后其二维码不再能签到）"""
    return patrol.update_point(UnitOfWork(), current_actor(), point_id, args)


@blp.route("/points/<int:point_id>/qr")
@blp.response(200)
@auth_required
def point_qr(point_id):
    """巡查点签名二维码内容（RS1 格式，手机可离线验签）"""
    point, token, _ = patrol.signed_point(UnitOfWork(), current_actor(), point_id)
    return {"point_id": point.id, "qr": token}


@blp.route("/points/<int:point_id>/poster.svg")
@auth_required
def point_poster(point_id):
    """可打印的 A4 巡查点二维码海报（SVG）"""
    from server.adapters.qr_poster import poster_svg

    point, token, unit_name = patrol.signed_point(UnitOfWork(), current_actor(), point_id)
    svg = poster_svg(token, point.name, unit_name, point.radius_m)
    return Response(svg, mimetype="image/svg+xml",
                    headers={"Content-Disposition": f'inline; filename="patrol-point-{point.id}.svg"'})


@blp.route("/requirements/<int:unit_id>")
@blp.response(200, RequirementSchema)
@auth_required
def requirement(unit_id):
    """单位的领导带班巡查频次（未设置时沿用上级单位）"""
    return patrol.get_requirement(UnitOfWork(), current_actor(), unit_id)


@blp.route("/requirements/<int:unit_id>", methods=["PUT"])
@blp.arguments(RequirementSchema)
@blp.response(200, RequirementSchema)
@auth_required
def set_requirement(args, unit_id):
    """设置巡查频次：每班次签到次数、每周最少次数"""
    return patrol.set_requirement(UnitOfWork(), current_actor(), unit_id, args)


@blp.route("/roster")
@blp.arguments(RangeQuery, location="query")
@blp.response(200, ShiftSchema(many=True))
@auth_required
def shifts(args):
    """值班表（默认今天起 7 天）"""
    start = args.get("start") or local_today()
    end = args.get("end") or start + timedelta(days=6)
    if end < start or (end - start).days > 92:
        raise DomainError("range-invalid", "查询区间无效（结束日期不能早于开始日期，且不超过 92 天）", status=400)
    return roster.list_shifts(UnitOfWork(), current_actor(), start, end, args.get("unit_id"))


@blp.route("/roster", methods=["PUT"])
@blp.arguments(ShiftPutSchema)
@blp.response(200, ShiftSchema)
@auth_required
def put_shift(args):
    """新增或修改某单位某日某班次的带班领导与值班人员"""
    return roster.put_shift(UnitOfWork(), current_actor(), args)


@blp.route("/roster/<int:shift_id>", methods=["DELETE"])
@blp.response(204)
@auth_required
def delete_shift(shift_id):
    """删除班次（已有签到保留，仅解除关联）"""
    roster.delete_shift(UnitOfWork(), current_actor(), shift_id)


@blp.route("/roster/import", methods=["POST"])
@blp.arguments(UnitQuery, location="query")
@blp.response(201, ShiftSchema(many=True))
@auth_required
def import_roster(args):
    """导入值班表 CSV（text/csv，表头 date,shift,start,end,leader,officers；officers 用分号分隔用户名）"""
    if request.mimetype != "text/csv":
        raise DomainError("unsupported-media-type", "请以 text/csv 上传值班表", status=415)
    try:
        text = request.get_data(cache=False).decode("utf-8")
    except UnicodeDecodeError:
        raise DomainError("roster-csv-encoding", "CSV 须为 UTF-8 编码", status=400)
    return roster.import_csv(UnitOfWork(), current_actor(), args["unit_id"], text)


@blp.route("/checkins", methods=["POST"])
@blp.arguments(CheckinCreateSchema)
@blp.response(201, CheckinSchema)
@auth_required
def checkin(args):
    """在线签到（离线时由同步队列以 patrol.checkin 提交）；重复提交同一编号只记一次"""
    row, created = patrol.checkin_online(UnitOfWork(), current_actor(), config(), args, utcnow())
    return row, 201 if created else 200


@blp.route("/checkins")
@blp.arguments(LogQuery, location="query")
@blp.response(200, CheckinSchema(many=True))
@auth_required
def checkins(args):
    """巡查日志（执法人员只看本人，领导看本单位及下级）"""
    return patrol.patrol_log(UnitOfWork(), current_actor(), **args)


@blp.route("/compliance")
@blp.arguments(ComplianceQuery, location="query")
@blp.response(200, ComplianceSchema(many=True))
@auth_required
def compliance(args):
    """带班巡查考核：每位带班领导本周应签到与实际签到次数"""
    return patrol.compliance(UnitOfWork(), current_actor(), args.get("week") or local_today(), args.get("unit_id"))
