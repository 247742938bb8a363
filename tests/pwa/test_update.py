"""A new app version installs beside the old one and waits for the officer's tap (新版本可用，点击更新);
after the update the old shell cache is gone and unsynced records are still there."""
from __future__ import annotations

import pytest

from tests.pwa.conftest import HOHHOT, pwa_login, pwa_unlock, wait_for_worker
from tests.pwa.test_session import _offline_inspection

pytestmark = pytest.mark.browser

CACHES = "caches.keys().then(k => k.filter(n => n.startsWith('roadside-shell-')))"


def test_update_waits_for_the_officer_and_keeps_unsynced_data(new_context, monkeypatch):
    import server.api.pwa as pwa_blueprint

    ctx = new_context(geolocation=HOHHOT)
    # The server is "down" for sync, so the record stays unsynced through the update.
    ctx.route("**/api/sync/**", lambda route: route.fulfill(status=503, headers={"Retry-After": "600"},
                                                            json={"error": {"code": "database-busy", "message": "繁忙"}}))
    page = ctx.new_page()
    pwa_login(page, "zhangwei")
    wait_for_worker(page)
    _offline_inspection(page, "更新前保存的检查记录")
    old_caches = page.evaluate(CACHES)
    assert len(old_caches) == 1

    original = pwa_blueprint.render_sw
    monkeypatch.setattr(pwa_blueprint, "render_sw",
                        lambda d: original(d).replace("const VERSION = '", "const VERSION = 'next-"))
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    banner = page.locator("#banner button")
    banner.wait_for()
    assert "新版本可用，点击更新" in banner.inner_text()
    assert page.evaluate("navigator.serviceWorker.getRegistration().then(r => !!r.waiting)")  # waits for the tap
    assert page.evaluate(CACHES) != old_caches  # installed beside the old one

    banner.click()
    page.wait_for_selector("main[data-view=login] form.unlock")  # reloaded into the new version
    pwa_unlock(page, "zhangwei")
    new_caches = page.evaluate(CACHES)
    assert len(new_caches) == 1 and new_caches[0].startswith("roadside-shell-next-")
    assert page.locator("#unsynced").get_attribute("data-count") == "1"
    facts = page.evaluate("async () => (await import('/js/db.js')).listRecords('inspection').then(r => r.map(x => x.data.facts))")
    assert facts == ["更新前保存的检查记录"]
