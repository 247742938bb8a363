"""Case status machine (案件状态) and follow-up tasks (跟踪回访) for commitment letters and correction notices.

Status moves only through transition commands checked against ``CASE_TRANSITIONS`` at apply time (sync rule):
a command the case no longer allows is refused with the reason, never forced.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from server.adapters.models import Case, EnforcementCertificate, FollowUp, Inspection, Officer
from server.domain.actor import Actor
from server.domain.certificates import ensure_may_enforce
from server.domain.errors import DomainError, NotFound
from server.domain.timeutil import local_today
from server.services import lookup
from server.services.scope import get_scoped
from server.services.uow import UnitOfWork
from sync.transitions import TransitionTable

CASE_TRANSITIONS = TransitionTable(
    name="case",
    edges={
        ("open", "issue_notice"): "notice_issued",            # 普通程序: art. 44 notice first
        ("escalated", "issue_notice"): "notice_issued",
        ("notice_issued", "record_statement"): "statement_recorded",
        # 法制审核 (server.domain.legal_review): an ordinary-procedure decision only after the review passed.
        ("notice_issued", "submit_review"): "review_pending",  # the party waived or let the statement period pass
        ("statement_recorded", "submit_review"): "review_pending",
        ("review_returned", "submit_review"): "review_pending",
        ("review_pending", "approve_review"): "review_approved",
        ("review_pending", "return_review"): "review_returned",
        ("review_returned", "issue_notice"): "notice_issued",   # the intended penalty changed: notify again
        ("review_approved", "decide"): "decided",
        ("open", "decide"): "decided",                        # 简易程序 (told orally, art. 52) / 不予处罚
        ("open", "sign_commitment"): "commitment_signed",     # 告知承诺制
        ("open", "order_correction"): "correction_ordered",
        ("commitment_signed", "record_correction"): "corrected",
        ("correction_ordered", "record_correction"): "corrected",
        ("commitment_signed", "escalate"): "escalated",       # not corrected → ordinary procedure
        ("correction_ordered", "escalate"): "escalated",
        ("corrected", "close"): "closed",
        ("decided", "close"): "closed",
    },
    status_labels={"open": "已立案", "notice_issued": "已送达违法行为通知书", "statement_recorded": "已听取陈述申辩",
                   "review_pending": "待法制审核", "review_approved": "法制审核已通过", "review_returned": "法制审核退回补充",
                   "decided": "已作出决定", "commitment_signed": "已签订告知承诺书", "correction_ordered": "已责令改正",
                   "corrected": "已改正", "escalated": "转普通程序", "closed": "已结案"},
    command_labels={"issue_notice": "送达违法行为通知书", "record_statement": "记录陈述申辩", "decide": "作出决定",
                    "submit_review": "报送法制审核", "approve_review": "法制审核通过", "return_review": "法制审核退回",
                    "sign_commitment": "签订告知承诺书", "order_correction": "责令改正", "record_correction": "确认已改正",
                    "escalate": "转普通程序", "close": "结案"},
)
CASE_TRANSITIONS.check()

# Which transition issuing a document performs (None: the document does not move the case).
DOC_COMMANDS = {"violation_notice": "issue_notice", "on_spot_decision": "decide", "no_penalty_decision": "decide",
                "penalty_decision": "decide",
                "commitment_letter": "sign_commitment", "correction_notice": "order_correction", "on_site_record": None}


def case_payload(case: Case) -> dict:
    return {"id": case.id, "inspection_id": case.inspection_id, "procedure": case.procedure, "status": case.status,
            "fine_fen": case.fine_fen, "catalog_code": case.catalog_code, "catalog_version": case.catalog_version,
            "version": case.version}


def apply(uow: UnitOfWork, actor: Actor, case: Case, command: str, *, strict: bool = True) -> bool:
    """Move ``case`` by ``command``. ``strict=False`` (documents) skips commands the status does not take."""
    if not strict and (case.status, command) not in CASE_TRANSITIONS.edges:
        return False
    case.status = CASE_TRANSITIONS.apply(case.status, command)
    if command == "escalate":
        case.procedure = "ordinary"
    case.version += 1
    uow.session.flush()
    uow.record(actor, f"case.{command}", "case", case.id, case_payload(case), unit_id=case.unit_id, version=case.version)
    return True


def transition(uow: UnitOfWork, actor: Actor, case_id: str, command: str) -> Case:
    """``case.transition``: inside the caller's transaction (sync handler or REST use case)."""
    case = get_scoped(uow.session, Case, case_id, actor, for_update=True)
    apply(uow, actor, case, command)
    return case


