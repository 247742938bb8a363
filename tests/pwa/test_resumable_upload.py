"""A photo upload cut off mid-way resumes from the bytes the server already holds (HEAD → Upload-Offset),
never from zero, and the evidence arrives intact."""
from __future__ import annotations

import hashlib

import pytest

from tests.pwa.conftest import HOHHOT, pwa_login

pytestmark = pytest.mark.browser

CHUNK = 256 * 1024


def test_interrupted_photo_upload_resumes_from_server_offset(new_context, live_server, tmp_path):
    from PIL import Image

    from server.adapters.blobstore import store_for
    from server.adapters.models import Evidence

    photo = tmp_path / "scene.jpg"
    Image.effect_noise((2048, 1536), 60).convert("RGB").save(photo, "JPEG", quality=95)
    ctx = new_context(geolocation=HOHHOT)
    page = ctx.new_page()
    pwa_login(page, "zhangwei")
    ctx.set_offline(True)
    page.goto("/#/inspection")
    page.locator("select[name=second-officer]").select_option(label="李娜 15010102")
    page.locator("textarea[name=facts]").fill("带照片的检查")
    page.locator("button[name=gps]").click()
    page.wait_for_selector(".gps.ok")
    page.locator("#photo-input").set_input_files(str(photo))
    page.wait_for_selector("figure.photo")
    sha = page.locator("figure.photo").get_attribute("data-sha256")
    page.get_by_role("button", name="保存检查记录").click()
    page.wait_for_selector(".sync-state .badge-pending")
    size = page.evaluate("async (s) => (await import('/js/blobs.js')).getBlob(s).then(r => r.bytes)", sha)
    assert size > 3 * CHUNK  # several chunks, so there is a middle to cut

    starts, cut = [], []

    def chunks(route):
        start = int(route.request.headers["content-range"].split(" ")[1].split("-")[0])
        starts.append(start)
        if start == 2 * CHUNK and not cut:
            cut.append(start)
            route.abort("connectionreset")  # the network drops during the third chunk
        else:
            route.continue_()

    ctx.route("**/api/blobs/*", lambda route: chunks(route) if route.request.method == "PUT" else route.continue_())
    ctx.set_offline(False)
    page.goto("/#/outbox")
    page.wait_for_selector("#unsynced[data-count='0']", timeout=60000)  # retried by itself after the backoff

    assert starts[:3] == [0, CHUNK, 2 * CHUNK]
    assert starts[3] == 2 * CHUNK  # resumed where the server stopped, not from 0
    assert starts.count(0) == 1
    with live_server.app.app_context():
        from server.extensions import db

        assert db.session.query(Evidence).filter_by(sha256=sha).count() == 1
        with store_for(live_server.app).open(sha) as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == sha
