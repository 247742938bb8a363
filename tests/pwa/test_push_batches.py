"""A day's backlog goes up in requests of up to 250 mutations (one server transaction each), and a batch is cut
after a dozen photo uploads so the first records are not held back behind the whole day's photos."""
from __future__ import annotations

import pytest

from tests.pwa.conftest import HOHHOT, pwa_login, wait_for_worker, wait_until
from tests.pwa.test_documents_offline import CREATE_INSPECTION

pytestmark = pytest.mark.browser

SHA = "ab" * 32
CUT = """async ([shas]) => {
  const { cutBeforeTooManyBlobs } = await import('/js/sync-client.js');
  const entries = shas.map((n, i) => ({ seq: i + 1, args: { signatures: Array.from({ length: n }, () => ({ blob_sha256: '%s' })) } }));
  return cutBeforeTooManyBlobs(entries).map((e) => e.seq);
}""" % SHA


def test_a_batch_is_cut_after_a_dozen_uploads_but_never_before_its_first_entry(new_context):
    page = new_context().new_page()
    page.goto("/")
    assert page.evaluate(CUT, [[1] * 20]) == list(range(1, 13))  # 12 photos ahead of the push, not 20
    assert page.evaluate(CUT, [[0, 5, 0, 7, 1, 0]]) == [1, 2, 3, 4]  # the 13th upload would be entry 5's
    assert page.evaluate(CUT, [[30, 1]]) == [1]  # one record with many signatures still goes alone
    assert page.evaluate(CUT, [[0] * 300]) == list(range(1, 301))  # no blobs: only BATCH limits it


def test_a_backlog_of_260_goes_up_in_two_requests_and_every_record_arrives(new_context, live_server):
    ctx = new_context(geolocation=HOHHOT)
    page = ctx.new_page()
    pwa_login(page, "zhangwei")
    wait_for_worker(page)
    ctx.set_offline(True)
    ids = page.evaluate(f"async () => {{ const out = []; for (let i = 0; i < 260; i++) out.push(await ({CREATE_INSPECTION})()); return out; }}")
    assert page.evaluate("async () => (await import('/js/db.js')).outboxCount()") == 260
    sizes: list[int] = []
    page.on("request", lambda req: sizes.append(len(req.post_data_json["mutations"]))
            if req.method == "POST" and req.url.endswith("/api/sync/push") else None)
    ctx.set_offline(False)
    page.evaluate("window.roadside.sync.syncNow()")
    wait_until(page, "async () => (await (await import('/js/db.js')).outboxCount()) === 0", timeout_s=60)
    assert sizes == [250, 10]

    from sqlalchemy import func, select

    from server.adapters.models import Inspection
    from server.extensions import db

    from server.adapters.models.sync import MutationResult

    with live_server.app.app_context():
        results = db.session.scalars(select(MutationResult)).all()
        outcomes = {(r.status, r.code) for r in results}
        assert len(results) == 260
        assert outcomes <= {("applied", None), ("conflict", "exemption-contested")}, outcomes
        assert db.session.scalar(select(func.count()).select_from(Inspection).where(Inspection.id.in_(ids))) == 260
