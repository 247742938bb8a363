"""document.issue / case.transition / followup.verify through the mutation registry, on the demo data."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from server.adapters.models import Case, Document, FollowUp, Inspection, SyncConflict
from server.domain.timeutil import local_today
from server.services import calendar, catalog, documents
from server.services.uow import UnitOfWork
from sync import Outcome, Rejected, Status
from tests.documents_helpers import Runner, lease, make_inspection


@pytest.fixture
def runner(app, demo, db_session):
    return Runner(app, db_session)


def test_commitment_letter_for_a_first_minor_violation_is_issued_with_the_unit_number(runner, db_session):
    insp = make_inspection(db_session)
    outcome, args = runner.issue("zhangwei", insp, "commitment_letter", "minor_exempt")
    assert isinstance(outcome, Outcome) and outcome.status == Status.APPLIED, outcome
    doc = db_session.get(Document, args["id"])
    assert doc.number_text == f"呼交执新承诺〔{local_today().year}〕0001号"
    assert (doc.catalog_code, doc.catalog_version, doc.fine_fen) == ("GL-69-TUOXING", 1, 0)
    case = db_session.get(Case, doc.case_id)
    assert (case.status, case.procedure) == ("commitment_signed", "minor_exempt")
    assert db_session.get(Inspection, insp.id).exemption_status == "claimed"
    # Corrected on the spot (the item has no correction period): nothing left to follow up.
    assert db_session.scalars(select(FollowUp).where(FollowUp.case_id == case.id)).all() == []


def test_commitment_with_a_removal_deadline_opens_a_followup_and_not_corrected_escalates(runner, db_session):
    insp = make_inspection(db_session, code="GLF-79-BIAOZHI", party="呼和浩特市顺达货运有限公司", plate=None)
    outcome, args = runner.issue("zhangwei", insp, "commitment_letter", "minor_exempt",
                                 fields={"harm": "none", "corrected_on_spot": False, "first_violation": True,
                                         "correction": "拆除在公路用地范围内设置的广告标志"})
    assert outcome.status == Status.APPLIED, outcome
    followup = db_session.scalar(select(FollowUp).where(FollowUp.document_id == args["id"]))
    today = local_today()
    cal = calendar.load(UnitOfWork(db_session))
    assert followup.due_date == cal.deadline("correction", today, 7).due
    assert followup.remind_on < followup.due_date
    assert "改正期限至" in db_session.get(Document, args["id"]).fields["context"]["correction"]

    verify = {"id": str(uuid.uuid4()), "followup_id": followup.id, "result": "not_corrected", "note": "标志未拆除"}
    result = runner.run("followup.verify", "lina", verify)
    assert result.status == Status.APPLIED, result
    case = db_session.get(Case, followup.case_id)
    assert (case.status, case.procedure) == ("escalated", "ordinary")
    again = runner.run("followup.verify", "lina", dict(verify, id=str(uuid.uuid4())))
    assert isinstance(again, Rejected) and again.code == "followup-already-verified"


def test_corrected_followup_closes_the_case(runner, db_session):
    insp = make_inspection(db_session, code="GLF-79-BIAOZHI", party="呼和浩特市顺达货运有限公司", plate=None)
    outcome, args = runner.issue("zhangwei", insp, "correction_notice", "minor_exempt",
                                 fields={"harm": "none", "corrected_on_spot": False, "first_violation": True})
    assert outcome.status == Status.APPLIED, outcome
    followup = db_session.scalar(select(FollowUp).where(FollowUp.document_id == args["id"]))
    result = runner.run("followup.verify", "zhangwei", {"id": str(uuid.uuid4()), "followup_id": followup.id,
                                                        "result": "corrected", "note": "已拆除"})
    assert result.status == Status.APPLIED
    assert db_session.get(Case, followup.case_id).status == "closed"


def test_single_officer_is_refused(runner, db_session):
    insp = make_inspection(db_session, second=None)
    outcome, _ = runner.issue("zhangwei", insp, "commitment_letter", "minor_exempt")
    assert isinstance(outcome, Rejected) and outcome.code == "two-officers-required"
    assert "第四十二条" in outcome.message


def test_officer_with_expired_certificate_is_refused(runner, db_session):
    insp = make_inspection(db_session, officer="sunyu", second="wangqiang", party="马某华", plate="蒙A67890")
    outcome, _ = runner.issue("sunyu", insp, "commitment_letter", "minor_exempt")
    assert isinstance(outcome, Rejected) and outcome.code == "certificate-expired"
    assert "孙宇" in outcome.message and db_session.scalar(select(Document.id)) is None


def test_suspended_second_officer_is_refused(runner, db_session):
    insp = make_inspection(db_session, second="zhaolei")
    outcome, _ = runner.issue("zhangwei", insp, "commitment_letter", "minor_exempt")
    assert isinstance(outcome, Rejected) and outcome.code == "certificate-suspended"


def test_on_the_spot_fine_above_the_article_51_limit_is_refused(runner, db_session):
    insp = make_inspection(db_session, code="DLYS-68-2-YANGSA")  # 1000–3000 yuan on 刘某军, a person
    outcome, _ = runner.issue("zhangwei", insp, "on_spot_decision", "simple", fine_fen=100000,
                              fields={"harm": "slight", "corrected_on_spot": True})
    assert isinstance(outcome, Rejected) and outcome.code == "fine-above-simple-limit"
    assert "第五十一条" in outcome.message and "200元" in outcome.message


def test_on_the_spot_fine_within_the_organisation_limit_is_issued(runner, db_session):
    insp = make_inspection(db_session, code="DLYS-68-2-YANGSA", party="呼和浩特市顺达货运有限公司")
    outcome, args = runner.issue("zhangwei", insp, "on_spot_decision", "simple", fine_fen=150000,
                                 fields={"harm": "slight", "corrected_on_spot": True})
    assert outcome.status == Status.APPLIED, outcome
    doc = db_session.get(Document, args["id"])
    assert doc.fine_fen == 150000 and db_session.get(Case, doc.case_id).status == "decided"


def test_never_exempt_violation_marked_for_commitment_letter_is_refused(runner, db_session):
    insp = make_inspection(db_session, code="DLYS-64-JIASHIYUAN")
    outcome, _ = runner.issue("zhangwei", insp, "commitment_letter", "minor_exempt")
    assert isinstance(outcome, Rejected) and outcome.code == "never-exempt-violation"
    assert "不得免予处罚" in outcome.message


def test_earlier_violation_known_only_to_the_server_contests_the_exemption(runner, db_session):
    make_inspection(db_session, occurred_at=datetime.now(timezone.utc) - timedelta(days=40))
    insp = make_inspection(db_session)
    outcome, args = runner.issue("zhangwei", insp, "commitment_letter", "minor_exempt")
    assert outcome.status == Status.CONFLICT and outcome.code == "exemption-contested"
    assert db_session.get(Document, args["id"]) is not None  # the officer's record is kept
    assert db_session.get(Inspection, insp.id).exemption_status == "contested"
    conflict = db_session.scalar(select(SyncConflict).where(SyncConflict.entity_id == insp.id))
    assert (conflict.kind, conflict.assignee_role) == ("exemption", "legal_reviewer")


def test_a_number_is_used_once_and_must_lie_in_the_devices_block(runner, db_session):
    block = lease(db_session, "zhangwei", "commitment_letter")
    first, _ = runner.issue("zhangwei", make_inspection(db_session), "commitment_letter", "minor_exempt", block=block)
    assert first.status == Status.APPLIED
    other = make_inspection(db_session, party="高某峰", plate=None)
    again, _ = runner.issue("zhangwei", other, "commitment_letter", "minor_exempt", block=block, seq=block.start)
    assert isinstance(again, Rejected) and again.code == "number-already-used"
    outside, _ = runner.issue("zhangwei", other, "commitment_letter", "minor_exempt", block=block, seq=block.end + 1)
    assert isinstance(outside, Rejected) and outside.code == "number-outside-block"
    nxt, args = runner.issue("zhangwei", other, "commitment_letter", "minor_exempt", block=block, seq=block.start + 1)
    assert nxt.status == Status.APPLIED
    assert db_session.get(Document, args["id"]).number_text.endswith("0002号")


def test_document_keeps_the_catalog_text_in_force_when_issued(runner, db_session):
    outcome, args = runner.issue("zhangwei", make_inspection(db_session), "commitment_letter", "minor_exempt")
    assert outcome.status == Status.APPLIED
    catalog.save_version(UnitOfWork(db_session), None, "GL-69-TUOXING", {"penalty_text": "（修订后的条文，用于测试）"})
    doc = db_session.get(Document, args["id"])
    html = documents.html_of(doc)
    assert "由公路管理机构责令改正，处5000元以下的罚款" in html and "修订后的条文" not in html


def test_device_content_hash_is_compared_with_the_server_rendering(runner, db_session):
    outcome, _ = runner.issue("zhangwei", make_inspection(db_session), "commitment_letter", "minor_exempt",
                              content_sha256="0" * 64)
    assert outcome.status == Status.APPLIED and outcome.details["content_matches"] is False


def test_case_transitions_follow_the_table(runner, db_session):
    outcome, args = runner.issue("zhangwei", make_inspection(db_session), "commitment_letter", "minor_exempt")
    case_id = db_session.get(Document, args["id"]).case_id
    wrong = runner.run("case.transition", "zhangwei", {"id": str(uuid.uuid4()), "case_id": case_id, "command": "close"})
    assert isinstance(wrong, Rejected) and wrong.code == "transition-not-allowed"
    assert "已签订告知承诺书" in wrong.message and "escalate" in wrong.details["allowed"]
    needs_doc = runner.run("case.transition", "zhangwei", {"id": str(uuid.uuid4()), "case_id": case_id, "command": "decide"})
    assert isinstance(needs_doc, Rejected) and needs_doc.code == "transition-needs-document"
    ok = runner.run("case.transition", "zhangwei", {"id": str(uuid.uuid4()), "case_id": case_id, "command": "escalate"})
    assert ok.status == Status.APPLIED and db_session.get(Case, case_id).procedure == "ordinary"


def test_officer_of_another_unit_cannot_issue_on_this_inspection(runner, db_session):
    insp = make_inspection(db_session)
    outcome, _ = runner.issue("wangqiang", insp, "commitment_letter", "minor_exempt")
    assert isinstance(outcome, Rejected) and outcome.code == "not-found"


def test_commitment_letter_after_a_reviewer_denied_the_exemption_is_refused(runner, db_session):
    insp = make_inspection(db_session)
    insp.exemption_status = "denied"
    db_session.commit()
    outcome, _ = runner.issue("zhangwei", insp, "commitment_letter", "minor_exempt")
    assert isinstance(outcome, Rejected) and outcome.code == "exemption-denied"
    ordinary, _ = runner.issue("zhangwei", insp, "violation_notice", "ordinary",
                               fields={"harm": "slight", "corrected_on_spot": True, "first_violation": False})
    assert ordinary.status == Status.APPLIED


def test_fine_outside_the_statutory_range_is_refused(runner, db_session):
    insp = make_inspection(db_session, code="DLYS-68-2-YANGSA", party="呼和浩特市顺达货运有限公司")
    outcome, _ = runner.issue("zhangwei", insp, "violation_notice", "ordinary", fine_fen=300001,
                              fields={"harm": "serious", "corrected_on_spot": False, "first_violation": False})
    assert isinstance(outcome, Rejected) and outcome.code == "fine-outside-statutory-range"
    assert "3000.01元" in outcome.message
