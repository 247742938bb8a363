"""Officers sharing a phone, the PIN, logout/revoke rules (never lose unsynced data silently), token refresh."""
from __future__ import annotations

import pytest

from tests.pwa.conftest import HOHHOT, PIN, pwa_login, pwa_unlock

pytestmark = pytest.mark.browser


def _offline_inspection(page, facts="现场检查：车辆证件齐全"):
    page.goto("/#/inspection")
    page.locator("select[name=second-officer]").select_option(label="李娜 15010102")
    page.locator("textarea[name=facts]").fill(facts)
    page.locator("button[name=gps]").click()
    page.wait_for_selector(".gps.ok")
    page.get_by_role("button", name="保存检查记录").click()
    page.wait_for_selector(".sync-state .badge-pending")


def _lock(page):
    page.goto("/#/account")
    page.locator("button[name=lock]").click()
    page.wait_for_selector("main[data-view=login]")


def test_two_officers_on_one_phone_see_only_their_own_records(new_context):
    ctx = new_context(geolocation=HOHHOT)
    page = ctx.new_page()
    pwa_login(page, "zhangwei")
    ctx.set_offline(True)
    _offline_inspection(page, "张伟的检查记录")
    _lock(page)
    ctx.set_offline(False)
    pwa_login(page, "leader_dd01", "135790")
    assert "张伟的检查记录" not in page.locator("main").inner_text()
    assert page.evaluate("async () => (await import('/js/db.js')).listRecords('inspection')") == []
    assert page.locator("#unsynced").get_attribute("data-count") == "0"
    _lock(page)
    ctx.set_offline(True)  # so 张伟's record is still queued when he unlocks again

    wrong = page.locator("form.unlock[data-officer=zhangwei]")
    wrong.locator("input[name=pin]").fill("000000")
    wrong.locator("button[type=submit]").click()
    wrong.locator("p.error").wait_for()  # hidden while empty; PBKDF2 takes a moment
    assert "PIN 错误，还可尝试 4 次" in wrong.locator("p.error").inner_text()
    pwa_unlock(page, "leader_dd01", "135790")  # another officer's PIN does not open 张伟's data, and vice versa
    _lock(page)
    pwa_unlock(page, "zhangwei", PIN)
    page.wait_for_selector("#unsynced[data-count='1']")
    facts = page.evaluate("async () => (await import('/js/db.js')).listRecords('inspection').then(r => r.map(x => x.data.facts))")
    assert facts == ["张伟的检查记录"]


def test_logout_names_what_would_be_lost_and_wipes_only_when_confirmed(new_context):
    ctx = new_context(geolocation=HOHHOT)
    page = ctx.new_page()
    pwa_login(page, "zhangwei")
    ctx.set_offline(True)
    _offline_inspection(page)
    page.goto("/#/account")
    page.locator("button[name=logout]").click()
    dialog = page.locator("dialog.dialog")
    assert "检查记录 1 条" in dialog.inner_text() and "永久丢失" in dialog.inner_text()
    dialog.get_by_role("button", name="取消").click()
    assert page.evaluate("async () => (await import('/js/db.js')).outboxCount()") == 1  # kept

    ctx.set_offline(False)
    page.locator("button[name=logout]").click()  # now it syncs first; nothing left to lose, no question
    page.wait_for_selector("main[data-view=login]")
    assert page.locator("form.unlock").count() == 0
    names = page.evaluate("indexedDB.databases().then(list => list.map(d => d.name))")
    assert not any(n.startswith("roadside-officer-") for n in names)


def test_revoked_device_keeps_unsynced_data_and_says_why(new_context, live_server, login, client):
    ctx = new_context(geolocation=HOHHOT)
    page = ctx.new_page()
    pwa_login(page, "zhangwei")
    device_id = page.evaluate("async () => (await import('/js/session.js')).currentOfficer().device_id")
    ctx.set_offline(True)
    _offline_inspection(page)
    resp = client.post(f"/api/admin/devices/{device_id}/revoke", json={"reason": "手机遗失"}, headers=login("admin"))
    assert resp.status_code == 200, resp.get_json()
    ctx.set_offline(False)
    page.goto("/#/outbox")
    page.get_by_role("button", name="立即同步").click()
    page.wait_for_function("window.roadside.sync.status().state === 'revoked'")
    page.goto("/#/account")
    alert = page.locator("section[role=alert]")
    assert "此设备已被注销" in alert.inner_text() and "未同步的数据仍保留在本机" in alert.inner_text()
    assert page.evaluate("async () => (await import('/js/db.js')).outboxCount()") == 1


def test_revoked_device_with_nothing_unsynced_is_wiped(new_context, live_server, login, client):
    page = new_context().new_page()
    pwa_login(page, "zhangwei")
    device_id = page.evaluate("async () => (await import('/js/session.js')).currentOfficer().device_id")
    resp = client.post(f"/api/admin/devices/{device_id}/revoke", json={"reason": "手机遗失"}, headers=login("admin"))
    assert resp.status_code == 200, resp.get_json()
    # Any request now answers device-revoked; background work (documents, notifications) may get there before this
    # push does, and the outbox view redraws on every sync event, so trigger the push directly rather than click.
    page.evaluate("async () => { try { await (await import('/js/sync-client.js')).syncNow(); } catch (e) {} }")
    page.wait_for_selector("main[data-view=login]")
    assert "已清除" in page.locator("#toasts").inner_text()
    assert page.locator("form.unlock").count() == 0
    names = page.evaluate("indexedDB.databases().then(list => list.map(d => d.name))")
    assert not any(n.startswith("roadside-officer-") for n in names)
