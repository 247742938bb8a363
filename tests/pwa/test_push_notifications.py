"""The service worker receives a push (CDP ServiceWorker.deliverPushMessage), shows the notification, and a
click opens the linked record; the in-app list shows it and the permission flow explains before it asks."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from server.adapters.models import Notification
from server.services import notifications, push
from tests import factories
from tests.pwa.conftest import pwa_login, wait_for_worker

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def store_notification(app, username: str, url: str) -> dict:
    from server.extensions import db

    with app.app_context():
        officer = factories.officer(db.session, username)
        row = notifications.notify(db.session, notifications.Reminder(
            officer.id, officer.unit_id, "followup-due", f"browser-test:{url}", "承诺改正期限明天届满",
            "承诺改正期限 2026年11月25日 届满，请按期回访核查。", url, "inspection", None),
            datetime.now(timezone.utc), None)
        db.session.commit()
        return push.payload_for(row)


def registration_id(cdp, scope: str) -> str:
    found = {}
    cdp.on("ServiceWorker.workerRegistrationUpdated",
           lambda event: found.update({r["scopeURL"]: r["registrationId"] for r in event["registrations"]}))
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10
    while scope not in found and time.monotonic() < deadline:
        cdp.send("Runtime.evaluate", {"expression": "1"})  # lets Playwright dispatch pending CDP events
    return found[scope]


def shown_notifications(worker):
    return worker.evaluate("""async () => (await self.registration.getNotifications())
        .map((n) => ({title: n.title, body: n.body, data: n.data, tag: n.tag}))""")


def test_push_shows_a_notification_and_clicking_it_opens_the_linked_record(new_context, live_server, app):
    context = new_context(permissions=["notifications"])
    page = context.new_page()
    pwa_login(page, "zhangwei")
    wait_for_worker(page)
    with app.app_context():
        from server.extensions import db

        inspection = factories.inspection(db.session, "DD01", "zhangwei")
        inspection_id = inspection.id
    payload = store_notification(app, "zhangwei", f"/#/inspection?id={inspection_id}")

    cdp = context.new_cdp_session(page)
    reg_id = registration_id(cdp, live_server.url + "/")
    worker = context.service_workers[0]
    shown = []
    # On a loaded machine a push can reach the registration before its worker is running and be dropped;
    # deliver again until it shows (same tag, so a repeat replaces instead of adding a second notification).
    for _attempt in range(4):
        cdp.send("ServiceWorker.deliverPushMessage", {"origin": live_server.url, "registrationId": reg_id,
                                                       "data": json.dumps(payload, ensure_ascii=False)})
        deadline = time.monotonic() + 8
        while not shown and time.monotonic() < deadline:
            shown = shown_notifications(worker)
        if shown:
            break
    assert shown == [{"title": "承诺改正期限明天届满", "body": payload["body"], "tag": f"roadside-{payload['id']}",
                      "data": {"id": payload["id"], "url": f"{live_server.url}/#/inspection?id={inspection_id}"}}]

    page.goto("/#/today")
    page.wait_for_selector("main[data-view=today]")
    worker.evaluate("async () => { const [n] = await self.registration.getNotifications(); await self.roadsidePush.onClick(n); }")
    page.wait_for_function(f"location.hash === '#/inspection?id={inspection_id}'")
    page.wait_for_selector("main[data-view=inspection]")
    assert shown_notifications(worker) == []  # the click closed it
    with app.app_context():  # opening it from the notification marked it read
        from server.extensions import db

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            row = db.session.get(Notification, payload["id"])
            if row.read_at:
                break
            db.session.rollback()
        assert row.read_at is not None


def test_push_from_another_origin_url_opens_the_notification_list_instead(new_context, live_server, app):
    context = new_context(permissions=["notifications"])
    page = context.new_page()
    pwa_login(page, "zhangwei")
    wait_for_worker(page)
    worker = context.service_workers[0]
    worker.evaluate("self.roadsidePush.showPush({id: 1, title: 't', body: 'b', url: 'https://evil.example/x'})")
    assert shown_notifications(worker)[0]["data"]["url"] == f"{live_server.url}/#/notifications"


def test_list_shows_the_notification_and_permission_is_explained_before_asking(new_context, live_server, app):
    store_notification(app, "zhangwei", "/#/today")
    context = new_context()  # notification permission not granted: the browser would still have to ask
    page = context.new_page()
    pwa_login(page, "zhangwei")
    page.goto("/#/notifications")
    page.wait_for_selector("main[data-view=notifications] .notification.unread")
    assert "承诺改正期限明天届满" in page.locator(".notifications").inner_text()
    explain = page.locator("[data-push=default]")
    assert "开启后，即使未打开执法终端" in explain.inner_text()
    assert explain.locator("[data-action=enable-push]").is_visible()
    assert page.evaluate("Notification.permission") == "default"  # nothing was asked on page load
    page.locator(".notification-open").first.click()
    page.wait_for_function("location.hash === '#/today'")
    page.goto("/#/notifications")
    page.wait_for_selector("main[data-view=notifications] .notification:not(.unread)")
