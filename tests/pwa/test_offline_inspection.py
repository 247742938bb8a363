"""The whole patrol offline: log in online, lose the network, reopen the app from the service worker, unlock
with the PIN, scan the vehicle's credential and the second officer's 执法证, record an inspection with GPS and a
photo (待同步), regain the network and see it 已同步 — and in the server's database, photo hash-verified."""
from __future__ import annotations

import hashlib
import io

import pytest

from tests.pwa.conftest import HOHHOT, pwa_login, pwa_unlock, scan_image, wait_for_worker

pytestmark = pytest.mark.browser

CREDENTIAL = "蒙交运管呼字150100001001号"
SECOND_OFFICER_CERT = "15010102"  # 李娜


def _camera_photo(path):
    from PIL import Image

    Image.effect_noise((3000, 2000), 50).convert("RGB").save(path, "JPEG", quality=90)
    return path


def test_offline_inspection_with_photo_syncs_when_back_online(new_context, live_server, signed_qr, tmp_path):
    cred_qr, officer_qr = signed_qr(CREDENTIAL), signed_qr(SECOND_OFFICER_CERT, officer=True)
    ctx = new_context(geolocation=HOHHOT)
    page = ctx.new_page()
    pwa_login(page, "zhangwei")
    wait_for_worker(page)

    ctx.set_offline(True)
    page.reload()
    pwa_unlock(page, "zhangwei")
    page.wait_for_selector("#unsynced[data-count='0']")

    page.goto("/#/scan?pick=credential&back=inspection")
    assert scan_image(page, cred_qr, tmp_path, "cred.png").locator(".result-banner").inner_text() == "有效"
    page.get_by_role("button", name="加入检查记录").click()
    page.wait_for_selector("main[data-view=inspection] form.inspection-form")
    assert page.locator("input[name=plate]").input_value() == "蒙A12345"
    assert page.locator("input[name=party-name]").input_value() == "呼和浩特市顺达货运有限公司"

    page.get_by_role("link", name="扫描执法证").click()
    assert scan_image(page, officer_qr, tmp_path, "officer.png").locator(".result-banner").inner_text() == "有效"
    page.get_by_role("button", name="作为第二名执法人员").click()
    page.wait_for_selector("form.inspection-form")
    assert page.locator("select[name=second-officer]").evaluate("s => s.selectedOptions[0].textContent").startswith("李娜")

    page.locator("input[name=catalog-search]").fill("遗洒")
    page.locator("button.pick[data-code='GL-69-TUOXING']").click()
    page.locator("select[name=party-kind]").select_option("organisation")
    page.locator("textarea[name=facts]").fill("车辆装载砂石遗洒路面约20米，驾驶员当场清理完毕")
    page.locator("input[name=place]").fill("G6京藏高速呼和浩特东收费站出口")
    page.locator("button[name=gps]").click()
    page.wait_for_selector(".gps.ok")
    assert "±12 米" in page.locator(".gps").inner_text()
    page.locator("#photo-input").set_input_files(str(_camera_photo(tmp_path / "scene.jpg")))
    page.wait_for_selector("figure.photo")
    sha = page.locator("figure.photo").get_attribute("data-sha256")

    page.get_by_role("button", name="保存检查记录").click()
    page.wait_for_selector("main[data-view=inspection] .badge-pending")
    assert page.locator(".sync-state .badge").inner_text() == "待同步"
    assert page.locator("#unsynced").get_attribute("data-count") == "2"  # inspection.create + evidence.attach
    inspection_id = page.evaluate("new URLSearchParams(location.hash.split('?')[1]).get('id')")

    ctx.set_offline(False)  # the `online` event triggers the push
    page.wait_for_selector(".sync-state .badge-synced", timeout=60000)
    page.wait_for_selector("#unsynced[data-count='0']")
    assert page.locator("figure.photo progress").evaluate("p => p.value") == 100
    # The server holds the verified photo, so the phone dropped the full-size bytes and kept a preview.
    assert page.evaluate("async (s) => (await import('/js/blobs.js')).getBlob(s).then(r => r === undefined)", sha)
    assert page.locator("figure.photo img").evaluate("img => img.src.startsWith('blob:')")

    from PIL import Image

    from server.adapters.blobstore import store_for
    from server.adapters.models import Blob, Evidence, Inspection
    from server.extensions import db

    with live_server.app.app_context():
        row = db.session.get(Inspection, inspection_id)
        assert row is not None and row.catalog_code == "GL-69-TUOXING" and row.accuracy_m == 12
        assert row.second_officer_id is not None and "遗洒" in row.facts
        evidence = db.session.query(Evidence).filter_by(inspection_id=inspection_id).one()
        assert evidence.sha256 == sha and evidence.kind == "photo"
        assert db.session.get(Blob, sha).mime == "image/jpeg"
        with store_for(live_server.app).open(sha) as fh:
            data = fh.read()
    assert hashlib.sha256(data).hexdigest() == sha
    assert max(Image.open(io.BytesIO(data)).size) == 2048  # resized on the phone, longest side 2048
