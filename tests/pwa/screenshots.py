"""360×800 screenshots of the PWA for the README: ``python -m tests.pwa.screenshots`` → docs/img/pwa-*.png.

Drives the real app (temporary SQLite database with the demo data, headless Chromium) through the same steps as
the browser tests: login, an offline scan, the inspection form, a conflict in the 需要处理 inbox, and the
法制审核 page.
"""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from PIL import Image

from benchmarks.bench_pwa import _app
from tests.pwa.conftest import (CHROMIUM, CHROMIUM_ARGS, HOHHOT, VIEWPORT, LiveServer, pwa_login, scan_image,
                                wait_for_worker)
from tests.pwa.test_conflict_inbox import two_phones_in_conflict

OUT = Path(__file__).resolve().parents[2] / "docs" / "img"


def _token(app, number: str, officer: bool = False) -> str:
    from server.services import lookup
    from server.services.uow import UnitOfWork

    with app.app_context():
        if officer:
            return lookup.find_officer_by_certificate(UnitOfWork(), None, number).qr
        return lookup.find_credential(UnitOfWork(), None, number).qr


def _submitted_case(app) -> None:
    """An ordinary-procedure case of 张伟's with the statement recorded, submitted for 法制审核."""
    from server.extensions import db
    from server.services import legal_review
    from server.services.uow import UnitOfWork
    from tests.api.test_legal_review import ordinary_case
    from tests.documents_helpers import Runner, actor_for

    with app.app_context():
        case_id = ordinary_case(Runner(app, db.session), db.session,
                                facts="车辆装载砂石遗洒路面约200米，当事人未及时清理，造成路面污染")
        legal_review.submit(UnitOfWork(db.session), actor_for(db.session, "zhangwei"), case_id, "当事人陈述申辩已记录，报请审核")


def main() -> list[Path]:
    from playwright.sync_api import sync_playwright

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    OUT.mkdir(parents=True, exist_ok=True)
    shots = []
    with tempfile.TemporaryDirectory(prefix="roadside-shots-") as tmp, sync_playwright() as p:
        tmp = Path(tmp)
        app = _app(tmp)
        with LiveServer(app) as server:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            new = lambda: browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai",  # noqa: E731
                                              base_url=server.url, geolocation=HOHHOT, permissions=["geolocation"])

            def shot(page, name):
                page.evaluate("window.scrollTo(0, 0)")
                path = OUT / f"pwa-{name}.png"
                page.screenshot(path=str(path))
                shots.append(path)

            ctx = new()
            page = ctx.new_page()
            page.goto("/")
            page.wait_for_selector("form.login")
            shot(page, "login")

            pwa_login(page, "zhangwei")
            wait_for_worker(page)
            ctx.set_offline(True)
            page.goto("/#/scan")
            scan_image(page, _token(app, "蒙交运管呼字150100001001号"), tmp, "cred.png")
            shot(page, "scan-result")
            scan_image(page, _token(app, "蒙交运管呼字150100001004号"), tmp, "revoked.png")
            shot(page, "scan-revoked")

            page.goto("/#/scan?pick=officer&back=inspection")
            scan_image(page, _token(app, "15010102", officer=True), tmp, "officer.png")
            page.get_by_role("button", name="作为第二名执法人员").click()
            page.locator("input[name=party-name]").fill("呼和浩特市顺达货运有限公司")
            page.locator("select[name=party-kind]").select_option("organisation")
            page.locator("input[name=plate]").fill("蒙A12345")
            page.locator("input[name=catalog-search]").fill("遗洒")
            page.locator("button.pick[data-code='GL-69-TUOXING']").click()
            page.locator("textarea[name=facts]").fill("车辆装载砂石遗洒路面约20米，驾驶员当场清理完毕")
            page.locator("button[name=gps]").click()
            page.wait_for_selector(".gps.ok")
            photo = tmp / "scene.jpg"
            Image.linear_gradient("L").resize((1600, 1200)).convert("RGB").save(photo, "JPEG")
            page.locator("#photo-input").set_input_files(str(photo))
            page.wait_for_selector("figure.photo")
            page.locator("legend", has_text="执法人员").scroll_into_view_if_needed()
            page.screenshot(path=str(OUT / "pwa-inspection-form.png"))
            shots.append(OUT / "pwa-inspection-form.png")
            ctx.close()

            officer_qr = _token(app, "15010102", officer=True)
            _a, b, _id = two_phones_in_conflict(new(), new(), officer_qr, tmp)
            b.goto("/#/inbox")
            b.locator("article.conflict").wait_for()
            shot(b, "sync-inbox")

            _submitted_case(app)
            reviewer = new().new_page()
            pwa_login(reviewer, "reviewer")
            reviewer.goto("/#/reviews")
            card = reviewer.locator("article.review-pending")
            card.wait_for()
            card.locator("fieldset[data-item=facts] input[value=problem]").check()
            card.locator("textarea[name=opinion]").fill("询问笔录缺当事人签名，请补充后重新报审。")
            shot(reviewer, "legal-review")
            browser.close()
    return shots


if __name__ == "__main__":
    for path in main():
        print(path)