def ensure_actor_may_enforce(uow: UnitOfWork, actor: Actor, when: datetime) -> None:
    officer = uow.session.get(Officer, actor.officer_id)
    cert = uow.session.scalar(select(EnforcementCertificate).where(EnforcementCertificate.officer_id == actor.officer_id))
    ensure_may_enforce(lookup.certificate_view(cert) if cert else None, local_today(when),
                       officer.full_name if officer else "该执法人员")


def open_followup(uow: UnitOfWork, *, case: Case, document_id: str, officer_id: int, kind: str, due, calendar) -> FollowUp:
    """A follow-up due on the correction deadline; reminder one working day before (never before today)."""
    remind = due - timedelta(days=1)
    while remind > case.created_at.date() and not calendar.is_workday(remind):
        remind -= timedelta(days=1)
    row = FollowUp(id=str(uuid.uuid4()), unit_id=case.unit_id, case_id=case.id, document_id=document_id,
                   officer_id=officer_id, kind=kind, due_date=due, remind_on=max(remind, case.created_at.date()))
    uow.session.add(row)
    uow.session.flush()
    uow.record(None, "followup.open", "followup", row.id, followup_payload(row), unit_id=case.unit_id)
    return row


def followup_payload(row: FollowUp) -> dict:
    return {"id": row.id, "case_id": row.case_id, "document_id": row.document_id, "kind": row.kind,
            "due_date": row.due_date.isoformat(), "remind_on": row.remind_on.isoformat(), "status": row.status,
            "officer_id": row.officer_id, "result_note": row.result_note, "version": row.version}


def verify_followup(uow: UnitOfWork, actor: Actor, followup_id: str, result: str, note: str, evidence_ids: list,
                    now: datetime) -> FollowUp:
    """Corrected → case corrected then closed; not corrected → escalate to 普通程序 (a new notice follows)."""
    row = get_scoped(uow.session, FollowUp, followup_id, actor, for_update=True)
    if row.status != "open":
        raise DomainError("followup-already-verified", f"该回访已核查（结果：{row.status}），不能重复核查",
                          {"status": row.status})
    ensure_actor_may_enforce(uow, actor, now)
    case = get_scoped(uow.session, Case, row.case_id, actor, for_update=True)
    row.status, row.result_note, row.evidence_ids = result, note, list(evidence_ids)
    row.verified_by, row.verified_at, row.version = actor.officer_id, now, row.version + 1
    if result == "corrected":
        apply(uow, actor, case, "record_correction")
        apply(uow, actor, case, "close")
    else:
        apply(uow, actor, case, "escalate")
        inspection = uow.session.get(Inspection, case.inspection_id)
        if inspection is not None and inspection.exemption_status:
            inspection.exemption_status = "revoked"
    uow.session.flush()
    uow.record(actor, "followup.verify", "followup", row.id, followup_payload(row), unit_id=row.unit_id,
               version=row.version)
    return row


def find_case(uow: UnitOfWork, inspection_id: str) -> Case | None:
    return uow.session.scalar(select(Case).where(Case.inspection_id == inspection_id).order_by(Case.created_at).limit(1))


def get_case(uow: UnitOfWork, actor: Actor, case_id: str) -> Case:
    try:
        return get_scoped(uow.session, Case, case_id, actor)
    except NotFound:
        raise NotFound("case-not-found", "案件不存在或不在您的管辖范围内") from None
