"""Two tabs of one officer share one outbox: only the tab holding the Web Lock `roadside-push-<officer>` pushes,
so the server sees each mutation once and never two pushes at a time. And the 今日 view: my inspections, the
document issued today, the correction deadline to verify, and the patrol check-ins."""
from __future__ import annotations

import io
import json
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.pwa.conftest import HOHHOT, pwa_login, pwa_unlock, qr_png, wait_for_worker, wait_until
from tests.pwa.test_documents_offline import CREATE_INSPECTION, READY

pytestmark = pytest.mark.browser

PUSH_PATH = "/api/sync/push"
OUTBOX_COUNT = "async () => (await import('/js/db.js')).outboxCount()"
PUSH_LOCKS = """async (name) => {
  const { held, pending } = await navigator.locks.query();
  return { held: held.filter((l) => l.name === name).length, pending: pending.filter((l) => l.name === name).length };
}"""


class PushGate:
    """WSGI wrapper around the live app: records every POST /api/sync/push body and how many are in flight, and
    holds the first push open until the test releases it (or a second push arrives at the same time). While it
    is held, the other tab has every chance to push too: without the lock it would, and be seen overlapping."""

    def __init__(self, inner):
        self.inner = inner
        self.cond = threading.Condition()
        self.in_flight = 0
        self.max_in_flight = 0
        self.bodies: list[dict] = []
        self.arrived = threading.Event()
        self.released = False

    def release(self):
        with self.cond:
            self.released = True
            self.cond.notify_all()

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != PUSH_PATH:
            return self.inner(environ, start_response)
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(raw)
        with self.cond:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.bodies.append(json.loads(raw))
            self.arrived.set()
            self.cond.notify_all()
            # A state wait, bounded so a broken test cannot hang the server thread forever.
            self.cond.wait_for(lambda: self.released or self.in_flight > 1, timeout=60)
        try:
            return list(self.inner(environ, start_response))  # consumed here, so in_flight spans the handling
        finally:
            with self.cond:
                self.in_flight -= 1
                self.cond.notify_all()


def _push_log(page, tab, log):
    """Every push request a tab sends, with its mutation ids and (once finished) its browser-side timing."""
    def on_request(req):
        if req.method == "POST" and req.url.endswith(PUSH_PATH):
            log.append({"tab": tab, "request": req, "ids": [m["id"] for m in req.post_data_json["mutations"]]})
    page.on("request", on_request)


def test_two_tabs_push_one_at_a_time_and_each_mutation_reaches_the_server_once(new_context, live_server):
    ctx = new_context(geolocation=HOHHOT)
    tab_a = ctx.new_page()
    pwa_login(tab_a, "zhangwei")
    wait_for_worker(tab_a)
    tab_b = ctx.new_page()
    tab_b.goto("/")
    pwa_unlock(tab_b, "zhangwei")  # same officer, same phone: the same IndexedDB, the same outbox
    officer = tab_a.evaluate("(({officer_id, device_id}) => ({officer_id, device_id}))(window.roadside.session.currentOfficer())")
    assert tab_b.evaluate("window.roadside.session.currentOfficer().officer_id") == officer["officer_id"]
    lock_name = f"roadside-push-{officer['officer_id']}"

    ctx.set_offline(True)
    inspection_ids = [tab_a.evaluate(CREATE_INSPECTION) for _ in range(3)] + \
                     [tab_b.evaluate(CREATE_INSPECTION) for _ in range(2)]
    for tab in (tab_a, tab_b):
        wait_until(tab, f"({OUTBOX_COUNT})().then((n) => n === 5)")
    outbox = tab_b.evaluate("async () => (await import('/js/db.js')).outboxEntries().then((l) => l.map((e) => e.id))")
    assert len(set(outbox)) == 5

    gate = PushGate(live_server.app.wsgi_app)
    live_server.app.wsgi_app = gate
    log: list[dict] = []
    _push_log(tab_a, "a", log)
    _push_log(tab_b, "b", log)
    try:
        ctx.set_offline(False)  # `online` fires in both tabs: both call syncNow() ...
        for tab in (tab_a, tab_b):  # ... and so do we, in both, without waiting for either
            tab.evaluate("() => { window.__sync = window.roadside.sync.syncNow().then(() => 'done'); }")
        assert gate.arrived.wait(20), "no tab pushed"

        # The first push is held open on the server. The lock is held once, nobody queues behind it (ifAvailable),
        # and syncing again in either tab returns at once without a second push.
        for tab in (tab_a, tab_b):
            assert tab.evaluate(PUSH_LOCKS, lock_name) == {"held": 1, "pending": 0}
            assert tab.evaluate("window.roadside.sync.syncNow().then(() => 'done')") == "done"
        with gate.cond:
            assert (gate.in_flight, len(gate.bodies)) == (1, 1)
    finally:
        gate.release()

    for tab in (tab_a, tab_b):
        wait_until(tab, f"({OUTBOX_COUNT})().then((n) => n === 0)")
        assert tab.evaluate("window.__sync") == "done"
        tab.wait_for_function("window.roadside.sync.status().state !== 'syncing'")
    wait_until(tab_a, """async (ids) => {
      const { getRecord } = await import('/js/db.js');
      return (await Promise.all(ids.map((id) => getRecord('inspection', id)))).every((r) => r && r.sync === 'synced');
    }""", arg=inspection_ids)
    with gate.cond:
        assert gate.max_in_flight == 1
        server_ids = Counter(m["id"] for body in gate.bodies for m in body["mutations"])
    assert server_ids == Counter(outbox)  # each mutation sent once: no replay of a batch the other tab had sent

    # One tab did all the pushing; browser-side, its push requests never overlapped each other.
    assert len({entry["tab"] for entry in log}) == 1, [(e["tab"], len(e["ids"])) for e in log]
    assert Counter(i for entry in log for i in entry["ids"]) == Counter(outbox)
    spans = []
    for entry in log:
        entry["request"].response()  # finished
        t = entry["request"].timing
        spans.append((t["startTime"], t["startTime"] + t["responseEnd"]))
    spans.sort()
    assert all(end <= nxt_start for (_, end), (nxt_start, _) in zip(spans, spans[1:])), spans

    from server.adapters.models import Inspection
    from server.adapters.models.sync import MutationResult
    from server.extensions import db

    with live_server.app.app_context():
        rows = db.session.scalars(select(MutationResult).where(MutationResult.client_id == officer["device_id"])).all()
        assert Counter(r.mutation_id for r in rows) == Counter(outbox)  # one recorded result per mutation
        assert {r.status for r in rows} == {"applied"}
        assert sorted(r.seq for r in rows) == [1, 2, 3, 4, 5]
        assert db.session.scalar(select(db.func.count()).select_from(Inspection)
                                 .where(Inspection.id.in_(inspection_ids))) == 5


