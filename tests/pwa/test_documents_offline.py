"""Issue a commitment letter offline with the party's signature; after sync the server holds the same
number and the same text (its own rendering from the same templates), and the signature image."""
from __future__ import annotations

import hashlib

import pytest

from tests.pwa.conftest import HOHHOT, pwa_login, pwa_unlock, wait_for_worker, wait_until

pytestmark = pytest.mark.browser

CREATE_INSPECTION = """async () => {
  const ins = await import('/js/inspections.js');
  const { getReference } = await import('/js/reference.js');
  const ref = await getReference();
  const lina = ref.officers.find((o) => o.full_name === '李娜');
  const d = ins.emptyDraft();
  d.party = { kind: 'person', name: '赵某明', id_number: '150102199001011234', phone: '13900000009' };
  d.plate = '蒙A99881';
  d.second_officer = { id: lina.id, full_name: lina.full_name, certificate_number: lina.certificate_number, state: 'valid' };
  d.catalog_code = 'GL-69-TUOXING';
  d.catalog_name = '车辆装载物触地拖行、掉落、遗洒或者飘散';
  d.facts = '车辆装载的砂石遗洒在路面约10米，驾驶员当场清扫干净，未损坏路面';
  d.place = 'G6京藏高速K520+300处';
  d.gps = { lat: 40.865, lon: 111.662, accuracy_m: 12, source: 'gps', device_time: new Date().toISOString() };
  return ins.createInspection(d);
}"""

READY = """async () => {
  const store = await import('/js/documents/store.js');
  const year = Number(new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 4));
  return !!(await store.bundle()) && (await store.remaining('commitment_letter', year)) >= 3;
}"""


def offline_ready_to_issue(new_context, username="zhangwei", reload=True):
    """A phone of ``username`` with templates, catalog, calendar and number blocks cached, then cut off (and, with
    ``reload``, the shell reloaded from the service worker and unlocked with the PIN)."""
    ctx = new_context(geolocation=HOHHOT)
    page = ctx.new_page()
    pwa_login(page, username)
    wait_for_worker(page)
    wait_until(page, READY)
    ctx.set_offline(True)
    if reload:
        page.reload()
        pwa_unlock(page, username)
    return ctx, page


def _sign(page):
    page.locator("canvas.signature").scroll_into_view_if_needed()
    box = page.locator("canvas.signature").bounding_box()
    x, y = box["x"] + 30, box["y"] + 40
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(x + i * 20, y + (30 if i % 2 else -10), steps=3)
    page.mouse.up()


def test_commitment_letter_issued_offline_has_the_same_number_and_text_on_the_server(new_context, live_server):
    ctx, page = offline_ready_to_issue(new_context)
    inspection_id = page.evaluate(CREATE_INSPECTION)

    page.goto(f"/#/document-issue?inspection={inspection_id}")
    page.wait_for_selector("form.document-form .verdict [data-outcome=minor_exempt]")
    assert "首违不罚条件" in page.locator(".verdict").inner_text()
    page.locator("select[name=doc-type]").select_option("on_spot_decision")
    page.wait_for_selector(".verdict .refusal")  # first minor violation: no fine on the spot
    assert page.locator("button[name=issue]").is_disabled()
    page.locator("select[name=doc-type]").select_option("commitment_letter")
    page.wait_for_function("!document.querySelector('button[name=issue]').disabled")
    page.get_by_role("button", name="预览文书").click()
    page.wait_for_selector(".doc-paper h1")
    assert "交通运输轻微违法行为免予处罚告知承诺书" in page.locator(".doc-paper").inner_text()
    _sign(page)
    page.get_by_role("button", name="签发并保存").click()
    page.wait_for_selector("main[data-view=document] .doc-number")
    number = page.locator(".doc-number").inner_text()
    assert number.startswith("呼交执新承诺〔") and number.endswith("号")
    assert page.locator(".sync-state .badge").inner_text() == "待同步"
    doc_id = page.evaluate("new URLSearchParams(location.hash.split('?')[1]).get('id')")
    device = page.evaluate("""async (id) => {
      const { getRecord } = await import('/js/db.js');
      const { htmlText } = await import('/js/documents/render.js');
      const rec = await getRecord('document', id);
      return { text: htmlText(rec.data.html), sha: rec.data.content_sha256 };
    }""", doc_id)

    ctx.set_offline(False)
    page.wait_for_selector(".sync-state .badge-synced", timeout=60000)

    from server.adapters import render
    from server.adapters.blobstore import store_for
    from server.adapters.models import Document, Evidence
    from server.extensions import db
    from server.services import documents

    with live_server.app.app_context():
        doc = db.session.get(Document, doc_id)
        assert doc is not None and doc.number_text == number
        server_text = render.html_text(documents.html_of(doc))
        assert server_text == device["text"]
        assert doc.device_sha256 == doc.html_sha256 == device["sha"]
        sig_sha = doc.signatures[0]["blob_sha256"]
        evidence = db.session.query(Evidence).filter_by(inspection_id=doc.inspection_id, kind="signature").one()
        assert evidence.sha256 == sig_sha
        with store_for(live_server.app).open(sig_sha) as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == sig_sha
    assert f"当事人已签名（签名记录 {sig_sha[:12]}）" in device["text"]


def test_correction_notice_with_refusal_to_sign_then_not_corrected_escalates(new_context, live_server):
    ctx, page = offline_ready_to_issue(new_context, reload=False)
    inspection_id = page.evaluate(CREATE_INSPECTION.replace("GL-69-TUOXING", "GLF-79-BIAOZHI"))

    page.goto(f"/#/document-issue?inspection={inspection_id}")
    page.locator("select[name=doc-type]").select_option("correction_notice")
    page.locator("input[name=corrected]").uncheck()
    page.wait_for_selector(".verdict li[data-code=correction-promised]")  # re-evaluated after the uncheck
    assert "承诺于7日内改正" in page.locator(".verdict").inner_text()
    page.locator("input[name=correction]").fill("拆除公路用地内的广告牌")
    page.locator("input[name=refused]").check()
    page.get_by_role("button", name="签发并保存").click()
    assert "请填写见证人" in page.locator("#toasts").inner_text()  # a refusal needs a witness or video note
    page.locator("input[name=witness]").fill("执法记录仪 DV-0317")
    page.get_by_role("button", name="签发并保存").click()
    page.wait_for_selector("main[data-view=document] .doc-number")
    assert "当事人拒绝签名（见证人：执法记录仪 DV-0317）" in page.locator(".doc-paper").inner_text()

    ctx.set_offline(False)
    page.wait_for_selector(".sync-state .badge-synced", timeout=60000)
    wait_until(page, """async () => {
      const { listRecords } = await import('/js/db.js');
      return (await listRecords('followup')).some((r) => r.data.status === 'open');
    }""")  # the follow-up the server opened came back with the pull
    page.goto("/#/followups")
    page.locator("textarea[data-followup]").fill("广告牌仍未拆除")
    page.get_by_role("button", name="未改正").click()
    wait_until(page, """async () => {
      const { listRecords } = await import('/js/db.js');
      return (await listRecords('followup')).some((r) => r.data.status === 'not_corrected' && r.sync === 'synced');
    }""", timeout_s=60)  # queued, pushed, and the server's result applied to the record

    from server.adapters.models import Case, FollowUp
    from server.extensions import db

    with live_server.app.app_context():
        followup = db.session.query(FollowUp).filter_by(status="not_corrected").one()
        assert followup.result_note == "广告牌仍未拆除"
        case = db.session.get(Case, followup.case_id)
        assert (case.status, case.procedure) == ("escalated", "ordinary")
