"""Bad input on the inspection form: no GPS permission, a 500 m fix, a 40 MB photo, a full disk.
Each gives a clear zh-CN message and nothing already captured is lost."""
from __future__ import annotations

import pytest

from tests.pwa.conftest import HOHHOT, pwa_login, pwa_unlock

pytestmark = pytest.mark.browser


def _photo(path, size=(3000, 2000)):
    from PIL import Image

    Image.effect_noise(size, 60).convert("RGB").save(path, "JPEG", quality=90)
    return path


def _open_form(page, facts="车辆装载物遗洒，现场责令清理"):
    page.goto("/#/inspection")
    page.locator("textarea[name=facts]").fill(facts)
    return page


def _draft(page):
    return page.evaluate("""async () => (await import('/js/inspections.js')).loadDraft()
        .then(d => ({facts: d.facts, photos: d.photos.length, gps: d.gps}))""")


def test_no_gps_permission_says_so_and_keeps_the_form(new_context):
    page = new_context(permissions=[]).new_page()
    pwa_login(page, "zhangwei")
    _open_form(page)
    page.locator("button[name=gps]").click()
    page.wait_for_function("document.querySelector('.gps').textContent.includes('定位')"
                           " && !document.querySelector('.gps').textContent.includes('正在')")
    assert "未获得定位权限" in page.locator(".gps").inner_text()
    assert _draft(page)["facts"].startswith("车辆装载物遗洒")
    page.locator("button[type=submit]").click()
    assert "还没有GPS定位" in page.locator(".problems").inner_text()


def test_gps_accuracy_500m_warns_and_allows_retry(new_context):
    ctx = new_context(geolocation={**HOHHOT, "accuracy": 500})
    page = ctx.new_page()
    pwa_login(page, "zhangwei")
    _open_form(page)
    page.locator("button[name=gps]").click()
    page.wait_for_selector(".gps.warn")
    assert "±500 米，超过 50 米" in page.locator(".gps").inner_text()
    ctx.set_geolocation({**HOHHOT, "accuracy": 8})
    page.locator("button[name=gps]", has_text="重新定位").click()
    page.wait_for_selector(".gps.ok")
    assert "±8 米" in page.locator(".gps").inner_text()
    assert _draft(page)["gps"]["accuracy_m"] == 8


def test_40mb_photo_is_refused_and_earlier_photo_kept(new_context, tmp_path):
    page = new_context(geolocation=HOHHOT).new_page()
    pwa_login(page, "zhangwei")
    _open_form(page)
    page.locator("#photo-input").set_input_files(str(_photo(tmp_path / "ok.jpg")))
    page.wait_for_selector("figure.photo")
    big = {"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff\xe0" + bytes(40 * 1024 * 1024)}
    page.locator("#photo-input").set_input_files(big)
    alert = page.locator(".inspection-form p.error[role=alert]").last
    alert.wait_for()
    assert "照片过大（40 MB）" in alert.inner_text()
    assert page.locator("figure.photo").count() == 1
    draft = _draft(page)
    assert draft["photos"] == 1 and draft["facts"].startswith("车辆装载物遗洒")


def test_storage_quota_exceeded_keeps_what_was_captured(new_context, live_server, tmp_path):
    ctx = new_context(geolocation=HOHHOT)
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    # A nearly full phone: room for the app and a small photo, not for a full-size one. (Chromium honours a
    # quota override only for an origin whose usage it has not cached yet, so it is set before first use.)
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": live_server.url, "quotaSize": 1_500_000})
    pwa_login(page, "zhangwei")
    _open_form(page)
    page.locator("#photo-input").set_input_files(str(_photo(tmp_path / "first.jpg", (600, 400))))
    page.wait_for_selector("figure.photo")
    page.locator("#photo-input").set_input_files(str(_photo(tmp_path / "second.jpg")))
    alert = page.locator(".inspection-form p.error[role=alert]").first
    page.wait_for_function("document.querySelector('.inspection-form p.error[role=alert]').textContent.length > 0")
    assert "存储空间不足" in alert.inner_text() and "仍在表单中" in alert.inner_text()
    assert page.locator("figure.photo").count() == 1
    page.reload()  # nothing captured before the failure is lost
    pwa_unlock(page, "zhangwei")
    page.goto("/#/inspection")
    page.wait_for_selector("figure.photo")
    assert page.locator("textarea[name=facts]").input_value().startswith("车辆装载物遗洒")
    assert _draft(page)["photos"] == 1
