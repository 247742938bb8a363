"""Documents (执法文书), follow-ups, case transitions table, working-day calendar and the public verification page."""
from __future__ import annotations

from datetime import date

from flask import Response, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.adapters import render
from server.api.deps import auth_required, current_actor
from server.api.schemas import StrictSchema
from server.domain.documents import DOC_TYPES, PUBLISHABLE_DOC_TYPES
from server.domain.timeutil import local_today
from server.services import calendar, cases, catalog, documents, followups
from server.services.uow import UnitOfWork

blp = Blueprint("documents", __name__, url_prefix="/api", description="执法文书、跟踪回访与工作日历")


class DocumentSchema(Schema):
    id = fields.String()
    unit_id = fields.Integer()
    inspection_id = fields.String()
    case_id = fields.String(allow_none=True)
    doc_type = fields.String()
    title = fields.String()
    number = fields.String()
    procedure = fields.String()
    fine_fen = fields.Integer()
    catalog_code = fields.String(allow_none=True)
    catalog_version = fields.Integer(allow_none=True)
    status = fields.String()
    issued_at = fields.String()
    html_sha256 = fields.String()
    verify_token = fields.String()
    published_at = fields.String(allow_none=True)
    published_url = fields.String(allow_none=True)


class DocumentDetailSchema(DocumentSchema):
    context = fields.Dict()
    signatures = fields.List(fields.Dict())
    device_sha256 = fields.String(allow_none=True)
    html = fields.String()


class DocumentQuery(StrictSchema):
    inspection_id = fields.String()
    doc_type = fields.String(validate=validate.OneOf(sorted(DOC_TYPES)))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


@blp.route("/documents")
@blp.arguments(DocumentQuery, location="query")
@blp.response(200, DocumentSchema(many=True))
@auth_required
def list_documents(args):
    """本单位及下级单位签发的文书（最新在前）"""
    return [documents.summary(d) for d in documents.list_documents(UnitOfWork(), current_actor(), **args)]


@blp.route("/documents/templates")
@auth_required
def templates():
    """离线签发文书所需的一切：模板（Jinja/nunjucks）、固定文字、违法行为目录（含条文）、工作日历"""
    year = local_today().year
    return {"templates": render.template_sources(), "texts": documents.document_texts(),
            "doc_types": {k: {"title": v[0], "abbr": v[1], "decides": cases.DOC_COMMANDS[k] == "decide",
                              "publishable": k in PUBLISHABLE_DOC_TYPES} for k, v in DOC_TYPES.items()},
            "transitions": [[s, c, t] for (s, c), t in cases.CASE_TRANSITIONS.edges.items()],
            "catalog": [documents.catalog_dict(e) for e in catalog.list_current(UnitOfWork())],
            "calendar": calendar.export(UnitOfWork(), year - 1, year + 1)}


@blp.route("/documents/<doc_id>")
@blp.response(200, DocumentDetailSchema)
@auth_required
def get_document(doc_id):
    """单份文书：签发时的完整内容（按当时生效的目录版本）"""
    doc = documents.get_document(UnitOfWork(), current_actor(), doc_id)
    return dict(documents.summary(doc), context=doc.fields["context"], signatures=doc.signatures,
                device_sha256=doc.device_sha256, html=documents.html_of(doc))


class PublicationSchema(StrictSchema):
    url = fields.Url(required=True, schemes={"http", "https"}, validate=validate.Length(max=255))


class PublicationRecordSchema(Schema):
    title = fields.String()
    number = fields.String()
    party = fields.String(metadata={"description": "自然人为“姓+某”；单位保留名称"})
    party_kind = fields.String()
    credit_code = fields.String(allow_none=True)
    violation = fields.String()
    facts = fields.String(metadata={"description": "已隐去身份证号、电话、银行账号、住址、车牌"})
    basis = fields.List(fields.String())
    penalty = fields.String()
    authority = fields.String()
    decided_on = fields.String()


class PublicationTextSchema(Schema):
    document_id = fields.String()
    record = fields.Nested(PublicationRecordSchema)
    text = fields.String(metadata={"description": "可直接粘贴到政务网站的公示文本"})
    published_at = fields.String(allow_none=True)
    published_url = fields.String(allow_none=True)


