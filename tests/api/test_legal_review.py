"""法制审核 through HTTP: an ordinary-procedure case is submitted, a legal reviewer approves or returns it with a
written opinion item by item, the officer's phone sees the result, and nobody reviews their own case."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.adapters.models import AuditEntry, Case, CaseReview, Change, Notification
from server.domain.legal_review import ITEM_KEYS
from server.domain.timeutil import utcnow
from server.services import reminders
from server.services.uow import UnitOfWork
from sync import Rejected, Status, Waiting
from tests import factories
from tests.documents_helpers import Runner, make_inspection

ALL_OK = {key: "ok" for key in ITEM_KEYS}
OPINION = "事实清楚，证据确实充分，适用法律正确，程序合法，裁量适当。"


@pytest.fixture
def runner(app, demo, db_session):
    return Runner(app, db_session)


def ordinary_case(runner, db_session, *, statement=True, facts="") -> str:
    """违法行为通知书 served (普通程序), and the party's statement recorded."""
    insp = make_inspection(db_session, facts=facts)
    outcome, _ = runner.issue("zhangwei", insp, "violation_notice", "ordinary",
                              fields={"harm": "slight", "corrected_on_spot": False, "first_violation": False})
    assert outcome.status == Status.APPLIED, outcome
    case_id = next(r["id"] for r in outcome.entity_refs if r["type"] == "case")
    if statement:
        moved = runner.run("case.transition", "zhangwei",
                           {"id": str(uuid.uuid4()), "case_id": case_id, "command": "record_statement"})
        assert moved.status == Status.APPLIED, moved
    return case_id


def case_status(db_session, case_id: str) -> str:
    db_session.expire_all()
    return db_session.get(Case, case_id).status


def decide(client, headers, review, **body):
    return client.post(f"/api/reviews/{review['id']}/decision", json=body,
                       headers={**headers, "If-Match": f'"{review["version"]}"'})


def test_officer_submits_and_the_reviewer_approves_with_a_written_opinion(client, login, runner, db_session):
    case_id = ordinary_case(runner, db_session)
    officer, reviewer = login("zhangwei"), login("reviewer")
    submitted = client.post(f"/api/cases/{case_id}/reviews", json={"note": "当事人陈述申辩已记录，报请审核"}, headers=officer)
    assert submitted.status_code == 201, submitted.get_json()
    assert submitted.get_json()["status"] == "pending" and case_status(db_session, case_id) == "review_pending"

    [queued] = client.get("/api/reviews", headers=reviewer).get_json()
    assert queued["case_id"] == case_id and queued["submitted_by_name"] == "张伟"
    assert queued["case"]["status_label"] == "待法制审核" and queued["case"]["procedure"] == "ordinary"
    assert [c["label"] for c in queued["checks"]][:2] == ["执法主体是否合法", "是否超越执法权限"]

    missing = client.post(f"/api/reviews/{queued['id']}/decision", json={"result": "approved", "opinion": OPINION,
                                                                         "checks": ALL_OK}, headers=reviewer)
    assert missing.status_code == 428 and missing.get_json()["error"]["code"] == "if-match-required"
    approved = decide(client, reviewer, queued, result="approved", opinion=OPINION, checks=ALL_OK)
    assert approved.status_code == 200, approved.get_json()
    body = approved.get_json()
    assert body["status"] == "approved" and body["opinion"] == OPINION and body["reviewer_id"]
    assert case_status(db_session, case_id) == "review_approved"

    again = decide(client, reviewer, body, result="returned", opinion="再次审核", checks={**ALL_OK, "facts": "problem"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "review-already-decided"
    stale = decide(client, reviewer, queued, result="approved", opinion=OPINION, checks=ALL_OK)  # version 1 again
    assert stale.status_code == 412

    actions = set(db_session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type.in_(("case_review", "case")))))
    assert {"review.submit", "review.approved", "case.submit_review", "case.approve_review"} <= actions
    # The officer's phone learns the result from the change stream.
    pulled = client.get("/api/sync/pull?cookie=0&limit=500", headers=officer).get_json()["changes"]
    review_changes = [c for c in pulled if c["entity_type"] == "case_review"]
    assert review_changes[-1]["payload"]["status"] == "approved" and review_changes[-1]["version"] == 2


