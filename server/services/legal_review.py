"""法制审核 use cases: the handling officer submits an ordinary-procedure case, a legal reviewer of the unit (or
above) approves it or returns it with a written opinion item by item, and only then may the decision be made.

Rules are in ``server.domain.legal_review``; case status moves through ``cases.CASE_TRANSITIONS``. Every step is
audited and published to the unit's change stream, so the officer's phone sees the result on its next pull, and
the reminder engine tells the officer (``reminders.review_results``) and the reviewers (``reminders.reviews``).
"""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import select

from server.adapters.models import Case, CaseReview, Inspection, Officer
from server.domain import legal_review as rules
from server.domain.actor import Actor
from server.domain.errors import DomainError, PreconditionFailed
from server.domain.timeutil import utcnow
from server.services import cases
from server.services.scope import get_scoped, scoped
from server.services.uow import UnitOfWork
from sync import Rejected

HANDLING_ROLES = ("officer", "leader")


def payload(row: CaseReview) -> dict[str, Any]:
    return {"id": row.id, "case_id": row.case_id, "unit_id": row.unit_id, "submitted_by": row.submitted_by,
            "submitted_at": row.submitted_at.isoformat(), "note": row.note, "status": row.status,
            "status_label": rules.RESULTS.get(row.status, "待审核"), "reviewer_id": row.reviewer_id,
            "decided_at": row.decided_at.isoformat() if row.decided_at else None, "opinion": row.opinion,
            "checks": [{"item": key, "label": label, "result": (row.checks or {}).get(key)}
                       for key, label in rules.REVIEW_ITEMS],
            "version": row.version}


def handling_officers(uow: UnitOfWork, case: Case) -> set[int]:
    """The two officers of the case's inspection: who may not review or evaluate it (审核与办案分离)."""
    inspection = uow.session.get(Inspection, case.inspection_id)
    return {i for i in (inspection.officer_id, inspection.second_officer_id) if i} if inspection else set()


def _move(uow: UnitOfWork, actor: Actor, case: Case, command: str) -> None:
    try:
        cases.apply(uow, actor, case, command)
    except Rejected as exc:  # the transition table speaks sync's language; REST callers get the one error shape
        raise DomainError(exc.code, exc.message, exc.details, status=409) from None


def submit_in(uow: UnitOfWork, actor: Actor, case_id: str, note: str) -> CaseReview:
    """Inside the caller's transaction (the ``case.submit_review`` mutation or the REST use case)."""
    actor.require(*HANDLING_ROLES)
    case = get_scoped(uow.session, Case, case_id, actor, for_update=True)
    if not rules.review_required(case.procedure):
        raise DomainError("review-not-required", "简易程序和免罚案件无需报送法制审核", {"procedure": case.procedure})
    if actor.officer_id not in handling_officers(uow, case) and not actor.has("leader"):
        raise DomainError("review-submit-not-handling", "只有本案承办执法人员或带班领导可以报送法制审核", status=403)
    cases.ensure_actor_may_enforce(uow, actor, utcnow())
    _move(uow, actor, case, "submit_review")
    row = CaseReview(case_id=case.id, unit_id=case.unit_id, submitted_by=actor.officer_id, submitted_at=utcnow(),
                     note=note, status="pending", opinion="", checks={}, version=1)
    uow.session.add(row)
    uow.session.flush()
    uow.record(actor, "review.submit", "case_review", row.id, payload(row), unit_id=row.unit_id, version=1)
    return row


def submit(uow: UnitOfWork, actor: Actor, case_id: str, note: str) -> dict[str, Any]:
    with uow:
        row = submit_in(uow, actor, case_id, note)
        out = payload(row)
        uow.commit()
        return out


def list_reviews(uow: UnitOfWork, actor: Actor, *, status: str = "pending", case_id: str | None = None,
                 limit: int = 200) -> list[dict[str, Any]]:
    """Reviewers, leaders and admins: the unit subtree's reviews; an officer: those of cases they handle."""
    with uow:
        stmt = scoped(select(CaseReview, Case, Inspection), CaseReview, actor).join(
            Case, Case.id == CaseReview.case_id).join(Inspection, Inspection.id == Case.inspection_id)
        if not actor.has("legal_reviewer", "leader", "admin"):
            stmt = stmt.where((Inspection.officer_id == actor.officer_id)
                              | (Inspection.second_officer_id == actor.officer_id))
        if status != "all":
            stmt = stmt.where(CaseReview.status == status)
        if case_id:
            stmt = stmt.where(CaseReview.case_id == case_id)
        rows = uow.session.execute(stmt.order_by(CaseReview.submitted_at, CaseReview.id).limit(limit)).all()
        people = {r.submitted_by for r, _, _ in rows} | {r.reviewer_id for r, _, _ in rows if r.reviewer_id}
        names = dict(uow.session.execute(select(Officer.id, Officer.full_name).where(Officer.id.in_(sorted(people)))).all())
        out = []
        for review, case, inspection in rows:
            item = payload(review)
            item["submitted_by_name"] = names.get(review.submitted_by)
            item["reviewer_name"] = names.get(review.reviewer_id)
            item["case"] = {**cases.case_payload(case), "status_label": cases.CASE_TRANSITIONS.status_labels.get(case.status, case.status),
                            "facts": inspection.facts, "place": inspection.place,
                            "occurred_at": inspection.occurred_at.isoformat()}
            out.append(item)
        uow.rollback()
        return out


def decide(uow: UnitOfWork, actor: Actor, review_id: int, result: str, opinion: str, checks: Mapping[str, str],
           expected_version: int | None = None) -> dict[str, Any]:
    """The written opinion (书面审核意见): approve → the decision may be made; return → the office fixes and resubmits."""
    actor.require("legal_reviewer")
    with uow:
        row = get_scoped(uow.session, CaseReview, review_id, actor, for_update=True)
        if expected_version is not None and expected_version != row.version:
            raise PreconditionFailed(details={"current_version": row.version})
        if row.status != "pending":
            raise DomainError("review-already-decided", f"该审核已有结论（{rules.RESULTS[row.status]}），不能重复审核",
                              {"status": row.status}, status=409)
        case = get_scoped(uow.session, Case, row.case_id, actor, for_update=True)
        rules.ensure_reviewer_is_not_handling(actor.officer_id, handling_officers(uow, case) | {row.submitted_by})
        rules.validate_opinion(result, opinion, checks)
        _move(uow, actor, case, "approve_review" if result == "approved" else "return_review")
        row.status, row.opinion, row.checks = result, opinion.strip(), dict(checks)
        row.reviewer_id, row.decided_at, row.version = actor.officer_id, utcnow(), row.version + 1
        uow.session.flush()
        uow.record(actor, f"review.{result}", "case_review", row.id, payload(row), unit_id=row.unit_id,
                   version=row.version)
        out = payload(row)
        uow.commit()
        return out