@blp.route("/documents/<doc_id>/publication", methods=["GET"])
@blp.response(200, PublicationTextSchema)
@auth_required
def publication_text(doc_id):
    """处罚决定的公示文本（按法释〔2016〕19号隐去个人信息），以及是否已公示"""
    return documents.publication_text(UnitOfWork(), current_actor(), doc_id)


@blp.route("/documents/<doc_id>/publication", methods=["PUT"])
@blp.arguments(PublicationSchema)
@blp.response(200, DocumentSchema)
@auth_required
def publish(args, doc_id):
    """登记处罚决定的公示（网址与时间），公示提醒随之结束"""
    return documents.summary(documents.record_publication(UnitOfWork(), current_actor(), doc_id, args["url"]))


@blp.route("/documents/<doc_id>/pdf")
@auth_required
def get_pdf(doc_id):
    """文书 PDF（内嵌中文字体，二维码指向公开核验页）"""
    doc = documents.get_document(UnitOfWork(), current_actor(), doc_id)
    pdf = documents.pdf_of(doc, current_app.config["PUBLIC_BASE_URL"])
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{doc.id}.pdf"'})


class FollowUpSchema(Schema):
    id = fields.String()
    case_id = fields.String()
    document_id = fields.String()
    kind = fields.String()
    due_date = fields.String()
    remind_on = fields.String()
    status = fields.String()
    officer_id = fields.Integer()
    result_note = fields.String()
    version = fields.Integer()
    overdue = fields.Boolean()


class FollowUpQuery(StrictSchema):
    status = fields.String(validate=validate.OneOf(("open", "corrected", "not_corrected")))
    due_before = fields.Date()


@blp.route("/followups")
@blp.arguments(FollowUpQuery, location="query")
@blp.response(200, FollowUpSchema(many=True))
@auth_required
def list_followups(args):
    """跟踪回访任务（告知承诺书、责令改正通知书的改正期限）"""
    today = local_today()
    return [dict(cases.followup_payload(r), overdue=r.status == "open" and r.due_date < today)
            for r in followups.list_followups(UnitOfWork(), current_actor(), **args)]


class CalendarQuery(StrictSchema):
    from_year = fields.Integer(data_key="from", validate=validate.Range(2000, 2100))
    to_year = fields.Integer(data_key="to", validate=validate.Range(2000, 2100))


@blp.route("/calendar")
@blp.arguments(CalendarQuery, location="query")
@auth_required
def get_calendar(args):
    """工作日历（节假日与调休），供 PWA 离线计算期限；缺少数据的年份给出提示"""
    year = local_today().year
    return calendar.export(UnitOfWork(), args.get("from_year", year - 1), args.get("to_year", year + 1))


class DaySchema(StrictSchema):
    workday = fields.Boolean(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))


class YearSchema(StrictSchema):
    note = fields.String(load_default="", validate=validate.Length(max=255))


@blp.route("/calendar/days/<day>", methods=["PUT"])
@blp.arguments(DaySchema)
@auth_required
def put_day(args, day):
    """管理员：设置某日为节假日或调休工作日"""
    return calendar.set_day(UnitOfWork(), current_actor(), _date(day), args["workday"], args["name"])


@blp.route("/calendar/days/<day>", methods=["DELETE"])
@auth_required
def delete_day(day):
    """管理员：取消某日的特殊安排（恢复按星期计算）"""
    calendar.clear_day(UnitOfWork(), current_actor(), _date(day))
    return "", 204


@blp.route("/calendar/years/<int:year>", methods=["PUT"])
@blp.arguments(YearSchema)
@auth_required
def put_year(args, year):
    """管理员：确认某年节假日已录入完整（不再提示按周一至周五估算）"""
    return calendar.mark_year(UnitOfWork(), current_actor(), year, args["note"])


def _date(text: str) -> date:
    from server.domain.errors import DomainError

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError("date-invalid", "日期格式应为 YYYY-MM-DD", {"date": text}) from None
