"""Scanning credentials with no network: the signed QR is verified on the phone (Ed25519 + validity +
cached revocation list); camera, photo and manual paths; a denied camera gives a clear message."""
from __future__ import annotations

import base64
import json

import pytest

from tests.pwa.conftest import pwa_login, pwa_unlock, scan_image, wait_for_worker

pytestmark = pytest.mark.browser

VALID = "蒙交运管呼字150100001001号"
EXPIRED = "蒙交运管呼字150100001003号"
REVOKED = "蒙交运管呼字150100001004号"


def _tamper(token: str) -> str:
    """Change the holder's name in the payload but keep the original signature."""
    prefix, body, sig = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data["h"] = "伪造公司"
    forged = base64.urlsafe_b64encode(json.dumps(data, ensure_ascii=False).encode()).rstrip(b"=").decode()
    return f"{prefix}.{forged}.{sig}"


@pytest.fixture
def offline_page(new_context):
    ctx = new_context()
    page = ctx.new_page()
    pwa_login(page, "zhangwei")
    wait_for_worker(page)
    ctx.set_offline(True)
    page.reload()  # the shell now comes from the service worker
    pwa_unlock(page, "zhangwei")
    page.goto("/#/scan")
    return page


def test_revoked_qr_shows_revoked_and_tampered_qr_shows_invalid_offline(offline_page, signed_qr, tmp_path):
    page = offline_page
    tokens = {n: signed_qr(n) for n in (VALID, EXPIRED, REVOKED)}  # signed by the server while "online"
    result = scan_image(page, tokens[REVOKED], tmp_path, "revoked.png")
    assert result.get_attribute("data-state") == "revoked"
    assert "已吊销" in result.locator(".result-banner").inner_text()
    assert REVOKED in result.inner_text()

    result = scan_image(page, _tamper(tokens[VALID]), tmp_path, "forged.png")
    assert result.locator(".result-banner").inner_text() == "无效"
    assert "伪造公司" not in result.inner_text()  # nothing from a forged payload is shown as fact

    result = scan_image(page, tokens[EXPIRED], tmp_path, "expired.png")
    assert result.locator(".result-banner").inner_text() == "已过期"

    result = scan_image(page, tokens[VALID], tmp_path, "valid.png")
    assert result.locator(".result-banner").inner_text() == "有效"
    assert "呼和浩特市顺达货运有限公司" in result.inner_text() and "蒙A12345" in result.inner_text()
    assert "离线" in result.inner_text()


def test_manual_number_offline_uses_cache_or_says_unknown(offline_page, signed_qr, tmp_path):
    page = offline_page
    scan_image(page, signed_qr(VALID), tmp_path)  # a scan caches its verdict by number
    page.locator("input[name=number]").fill(VALID)
    page.locator("form.card button[type=submit]").click()
    page.wait_for_function("document.querySelector('.result dd:last-of-type')?.textContent.includes('本机缓存')")
    assert page.locator(".result-banner").inner_text() == "有效"

    page.locator("input[name=number]").fill("蒙交运管呼字159999999999号")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_selector(".result[data-state=unknown]")
    assert "离线且本机无此证件" in page.locator(".result").inner_text()


def test_camera_permission_denied_gives_clear_message(new_context):
    page = new_context().new_page()  # headless Chromium denies the camera prompt
    pwa_login(page, "zhangwei")
    page.goto("/#/scan")
    page.locator("#start-camera").click()
    alert = page.locator("p.error[role=alert]")
    alert.wait_for()
    assert "摄像头" in alert.inner_text() and ("权限" in alert.inner_text() or "未找到" in alert.inner_text())
    assert page.locator("input[name=number]").is_visible()  # the manual fallback is right there


def test_camera_stream_scan_of_second_officer_certificate(launch_browser, new_context, signed_qr, tmp_path):
    """A real getUserMedia stream (Chromium's fake camera playing a Y4M of 李娜's 执法证 QR) decoded by jsQR."""
    from tests.pwa.conftest import fake_camera_y4m

    video = fake_camera_y4m(signed_qr("15010102", officer=True), tmp_path / "cert.y4m")
    camera_browser = launch_browser(["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                                     f"--use-file-for-fake-video-capture={video}"])
    page = new_context(target=camera_browser, permissions=["camera"]).new_page()
    pwa_login(page, "zhangwei")
    page.goto("/#/scan?pick=officer&back=inspection")
    page.locator("#start-camera").click()
    result = page.locator(".result[data-state]")
    result.wait_for()
    assert result.locator(".result-banner").inner_text() == "有效"
    assert "李娜" in result.inner_text() and "15010102" in result.inner_text()
    page.get_by_role("button", name="作为第二名执法人员").click()
    page.wait_for_selector("main[data-view=inspection] select[name=second-officer]")
    assert page.locator("select[name=second-officer]").evaluate("s => s.selectedOptions[0].textContent").startswith("李娜")
