"""Browser fixtures for the PWA (headless Debian Chromium through Python Playwright; no browser download).

Reusable by every feature's browser tests:
- ``live_server``: the test's app (its own database, demo data loaded) served on a free port by werkzeug in a
  thread; ``live_server.url``, ``live_server.app``.
- ``browser``: one Chromium per test session; ``launch_browser(extra_args)`` for a browser of your own
  (e.g. a fake camera stream).
- ``new_context(**kw)``: a 360×800 zh-CN context (closed after the test); pass ``geolocation=...`` to grant GPS.
- ``pwa_login(page, username, pin)``, ``pwa_unlock(page, username, pin)``, ``wait_for_worker(page)``.
- ``signed_qr(number, officer=False)``: the server-signed QR token of a demo credential / 执法证;
  ``qr_png(token, path)``: a PNG of it to feed the scan view's photo input.
"""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
PIN = "246810"
PASSWORD = "roadside-demo-2026"
VIEWPORT = {"width": 360, "height": 800}
HOHHOT = {"latitude": 40.8650, "longitude": 111.6620, "accuracy": 12}


class LiveServer:
    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(app, demo):
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def playwright_driver():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def launch_browser(playwright_driver):
    launched = []

    def _launch(extra_args=()):
        browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                    args=CHROMIUM_ARGS + list(extra_args))
        launched.append(browser)
        return browser

    yield _launch
    for browser in launched:
        browser.close()


@pytest.fixture(scope="session")
def browser(launch_browser):
    return launch_browser()


@pytest.fixture
def new_context(browser, live_server):
    contexts = []

    def _new(target=None, geolocation=None, permissions=None, **kw):
        options = dict(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai", base_url=live_server.url,
                       device_scale_factor=1, is_mobile=False, has_touch=True)
        if geolocation is not None:
            options["geolocation"] = geolocation
            options["permissions"] = ["geolocation"]
        if permissions is not None:
            options["permissions"] = permissions
        options.update(kw)
        ctx = (target or browser).new_context(**options)
        ctx.set_default_timeout(20000)
        contexts.append(ctx)
        return ctx

    yield _new
    for ctx in contexts:
        ctx.close()


def wait_for_worker(page):
    """Wait until the service worker controls the page (then the shell is precached and works offline)."""
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    page.evaluate("navigator.serviceWorker.ready")


def pwa_login(page, username: str, pin: str = PIN):
    page.goto("/")
    page.wait_for_selector("form.login, form.unlock", state="attached")
    if page.locator("details.other-login").count():
        page.locator("details.other-login summary").click()
    form = page.locator("form.login")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("input[name=new-pin]").fill(pin)
    form.locator("input[name=new-pin2]").fill(pin)
    form.locator("button[type=submit]").click()
    page.wait_for_selector("main[data-view=today]")
    # The reference bundle (public key, revocations, catalog) is cached before offline work starts.
    wait_until(page, """async () => {
        const {getReference} = await import('/js/reference.js'); return !!(await getReference());
    }""")


def wait_until(page, script: str, timeout_s: float = 30, arg=None) -> None:
    """Poll an async page function until it returns true. Not ``page.wait_for_function``: that takes the
    promise an async function returns as a truthy value and returns at once, without waiting for anything."""
    for _ in range(int(timeout_s * 4)):
        if page.evaluate(script, arg):
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"page never reached the state: {script}")


def pwa_unlock(page, username: str, pin: str = PIN):
    card = page.locator(f"form.unlock[data-officer='{username}']")
    card.locator("input[name=pin]").fill(pin)
    card.locator("button[type=submit]").click()
    page.wait_for_selector("main[data-view=today]")


@pytest.fixture
def signed_qr(app):
    def _token(number: str, officer: bool = False) -> str:
        from server.services import lookup
        from server.services.uow import UnitOfWork

        with app.app_context():
            if officer:
                return lookup.find_officer_by_certificate(UnitOfWork(), None, number).qr
            return lookup.find_credential(UnitOfWork(), None, number).qr

    return _token


def qr_png(token: str, path: Path) -> Path:
    import segno

    segno.make(token, error="m").save(str(path), scale=5, border=4)
    return path


def scan_image(page, token: str, tmp_path: Path, name: str = "qr.png"):
    """Feed a QR image to the scan view's 拍照识别 input and wait for the verdict banner."""
    page.locator("#qr-photo").set_input_files(str(qr_png(token, tmp_path / name)))
    page.wait_for_selector(".result[data-state]")
    return page.locator(".result")


def fake_camera_y4m(token: str, path: Path, size=(640, 480), frames: int = 5) -> Path:
    """A Y4M (YUV 4:2:0) stream showing the QR, for ``--use-file-for-fake-video-capture``."""
    import segno
    from PIL import Image

    qr = segno.make(token, error="m")
    buffer = path.with_suffix(".png")
    qr.save(str(buffer), scale=4, border=4)
    frame = Image.new("RGB", size, "white")
    code = Image.open(buffer).convert("RGB")
    code.thumbnail((size[1] - 20, size[1] - 20))
    frame.paste(code, ((size[0] - code.width) // 2, (size[1] - code.height) // 2))
    y, u, v = frame.convert("YCbCr").split()
    half = (size[0] // 2, size[1] // 2)
    planes = y.tobytes() + u.resize(half).tobytes() + v.resize(half).tobytes()
    with open(path, "wb") as fh:
        fh.write(f"YUV4MPEG2 W{size[0]} H{size[1]} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            fh.write(b"FRAME\n" + planes)
    return path
