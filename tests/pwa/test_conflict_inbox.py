"""Two phones edit the same inspection field offline. Both sync: the first wins the field, the second gets a
conflict in 需要处理 (server value kept), the leader settles it there, and both phones converge."""
from __future__ import annotations

import pytest

from tests.pwa.conftest import HOHHOT, pwa_login, scan_image

pytestmark = pytest.mark.browser

A_FACTS = "车辆未携带道路运输证，驾驶员称证件在公司"
B_FACTS = "车辆未携带道路运输证，已电话核实证件有效"


def _create_inspection(page, officer_qr, tmp_path) -> str:
    page.goto("/#/scan?pick=officer&back=inspection")
    scan_image(page, officer_qr, tmp_path, "officer.png")
    page.get_by_role("button", name="作为第二名执法人员").click()
    page.locator("textarea[name=facts]").fill("检查时车辆未携带道路运输证")
    page.locator("input[name=plate]").fill("蒙A67890")
    page.locator("button[name=gps]").click()
    page.wait_for_selector(".gps.ok")
    page.get_by_role("button", name="保存检查记录").click()
    page.wait_for_selector(".sync-state .badge-synced", timeout=60000)
    return page.evaluate("new URLSearchParams(location.hash.split('?')[1]).get('id')")


def _edit_facts(page, inspection_id, text):
    page.goto(f"/#/inspection?id={inspection_id}")
    page.locator("form.card textarea[name=facts]").fill(text)
    page.get_by_role("button", name="保存修改").click()
    page.wait_for_selector(".sync-state .badge-pending")


def _sync(page):
    page.goto("/#/outbox")
    page.get_by_role("button", name="立即同步").click()


def two_phones_in_conflict(ctx_a, ctx_b, officer_qr, tmp_path):
    """张伟 creates an inspection; he and 刘带班 (leader of the same 大队) change its facts offline; both sync.
    Returns (page_a, page_b, inspection_id) with B's page showing the 冲突 badge."""
    a, b = ctx_a.new_page(), ctx_b.new_page()
    pwa_login(a, "zhangwei")
    inspection_id = _create_inspection(a, officer_qr, tmp_path)
    pwa_login(b, "leader_dd01")  # pulls the inspection on unlock
    b.goto(f"/#/inspection?id={inspection_id}")
    b.wait_for_selector(".sync-state .badge-synced")
    ctx_a.set_offline(True)
    ctx_b.set_offline(True)
    _edit_facts(a, inspection_id, A_FACTS)
    _edit_facts(b, inspection_id, B_FACTS)
    ctx_a.set_offline(False)
    a.wait_for_selector(".sync-state .badge-synced", timeout=60000)
    ctx_b.set_offline(False)
    b.wait_for_selector(".sync-state .badge-conflict", timeout=60000)
    return a, b, inspection_id


def test_same_field_edited_on_two_phones_becomes_a_conflict_settled_in_the_inbox(new_context, signed_qr, tmp_path):
    officer_qr = signed_qr("15010102", officer=True)  # 李娜 as second officer
    ctx_a, ctx_b = new_context(geolocation=HOHHOT), new_context(geolocation=HOHHOT)
    a, b, inspection_id = two_phones_in_conflict(ctx_a, ctx_b, officer_qr, tmp_path)
    assert "冲突" in b.locator(".sync-state").inner_text()

    b.goto("/#/inbox")
    card = b.locator("article.conflict")
    card.wait_for()
    assert "检查情况（事实）" in card.inner_text()
    assert card.locator(".server-value").inner_text() == A_FACTS
    assert card.locator(".device-value").inner_text() == B_FACTS
    card.locator("button[name=take_device]").click()
    b.wait_for_selector("text=没有需要处理的事项")

    settled = B_FACTS
    b.goto(f"/#/inspection?id={inspection_id}")
    b.wait_for_function(f"document.querySelector('.facts')?.textContent === '{settled}'")
    assert b.locator(".sync-state .badge").inner_text() == "已同步"
    _sync(a)
    a.goto(f"/#/inspection?id={inspection_id}")
    a.wait_for_function(f"document.querySelector('.facts')?.textContent === '{settled}'")


def test_different_fields_edited_on_two_phones_merge_silently(new_context, signed_qr, tmp_path):
    officer_qr = signed_qr("15010102", officer=True)
    ctx_a, ctx_b = new_context(geolocation=HOHHOT), new_context(geolocation=HOHHOT)
    a, b = ctx_a.new_page(), ctx_b.new_page()
    pwa_login(a, "zhangwei")
    inspection_id = _create_inspection(a, officer_qr, tmp_path)
    pwa_login(b, "leader_dd01")
    b.goto(f"/#/inspection?id={inspection_id}")
    b.wait_for_selector(".sync-state .badge-synced")
    ctx_a.set_offline(True)
    ctx_b.set_offline(True)
    _edit_facts(a, inspection_id, A_FACTS)
    b.locator("form.card input[name=place]").fill("110国道K512处")
    b.get_by_role("button", name="保存修改").click()
    b.wait_for_selector(".sync-state .badge-pending")
    ctx_a.set_offline(False)
    a.wait_for_selector(".sync-state .badge-synced", timeout=60000)
    ctx_b.set_offline(False)
    b.wait_for_selector(".sync-state .badge-merged", timeout=60000)
    assert b.locator(".sync-state .badge").inner_text() == "已合并"
    b.goto("/#/inbox")
    b.wait_for_selector("text=没有需要处理的事项")
    _sync(b)  # the merged record (A's facts + B's place) comes back on the next pull
    b.goto(f"/#/inspection?id={inspection_id}")
    b.wait_for_function(f"document.querySelector('.facts')?.textContent === '{A_FACTS}'")
    assert b.locator("form.card input[name=place]").input_value() == "110国道K512处"