def test_a_return_names_the_problems_and_a_resubmission_keeps_the_first_opinion(client, login, runner, db_session):
    case_id = ordinary_case(runner, db_session)
    officer, reviewer = login("zhangwei"), login("reviewer")
    first = client.post(f"/api/cases/{case_id}/reviews", json={}, headers=officer).get_json()
    returned = decide(client, reviewer, first, result="returned", opinion="询问笔录缺当事人签名，请补充后重新报审。",
                      checks={**ALL_OK, "facts": "problem", "documents": "problem"})
    assert returned.status_code == 200, returned.get_json()
    assert case_status(db_session, case_id) == "review_returned"
    problems = [c["label"] for c in returned.get_json()["checks"] if c["result"] == "problem"]
    assert problems == ["事实是否清楚、证据是否确实充分", "执法文书是否规范"]

    second = client.post(f"/api/cases/{case_id}/reviews", json={"note": "已补充签名"}, headers=officer)
    assert second.status_code == 201 and case_status(db_session, case_id) == "review_pending"
    history = client.get(f"/api/reviews?status=all&case_id={case_id}", headers=officer).get_json()
    assert [(r["status"], r["note"]) for r in history] == [("returned", ""), ("pending", "已补充签名")]
    assert history[0]["opinion"].startswith("询问笔录缺当事人签名")


@pytest.mark.parametrize("result, opinion, checks, code", [
    ("approved", OPINION, {**ALL_OK, "law": "problem"}, "review-approval-has-problems"),
    ("approved", OPINION, {k: "ok" for k in ITEM_KEYS[:-1]}, "review-checks-incomplete"),
    ("approved", OPINION, {**ALL_OK, "facts": "maybe"}, "review-checks-incomplete"),
    ("approved", "  ", ALL_OK, "review-opinion-required"),
    ("returned", "请补充证据", ALL_OK, "review-return-needs-problem"),
])
def test_an_opinion_that_does_not_hold_together_is_refused_and_changes_nothing(client, login, runner, db_session,
                                                                              result, opinion, checks, code):
    case_id = ordinary_case(runner, db_session)
    review = client.post(f"/api/cases/{case_id}/reviews", json={}, headers=login("zhangwei")).get_json()
    resp = decide(client, login("reviewer"), review, result=result, opinion=opinion, checks=checks)
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == code
    assert resp.get_json()["error"]["message"]
    db_session.expire_all()
    row = db_session.get(CaseReview, review["id"])
    assert (row.status, row.version, row.opinion) == ("pending", 1, "")
    assert case_status(db_session, case_id) == "review_pending"


def test_nobody_reviews_their_own_case_and_other_units_see_nothing(client, login, runner, db_session):
    for username in ("zhangwei", "wangqiang"):  # a handling officer and another brigade's officer, both reviewers
        factories.officer(db_session, username).roles = ["officer", "legal_reviewer"]
    db_session.commit()
    case_id = ordinary_case(runner, db_session)
    review = client.post(f"/api/cases/{case_id}/reviews", json={}, headers=login("zhangwei")).get_json()

    own = decide(client, login("zhangwei"), review, result="approved", opinion=OPINION, checks=ALL_OK)
    assert own.status_code == 403 and own.get_json()["error"]["code"] == "review-own-case"
    other = login("wangqiang")  # 赛罕区大队: the case is 新城区大队's
    assert client.get("/api/reviews", headers=other).get_json() == []
    assert decide(client, other, review, result="approved", opinion=OPINION, checks=ALL_OK).status_code == 404
    assert client.post(f"/api/cases/{case_id}/reviews", json={}, headers=other).status_code == 404
    officer_only = decide(client, login("lina"), review, result="approved", opinion=OPINION, checks=ALL_OK)
    assert officer_only.status_code == 403
    assert case_status(db_session, case_id) == "review_pending"


def test_only_ordinary_cases_in_the_right_state_are_submitted(client, login, runner, db_session):
    insp = make_inspection(db_session, facts="车辆装载物掉落，已当场清理")
    outcome, _ = runner.issue("zhangwei", insp, "commitment_letter", "minor_exempt")
    minor_case = next(r["id"] for r in outcome.entity_refs if r["type"] == "case")
    resp = client.post(f"/api/cases/{minor_case}/reviews", json={}, headers=login("zhangwei"))
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "review-not-required"

    case_id = ordinary_case(runner, db_session)
    assert client.post(f"/api/cases/{case_id}/reviews", json={}, headers=login("zhangwei")).status_code == 201
    twice = client.post(f"/api/cases/{case_id}/reviews", json={}, headers=login("zhangwei"))
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "transition-not-allowed"
    assert "待法制审核" in twice.get_json()["error"]["message"]
    assert db_session.scalar(select(func.count()).select_from(CaseReview).where(CaseReview.case_id == case_id)) == 1