def test_today_lists_my_inspection_the_document_the_correction_deadline_and_patrol(new_context, live_server, app,
                                                                                    tmp_path):
    from server.adapters.models import Document, FollowUp, PatrolPoint
    from server.extensions import db
    from server.services import patrol
    from server.services.uow import UnitOfWork

    with app.app_context():
        point = db.session.scalar(select(PatrolPoint).where(PatrolPoint.name == "兴安北路货运车辆检查点"))
        point_qr, lat, lon = patrol.point_qr(UnitOfWork(), point), point.lat, point.lon
        db.session.commit()  # the first signature may have created the signing key

    ctx = new_context(geolocation={"latitude": lat + 0.0003, "longitude": lon, "accuracy": 12})
    page = ctx.new_page()
    pwa_login(page, "zhangwei")
    wait_until(page, READY)  # templates, catalog, calendar and number blocks

    inspection_id = page.evaluate(CREATE_INSPECTION.replace("GL-69-TUOXING", "GLF-79-BIAOZHI"))
    page.goto(f"/#/document-issue?inspection={inspection_id}")
    page.locator("select[name=doc-type]").select_option("correction_notice")
    page.locator("input[name=corrected]").uncheck()
    page.wait_for_selector(".verdict li[data-code=correction-promised]")
    page.locator("input[name=correction]").fill("拆除公路用地内的广告牌")
    page.locator("input[name=refused]").check()
    page.locator("input[name=witness]").fill("执法记录仪 DV-0317")
    page.get_by_role("button", name="签发并保存").click()
    page.wait_for_selector("main[data-view=document] .doc-number")
    number = page.locator(".doc-number").inner_text()
    page.wait_for_selector(".sync-state .badge-synced", timeout=60000)
    wait_until(page, """async () => {
      const { listRecords } = await import('/js/db.js');
      return (await listRecords('followup')).some((r) => r.data.status === 'open');
    }""")  # the follow-up the server opened came back with the pull

    page.goto("/#/patrol")
    page.locator("#patrol-qr-photo").set_input_files(str(qr_png(point_qr, tmp_path / "point.png")))
    page.wait_for_selector(".patrol-log li[data-sync=synced]", timeout=60000)

    with app.app_context():
        doc = db.session.get(Document, page.evaluate(
            "async () => (await import('/js/db.js')).listRecords('document').then((l) => l[0].id)"))
        assert doc.number_text == number and doc.inspection_id == inspection_id
        due = db.session.scalar(select(FollowUp.due_date).where(FollowUp.document_id == doc.id))
    today = (datetime.now(timezone.utc) + timedelta(hours=8)).date()  # Asia/Shanghai, UTC+8 without DST
    left = (due - today).days
    assert left > 1  # a 7-day promise: the row is neither 今天到期 nor overdue

    page.goto("/#/today")
    page.wait_for_selector("main[data-view=today] h2:has-text('巡查签到')")
    main = page.locator("main[data-view=today]")
    cards = main.locator("section.card")
    mine = cards.filter(has=page.locator("h2", has_text="我的检查"))
    assert mine.locator("h2").inner_text() == "我的检查（今日 1 条）"
    row = mine.locator(f"li.record[data-key='inspection:{inspection_id}']")
    assert "赵某明" in row.inner_text() and row.locator(".badge").inner_text() == "已同步"

    docs = cards.filter(has=page.locator("h2", has_text="今日文书"))
    assert docs.locator("h2").first.inner_text() == "今日文书 1 份"
    assert docs.locator("li.record").first.inner_text().startswith(f"责令改正违法行为通知书 {number}")
    assert docs.locator("li.record .badge").first.inner_text() == "已同步"
    assert docs.locator("h2").nth(1).inner_text() == "待核查整改 1 项"
    assert docs.locator("li.record").nth(1).inner_text() == \
        f"责令改正 {number} · {due.month}月{due.day}日到期（还有 {left} 天）"
    assert docs.locator("li.record").nth(1).locator("a").get_attribute("href") == "#/followups"

    patrol_card = cards.filter(has=page.locator("h2", has_text="巡查签到"))
    assert patrol_card.locator("h2").inner_text() == "巡查签到（今日 1 次）"
    assert patrol_card.get_by_role("link", name="去签到").get_attribute("href") == "#/patrol"
