"""法制审核 in the app: the legal reviewer returns a submitted case with an item-by-item opinion on the phone, and
the handling officer then sees which items had problems and the written opinion."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server.adapters.models import Case, CaseReview
from tests.api.test_legal_review import ordinary_case
from tests.documents_helpers import Runner
from tests.pwa.conftest import pwa_login

pytestmark = pytest.mark.browser


def test_reviewer_returns_a_case_and_the_officer_reads_the_opinion(live_server, new_context, db_session, login, client):
    case_id = ordinary_case(Runner(live_server.app, db_session), db_session)
    assert client.post(f"/api/cases/{case_id}/reviews", json={"note": "陈述申辩已记录"},
                       headers=login("zhangwei")).status_code == 201

    page = new_context().new_page()
    pwa_login(page, "reviewer")
    page.goto("/#/inbox")
    page.locator("#open-reviews").click()
    card = page.locator("article.review-pending")
    card.wait_for()
    assert "陈述申辩已记录" in card.inner_text() and "张伟" in card.inner_text()
    card.locator("fieldset[data-item=facts] input[value=problem]").check()
    card.locator("textarea[name=opinion]").fill("询问笔录缺当事人签名，请补充后重新报审。")
    card.locator("button[name=approve]").click()  # a problem item cannot pass: the server says why
    page.wait_for_selector(".toast-error")
    assert "存在问题的审核事项不能审核通过" in page.locator(".toast-error").first.inner_text()
    card.locator("button[name=return]").click()
    page.wait_for_selector("text=没有待审核的案件")  # the queue redraws from the server: nothing left to do
    assert "已退回补充" in page.locator(".toast-ok").first.inner_text()
    page.locator("a[href='#/reviews?status=all']").click()
    page.wait_for_selector("article.review-returned")
    db_session.expire_all()
    assert db_session.get(Case, case_id).status == "review_returned"
    assert db_session.scalar(select(CaseReview.status).where(CaseReview.case_id == case_id)) == "returned"

    officer = new_context().new_page()
    pwa_login(officer, "zhangwei")
    officer.goto("/#/reviews?status=all")
    result = officer.locator("article.review-returned")
    result.wait_for()
    text = result.inner_text()
    assert "存在问题：事实是否清楚、证据是否确实充分" in text and "询问笔录缺当事人签名" in text
    assert officer.locator("button[name=approve]").count() == 0  # officers read, reviewers decide


def test_the_phone_will_not_issue_a_penalty_decision_before_the_review(new_context, live_server):
    from tests.pwa.test_documents_offline import CREATE_INSPECTION, offline_ready_to_issue

    _, page = offline_ready_to_issue(new_context)
    inspection_id = page.evaluate(CREATE_INSPECTION)
    page.goto(f"/#/document-issue?inspection={inspection_id}")
    page.wait_for_selector("form.document-form .verdict [data-outcome]")
    page.locator("select[name=harm]").select_option("serious")
    page.locator("select[name=doc-type]").select_option("penalty_decision")
    page.wait_for_selector(".verdict .refusal")
    assert "须经法制审核通过后方可作出决定" in page.locator(".verdict .refusal").inner_text()
    assert page.locator("button[name=issue]").is_disabled()
    page.locator("select[name=doc-type]").select_option("violation_notice")  # the step that comes first is open
    page.wait_for_function("!document.querySelector('.verdict .refusal')")
    assert not page.locator("button[name=issue]").is_disabled()

