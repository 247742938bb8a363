"""A record the server refuses (a business rule the phone could not know offline) is not lost: its badge says
被拒绝 and 需要处理 shows the server's zh-CN reason and what the officer can do; the queue moves on."""
from __future__ import annotations

import pytest

from tests.pwa.conftest import HOHHOT, pwa_login
from tests.pwa.test_session import _offline_inspection

pytestmark = pytest.mark.browser


def test_rejected_inspection_shows_reason_in_inbox_and_queue_moves_on(new_context, live_server):
    from server.adapters.models import EnforcementCertificate, Inspection
    from server.extensions import db

    ctx = new_context(geolocation=HOHHOT)
    page = ctx.new_page()
    pwa_login(page, "zhangwei")
    ctx.set_offline(True)
    _offline_inspection(page, "与李娜一同检查")  # 李娜's 执法证 was valid when the phone last synced
    rejected_id = page.evaluate("new URLSearchParams(location.hash.split('?')[1]).get('id')")
    page.goto("/#/inspection")
    page.locator("select[name=second-officer]").select_option(label="刘带班 15010103")
    page.locator("textarea[name=facts]").fill("与刘带班一同检查")
    page.locator("button[name=gps]").click()
    page.wait_for_selector(".gps.ok")
    page.get_by_role("button", name="保存检查记录").click()
    page.wait_for_selector(".sync-state .badge-pending")
    accepted_id = page.evaluate("new URLSearchParams(location.hash.split('?')[1]).get('id')")

    with live_server.app.app_context():  # meanwhile the office suspends 李娜's certificate
        cert = db.session.query(EnforcementCertificate).filter_by(number="15010102").one()
        cert.status, cert.status_reason = "suspended", "年度考核不合格"
        db.session.commit()

    ctx.set_offline(False)
    page.wait_for_selector(".sync-state .badge-synced", timeout=60000)  # the later record was not held up
    page.wait_for_selector("#unsynced[data-count='0']")
    page.goto(f"/#/inspection?id={rejected_id}")
    page.wait_for_selector(".sync-state .badge-rejected")
    assert page.locator(".sync-state .badge").inner_text() == "被拒绝"
    page.goto("/#/inbox")
    card = page.locator("article.rejected")
    card.wait_for()
    assert "李娜" in card.inner_text() and "暂停" in card.inner_text()  # the server's reason, in Chinese
    assert "打开记录" in card.inner_text() and "原始内容保留在本机" in card.inner_text()
    with live_server.app.app_context():
        assert db.session.get(Inspection, rejected_id) is None
        assert db.session.get(Inspection, accepted_id) is not None
