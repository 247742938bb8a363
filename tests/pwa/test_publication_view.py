"""事后公示 from the document page: the legal reviewer, led there by the reminder, copies the masked text and
records where it was published."""
from __future__ import annotations

import pytest

from server.adapters.models import Document
from tests.documents_helpers import Runner, make_inspection
from tests.pwa.conftest import pwa_login

pytestmark = pytest.mark.browser


def test_reviewer_reads_the_masked_text_and_records_the_publication(live_server, new_context, db_session):
    insp = make_inspection(db_session, code="DLYS-64-JIASHIYUAN",
                           facts="当事人刘某军（电话13800000001）驾驶蒙A12345号货车从事道路运输经营未取得从业资格。")
    outcome, args = Runner(live_server.app, db_session).issue(
        "zhangwei", insp, "on_spot_decision", "simple",
        fields={"harm": "none", "corrected_on_spot": True, "first_violation": True, "facts": insp.facts})
    assert getattr(outcome, "code", None) is None, outcome

    page = new_context().new_page()
    pwa_login(page, "reviewer")
    page.goto(f"/#/document?id={args['id']}")  # the publication reminder's link
    card = page.locator("#publication")
    card.locator("textarea[name=publication-text]").wait_for()
    text = card.locator("textarea[name=publication-text]").input_value()
    assert "当事人：刘某（自然人）" in text and "刘某军" not in text
    assert "13800000001" not in text and "蒙A12345" not in text and "罚款人民币200元" in text
    assert "尚未公示" in card.inner_text()
    card.locator("input[name=published-url]").fill("https://jtt.example.gov.cn/gs/2026/0012.html")
    card.locator("button[name=record-publication]").click()
    page.wait_for_selector("#publication .published")
    db_session.expire_all()
    assert db_session.get(Document, args["id"]).published_url == "https://jtt.example.gov.cn/gs/2026/0012.html"


def test_an_officer_sees_no_publication_card(live_server, new_context, db_session):
    insp = make_inspection(db_session, code="DLYS-64-JIASHIYUAN")
    _, args = Runner(live_server.app, db_session).issue(
        "zhangwei", insp, "on_spot_decision", "simple", fields={"harm": "none", "corrected_on_spot": True,
                                                                "first_violation": True})
    page = new_context().new_page()
    pwa_login(page, "lina")
    page.goto(f"/#/document?id={args['id']}")
    page.wait_for_selector(".doc-paper")
    assert page.locator("#publication").count() == 0
