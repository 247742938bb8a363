"""案卷评查 use cases: a legal reviewer (or admin) draws ≥10 % of the period's closed cases in their subtree, then
legal reviewers who did not handle a case grade it with findings. Rules in ``server.domain.case_evaluation``."""
from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from server.adapters.models import Case, CaseEvaluation, CaseEvaluationItem, Inspection
from server.domain import case_evaluation as rules
from server.domain import legal_review as legal_review_rules
from server.domain.actor import Actor
from server.domain.errors import DomainError, NotFound, PreconditionFailed
from server.domain.timeutil import SHANGHAI, utcnow
from server.services import legal_review
from server.services.scope import get_scoped, scoped
from server.services.uow import UnitOfWork

DRAWING_ROLES = ("legal_reviewer", "admin")


def _day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    if last < first:
        raise DomainError("evaluation-period-invalid", "评查期间的结束日期不能早于开始日期", {"from": first, "to": last})
    start = datetime(first.year, first.month, first.day, tzinfo=SHANGHAI)
    end = datetime(last.year, last.month, last.day, tzinfo=SHANGHAI) + timedelta(days=1)
    return start, end


def item_payload(item: CaseEvaluationItem, case: Case | None = None, inspection: Inspection | None = None) -> dict[str, Any]:
    out = {"id": item.id, "evaluation_id": item.evaluation_id, "case_id": item.case_id, "unit_id": item.unit_id,
           "grade": item.grade, "grade_label": rules.GRADES.get(item.grade or "", "未评查"), "findings": item.findings,
           "evaluated_by": item.evaluated_by,
           "evaluated_at": item.evaluated_at.isoformat() if item.evaluated_at else None, "version": item.version}
    if case is not None:
        out["case"] = {"procedure": case.procedure, "status": case.status, "fine_fen": case.fine_fen,
                       "catalog_code": case.catalog_code,
                       "facts": inspection.facts if inspection else "", "officer_id": inspection.officer_id if inspection else None}
    return out


def evaluation_payload(row: CaseEvaluation, items: list[dict[str, Any]]) -> dict[str, Any]:
    graded = [i for i in items if i["grade"]]
    return {"id": row.id, "unit_id": row.unit_id, "from": row.period_from.isoformat(), "to": row.period_to.isoformat(),
            "ratio": row.ratio_permille / 1000, "seed": row.seed, "population": list(row.population or []),
            "note": row.note, "drawn_by": row.drawn_by, "drawn_at": row.drawn_at.isoformat(), "items": items,
            "summary": {"sampled": len(items), "graded": len(graded),
                        **{g: sum(1 for i in graded if i["grade"] == g) for g in rules.GRADES}}}


def draw(uow: UnitOfWork, actor: Actor, first: date, last: date, ratio: float, note: str) -> dict[str, Any]:
    actor.require(*DRAWING_ROLES)
    start, end = _day_bounds(first, last)
    with uow:
        closed = uow.session.execute(scoped(select(Case.id, Case.unit_id), Case, actor).where(
            Case.status.in_(rules.CLOSED_STATUSES), Case.updated_at >= start, Case.updated_at < end)).all()
        units = dict(closed)
        seed = secrets.randbelow(2**31)
        sampled = rules.draw(units, ratio, seed)
        row = CaseEvaluation(unit_id=actor.unit_id, period_from=first, period_to=last, ratio_permille=round(ratio * 1000),
                             seed=seed, population=sorted(units), note=note, drawn_by=actor.officer_id, drawn_at=utcnow())
        uow.session.add(row)
        uow.session.flush()
        items = [CaseEvaluationItem(evaluation_id=row.id, case_id=case_id, unit_id=units[case_id], findings="", version=1)
                 for case_id in sampled]
        uow.session.add_all(items)
        uow.session.flush()
        out = evaluation_payload(row, [item_payload(i) for i in items])
        uow.record(actor, "evaluation.draw", "case_evaluation", row.id,
                   {k: out[k] for k in ("from", "to", "ratio", "seed", "population")} | {"sampled": sampled},
                   unit_id=row.unit_id, publish=False)
        uow.commit()
        return out


def _items_of(uow: UnitOfWork, evaluation_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The items of several evaluations in one query, by evaluation id."""
    rows = uow.session.execute(select(CaseEvaluationItem, Case, Inspection)
                               .join(Case, Case.id == CaseEvaluationItem.case_id)
                               .outerjoin(Inspection, Inspection.id == Case.inspection_id)
                               .where(CaseEvaluationItem.evaluation_id.in_(evaluation_ids))
                               .order_by(CaseEvaluationItem.case_id)).all()
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in evaluation_ids}
    for item, case, inspection in rows:
        out[item.evaluation_id].append(item_payload(item, case, inspection))
    return out


def _evaluation(uow: UnitOfWork, actor: Actor, evaluation_id: int) -> CaseEvaluation:
    try:
        return get_scoped(uow.session, CaseEvaluation, evaluation_id, actor)
    except NotFound:
        raise NotFound("evaluation-not-found", "评查记录不存在或不在您的管辖范围内") from None


def get(uow: UnitOfWork, actor: Actor, evaluation_id: int) -> dict[str, Any]:
    actor.require(*DRAWING_ROLES, "leader")
    with uow:
        return evaluation_payload(_evaluation(uow, actor, evaluation_id), _items_of(uow, [evaluation_id])[evaluation_id])


def list_evaluations(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    actor.require(*DRAWING_ROLES, "leader")
    with uow:
        rows = uow.session.scalars(scoped(select(CaseEvaluation), CaseEvaluation, actor)
                                   .order_by(CaseEvaluation.drawn_at.desc())).all()
        items = _items_of(uow, [r.id for r in rows])
        return [evaluation_payload(r, items[r.id]) for r in rows]


def grade(uow: UnitOfWork, actor: Actor, evaluation_id: int, item_id: int, grade_key: str, findings: str,
          expected_version: int | None) -> dict[str, Any]:
    """A legal reviewer grades one sampled case; nobody grades a case they handled (审核与办案分离)."""
    actor.require("legal_reviewer")
    rules.validate_grade(grade_key, findings)
    with uow:
        _evaluation(uow, actor, evaluation_id)
        item = uow.session.get(CaseEvaluationItem, item_id, with_for_update=True)
        if item is None or item.evaluation_id != evaluation_id:
            raise NotFound("evaluation-item-not-found", "该案卷不在本次评查中")
        if expected_version is not None and expected_version != item.version:
            raise PreconditionFailed(details={"current_version": item.version})
        case = get_scoped(uow.session, Case, item.case_id, actor)
        legal_review_rules.ensure_reviewer_is_not_handling(actor.officer_id, legal_review.handling_officers(uow, case))
        inspection = uow.session.get(Inspection, case.inspection_id)
        item.grade, item.findings = grade_key, findings.strip()
        item.evaluated_by, item.evaluated_at, item.version = actor.officer_id, utcnow(), item.version + 1
        uow.session.flush()
        out = item_payload(item, case, inspection)
        uow.record(actor, "evaluation.grade", "case_evaluation_item", item.id, out, unit_id=item.unit_id,
                   version=item.version, publish=False)
        uow.commit()
        return out

