"""巡查签到 on the phone, offline: scan the point's poster, GPS fix, queued; back online it syncs and the
server stores the check-in inside the radius."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server.adapters.models import PatrolCheckin, PatrolPoint
from server.services import patrol
from server.services.uow import UnitOfWork
from tests.pwa.conftest import pwa_login, qr_png, wait_for_worker

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_offline_checkin_is_queued_then_synced_inside_the_radius(new_context, live_server, app, tmp_path):
    from server.extensions import db

    with app.app_context():
        point = db.session.scalar(select(PatrolPoint).where(PatrolPoint.name == "兴安北路货运车辆检查点"))
        token, lat, lon, point_id = patrol.point_qr(UnitOfWork(), point), point.lat, point.lon, point.id
        db.session.commit()  # the first signature may have created the signing key
    context = new_context(geolocation={"latitude": lat + 0.0003, "longitude": lon, "accuracy": 12})  # ~33 m north
    page = context.new_page()
    pwa_login(page, "leader_dd01")
    wait_for_worker(page)
    page.goto("/#/patrol")
    page.wait_for_selector("main[data-view=patrol]")
    context.set_offline(True)
    page.locator("#patrol-qr-photo").set_input_files(str(qr_png(token, tmp_path / "point.png")))
    page.wait_for_function("(t => !t.startsWith('到达') && !t.startsWith('正在'))("
                           "document.querySelector('main[data-view=patrol] p[aria-live]').textContent)")
    status = page.locator("main[data-view=patrol] p[aria-live]").inner_text()
    assert status.startswith("已在"), status
    page.wait_for_selector(".patrol-log li[data-sync=pending]")
    assert "兴安北路货运车辆检查点" in page.locator(".patrol-log").inner_text()
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector(".patrol-log li[data-sync=synced]")
    with app.app_context():
        [row] = db.session.scalars(select(PatrolCheckin)).all()
        assert row.point_id == point_id and 25 < row.distance_m < 45 and row.accuracy_m == 12
    page.evaluate("location.hash = '#/today'")
    page.wait_for_selector("main[data-view=today]")
    page.evaluate("location.hash = '#/patrol'")
    page.wait_for_selector("table.compliance")  # a leader also sees the week's 带班巡查考核
    assert "刘带班" in page.locator("table.compliance").inner_text()


def test_forged_point_code_is_refused_on_the_phone(new_context, live_server, app, tmp_path):
    from server.extensions import db

    with app.app_context():
        point = db.session.scalar(select(PatrolPoint).where(PatrolPoint.name == "兴安北路货运车辆检查点"))
        token = patrol.point_qr(UnitOfWork(), point)
        db.session.commit()
    prefix, body, sig = token.split(".")
    forged = ".".join([prefix, body, ("B" if sig[0] == "A" else "A") + sig[1:]])
    context = new_context(geolocation={"latitude": 40.8655, "longitude": 111.6615, "accuracy": 10})
    page = context.new_page()
    pwa_login(page, "leader_dd01")
    page.goto("/#/patrol")
    page.locator("#patrol-qr-photo").set_input_files(str(qr_png(forged, tmp_path / "forged.png")))
    page.wait_for_function("document.querySelector('main[data-view=patrol] p[aria-live]').textContent.includes('无效')")
    assert page.locator(".patrol-log li").count() == 0
