"""年度执法统计 (seed 002: the annual statistics report is due by 31 January): what each unit of the actor's subtree
did in a year — inspections, cases by procedure, documents by type, fines, 首违不罚 and their follow-ups, legal
reviews, publication of decisions. Years are Asia/Shanghai calendar years; counts come from the stored records,
so the report can be re-run at any time and always agrees with the files.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from server.adapters.models import Case, CaseReview, Document, FollowUp, Inspection, Unit
from server.domain.actor import Actor
from server.domain.documents import DOC_TYPES, PUBLISHABLE_DOC_TYPES
from server.domain.eligibility import MINOR_EXEMPT, ORDINARY, SIMPLE
from server.domain.errors import DomainError
from server.domain.timeutil import SHANGHAI
from server.services.scope import visible_unit_ids
from server.services.uow import UnitOfWork

READING_ROLES = ("leader", "legal_reviewer", "admin")
PROCEDURES = (MINOR_EXEMPT, SIMPLE, ORDINARY)
# Column key → zh-CN header, in report order (the CSV keeps this order).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("unit_code", "单位代码"), ("unit_name", "单位"), ("inspections", "现场检查（次）"),
    ("cases_minor_exempt", "首违不罚案件"), ("cases_simple", "简易程序案件"), ("cases_ordinary", "普通程序案件"),
    *((f"doc_{t}", f"{title}（份）") for t, (title, _) in DOC_TYPES.items()),
    ("fines_fen", "罚款金额（分）"), ("followups_corrected", "按期改正"), ("followups_not_corrected", "逾期未改正"),
    ("followups_open", "待核查"), ("reviews_approved", "法制审核通过"), ("reviews_returned", "法制审核退回"),
    ("reviews_pending", "待法制审核"), ("decisions_published", "决定已公示"), ("decisions_unpublished", "决定未公示"),
)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    if not 2000 <= year <= 2100:
        raise DomainError("year-invalid", "年份须在 2000 至 2100 之间", {"year": year})
    return datetime(year, 1, 1, tzinfo=SHANGHAI), datetime(year + 1, 1, 1, tzinfo=SHANGHAI)


def _counts(session, stmt) -> dict[Any, int]:
    """``SELECT unit_id[, key], n ... GROUP BY`` → ``{unit_id: n}`` or ``{(unit_id, key): n}``."""
    return {tuple(row[:-1]) if len(row) > 2 else row[0]: int(row[-1] or 0) for row in session.execute(stmt).all()}


def annual(uow: UnitOfWork, actor: Actor, year: int) -> dict[str, Any]:
    actor.require(*READING_ROLES)
    start, end = year_bounds(year)
    with uow:
        s = uow.session
        units = s.execute(select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(visible_unit_ids(actor)))
                          .order_by(Unit.path)).all()
        ids = [u.id for u in units]
        inspections = _counts(s, select(Inspection.unit_id, func.count()).where(
            Inspection.unit_id.in_(ids), Inspection.occurred_at >= start, Inspection.occurred_at < end)
            .group_by(Inspection.unit_id))
        cases = _counts(s, select(Case.unit_id, Case.procedure, func.count()).where(
            Case.unit_id.in_(ids), Case.created_at >= start, Case.created_at < end)
            .group_by(Case.unit_id, Case.procedure))
        issued = (Document.unit_id.in_(ids), Document.issued_at >= start, Document.issued_at < end,
                  Document.status == "issued")
        docs = _counts(s, select(Document.unit_id, Document.doc_type, func.count()).where(*issued)
                              .group_by(Document.unit_id, Document.doc_type))
        fines = _counts(s, select(Document.unit_id, func.sum(Document.fine_fen)).where(
            *issued, Document.doc_type.in_(PUBLISHABLE_DOC_TYPES)).group_by(Document.unit_id))
        published = _counts(s, select(Document.unit_id, Document.published_at.is_not(None), func.count()).where(
            *issued, Document.doc_type.in_(PUBLISHABLE_DOC_TYPES)).group_by(Document.unit_id,
                                                                         Document.published_at.is_not(None)))
        followups = _counts(s, select(FollowUp.unit_id, FollowUp.status, func.count()).join(
            Document, Document.id == FollowUp.document_id).where(*issued).group_by(FollowUp.unit_id, FollowUp.status))
        reviews = _counts(s, select(CaseReview.unit_id, CaseReview.status, func.count()).where(
            CaseReview.unit_id.in_(ids), CaseReview.submitted_at >= start, CaseReview.submitted_at < end)
            .group_by(CaseReview.unit_id, CaseReview.status))
        uow.rollback()
    rows = []
    for unit in units:
        row: dict[str, Any] = {"unit_id": unit.id, "unit_code": unit.code, "unit_name": unit.name,
                               "inspections": inspections.get(unit.id, 0)}
        row.update({f"cases_{p}": cases.get((unit.id, p), 0) for p in PROCEDURES})
        row.update({f"doc_{t}": docs.get((unit.id, t), 0) for t in DOC_TYPES})
        row["fines_fen"] = fines.get(unit.id, 0)
        row.update({f"followups_{st}": followups.get((unit.id, st), 0) for st in ("corrected", "not_corrected", "open")})
        row.update({f"reviews_{st}": reviews.get((unit.id, st), 0) for st in ("approved", "returned", "pending")})
        row["decisions_published"] = published.get((unit.id, True), 0)
        row["decisions_unpublished"] = published.get((unit.id, False), 0)
        rows.append(row)
    total = {key: sum(r[key] for r in rows) for key, _ in COLUMNS if key not in ("unit_code", "unit_name")}
    total.update(unit_code="", unit_name="合计")
    return {"year": year, "columns": [{"key": k, "label": v} for k, v in COLUMNS], "units": rows, "total": total}


def as_csv(report: dict[str, Any]) -> str:
    """UTF-8 with BOM so that a spreadsheet on a Chinese Windows desktop opens the headers correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label for _, label in COLUMNS])
    for row in [*report["units"], report["total"]]:
        writer.writerow([row[key] for key, _ in COLUMNS])
    return "\ufeff" + out.getvalue()