def test_a_phone_queues_the_submission_offline_but_cannot_queue_a_review_result(runner, db_session):
    case_id = ordinary_case(runner, db_session, statement=False)  # the party waived the statement
    queued = runner.run("case.transition", "zhangwei", {"id": str(uuid.uuid4()), "case_id": case_id,
                                                        "command": "submit_review", "args": {"note": "当事人放弃陈述申辩"}})
    assert queued.status == Status.APPLIED and case_status(db_session, case_id) == "review_pending"
    assert db_session.scalar(select(CaseReview.note).where(CaseReview.case_id == case_id)) == "当事人放弃陈述申辩"
    forced = runner.run("case.transition", "reviewer", {"id": str(uuid.uuid4()), "case_id": case_id,
                                                        "command": "approve_review"})
    assert isinstance(forced, Rejected) and forced.code == "review-needs-opinion"
    with pytest.raises(Waiting):  # its violation notice is still parked on the server: wait for the case
        runner.run("case.transition", "zhangwei", {"id": str(uuid.uuid4()), "case_id": "case-not-yet-here",
                                                   "command": "submit_review"})
    db_session.rollback()


def test_the_submitting_officer_is_told_the_result_once(app, client, login, runner, db_session):
    case_id = ordinary_case(runner, db_session)
    review = client.post(f"/api/cases/{case_id}/reviews", json={}, headers=login("zhangwei")).get_json()
    decide(client, login("reviewer"), review, result="returned", opinion="缺少车辆照片，请补充。",
           checks={**ALL_OK, "facts": "problem"})
    now = utcnow() + timedelta(minutes=1)
    assert reminders.run(UnitOfWork(db_session), app.config, now)["review_results"] == 1
    assert reminders.run(UnitOfWork(db_session), app.config, now + timedelta(hours=1))["review_results"] == 0
    db_session.expire_all()
    [note] = db_session.scalars(select(Notification).where(Notification.kind == "review-decided")).all()
    assert note.officer_id == factories.officer(db_session, "zhangwei").id and note.title == "法制审核退回补充"
    assert "事实是否清楚、证据是否确实充分" in note.body and "缺少车辆照片" in note.body
    assert db_session.scalar(select(func.count()).select_from(Change).where(Change.entity_type == "case_review")) == 2


def test_a_decision_document_on_an_ordinary_case_waits_for_the_review(runner, db_session):
    insp = make_inspection(db_session)
    outcome, _ = runner.issue("zhangwei", insp, "violation_notice", "ordinary",
                              fields={"harm": "none", "corrected_on_spot": True, "first_violation": True})
    case_id = next(r["id"] for r in outcome.entity_refs if r["type"] == "case")
    # After the statement the office considers no penalty (不予处罚): still a decision of an ordinary case.
    refused, _ = runner.issue("zhangwei", insp, "no_penalty_decision", "minor_exempt")
    assert isinstance(refused, Rejected) and refused.code == "legal-review-required"
    assert "法制审核" in refused.message and case_status(db_session, case_id) == "notice_issued"


def test_after_approval_the_penalty_decision_is_issued_and_says_what_art_59_requires(client, login, runner, db_session):
    import io
    import re

    from pypdf import PdfReader

    insp = make_inspection(db_session, code="GLF-76-4-TIELUN", facts="当事人驾驶履带式挖掘机在G6京藏高速K520+300处擅自上路行驶。")
    ordinary = {"harm": "serious", "corrected_on_spot": True, "first_violation": True}
    skipped, _ = runner.issue("zhangwei", insp, "penalty_decision", "ordinary", fields=ordinary)
    assert isinstance(skipped, Rejected) and skipped.code == "legal-review-required"  # no notice, no review: no decision
    notice, _ = runner.issue("zhangwei", insp, "violation_notice", "ordinary", fields=ordinary)
    case_id = next(r["id"] for r in notice.entity_refs if r["type"] == "case")
    early, _ = runner.issue("zhangwei", insp, "penalty_decision", "ordinary", fields=ordinary)
    assert isinstance(early, Rejected) and early.code == "legal-review-required"

    review = client.post(f"/api/cases/{case_id}/reviews", json={}, headers=login("zhangwei")).get_json()
    assert decide(client, login("reviewer"), review, result="approved", opinion=OPINION, checks=ALL_OK).status_code == 200
    decision, args = runner.issue("zhangwei", insp, "penalty_decision", "ordinary",
                                  fields={**ordinary, "statement": "当事人称不知道履带车不能上路。"})
    assert decision.status == Status.APPLIED, decision
    assert case_status(db_session, case_id) == "decided"

    pdf = client.get(f"/api/documents/{args['id']}/pdf", headers=login("zhangwei"))
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages))
    for phrase in ("行政处罚决定书", "《中华人民共和国公路法》第七十六条", "当事人称不知道履带车不能上路。本机关已对陈述、申辩意见进行复核",
                   "本案已经本机关法制审核", "十五日内", "六十日内向呼和浩特市人民政府申请行政复议，或者自收到本决定书之日起六个月内",
                   "第七十三条", "15010101", "15010102"):
        assert phrase in text, phrase
    published = client.get(f"/api/documents/{args['id']}/publication", headers=login("reviewer"))
    assert published.status_code == 200 and published.get_json()["record"]["party"] == "刘某"
