"""亮证执法 on the phone: with no network, 李娜's 我的 page shows her 执法证 as a QR; read off the screen it is the
public verification URL, which a citizen's browser opens, and which 张伟's scanner accepts as the second officer."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest
from PIL import Image

from tests.pwa.conftest import pwa_login, pwa_unlock, wait_for_worker

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(shutil.which("node") is None, reason="needs node for the vendored jsQR decoder")]
ROOT = Path(__file__).resolve().parents[2]


def read_qr(png: Path) -> str:
    """The text a camera would get from the screen (the vendored jsQR the phone itself uses)."""
    image = Image.open(png).convert("RGBA")
    raw = png.with_suffix(".rgba")
    raw.write_bytes(image.tobytes())
    return subprocess.run(["node", str(ROOT / "tests/js/decode_qr.cjs"), str(raw), str(image.width), str(image.height)],
                          capture_output=True, text=True, timeout=60, check=True).stdout


def test_my_certificate_is_shown_offline_and_scans_to_the_public_page(new_context, live_server, tmp_path):
    ctx = new_context()
    lina = ctx.new_page()
    pwa_login(lina, "lina")
    wait_for_worker(lina)
    ctx.set_offline(True)
    lina.reload()
    pwa_unlock(lina, "lina")
    lina.goto("/#/account")
    card = lina.locator("#my-certificate")
    card.wait_for()
    assert "15010102" in card.inner_text() and "有效" in card.locator(".cert-state").inner_text()
    card.locator(".cert-qr").screenshot(path=str(tmp_path / "screen.png"))
    url = read_qr(tmp_path / "screen.png")
    assert "/v/RS1." in url

    citizen = new_context().new_page()  # any phone's browser, not logged in
    citizen.goto(urlparse(url).path)
    assert "李娜" in citizen.content() and "有效" in citizen.locator(".state").inner_text()

    zhang = new_context().new_page()
    pwa_login(zhang, "zhangwei")
    zhang.goto("/#/scan?pick=officer&back=inspection")
    zhang.locator("#qr-photo").set_input_files(str(tmp_path / "screen.png"))
    result = zhang.locator(".result[data-state]")
    result.wait_for()
    assert result.locator(".result-banner").inner_text() == "有效" and "李娜" in result.inner_text()
    assert zhang.get_by_role("button", name="作为第二名执法人员").is_visible()
