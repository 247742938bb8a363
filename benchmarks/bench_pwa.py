"""PWA: gzipped size of the app shell and offline cold start to interactive, measured in headless Chromium.

Shell = every HTML/CSS/JS/manifest file the service worker precaches, gzipped one by one (as a server with
gzip serves them), excluding the QR decoder (vendored jsQR, loaded only when a scan starts). Target ≤ 150 KB.
Cold start = a new tab opened with the network off: the service worker serves the shell and the app renders its
first usable view (the PIN unlock screen); read from the `roadside-interactive` performance mark (ms after
navigation start). PIN unlock = PBKDF2 (310,000 iterations) + decrypting the token pair.
"""
from __future__ import annotations

import gzip
import logging
import statistics
import tempfile
from pathlib import Path

from server.api.pwa_manifest import shell_files

PWA = Path(__file__).resolve().parents[1] / "pwa"
QR_DECODER = PWA / "vendor" / "jsqr"
CODE_SUFFIXES = {".html", ".js", ".css", ".webmanifest", ".json"}
TARGET_KB = 150
ROUNDS = 5
SECRET = "bench-secret-0123456789-0123456789-0123456789"


def _gz(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def sizes() -> dict[str, int]:
    files = shell_files(PWA) + [PWA / "sw.js"]
    shell = [p for p in files if p.suffix in CODE_SUFFIXES and QR_DECODER not in p.parents]
    # Core = the shell itself (js/*.js, js/views, css, idb, index, manifest, worker); the rest are feature
    # modules and their vendored libraries (documents: nunjucks, signature_pad; notifications; domain rules).
    core = [p for p in shell if p.parent in (PWA, PWA / "js", PWA / "js" / "views", PWA / "css", PWA / "vendor" / "idb")]
    return {"shell": sum(_gz(p) for p in shell), "files": len(shell), "core": sum(_gz(p) for p in core),
            "decoder": sum(_gz(p) for p in files if QR_DECODER in p.parents),
            "icons": sum(p.stat().st_size for p in files if p.suffix == ".png")}


def _app(workdir: Path):
    from server import create_app, demo
    from server.adapters.migrate import upgrade
    from server.services.uow import UnitOfWork

    url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    upgrade(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "ROADSIDE_ENV": "testing",
                      "INSTANCE_DIR": str(workdir / "instance"), "MEDIA_DIR": str(workdir / "media"),
                      "EMBEDDED_WORKER": False})
    with app.app_context():
        demo.load(UnitOfWork())
    return app


def cold_start() -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    from tests.pwa.conftest import CHROMIUM, CHROMIUM_ARGS, PIN, VIEWPORT, LiveServer, pwa_login, pwa_unlock, wait_for_worker

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request would drown the figures
    with tempfile.TemporaryDirectory(prefix="roadside-bench-pwa-") as tmp, LiveServer(_app(Path(tmp))) as server, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN", base_url=server.url)
        page = ctx.new_page()
        pwa_login(page, "zhangwei", PIN)
        wait_for_worker(page)
        page.close()
        ctx.set_offline(True)
        interactive, unlock = [], []
        for _ in range(ROUNDS):
            page = ctx.new_page()
            page.goto("/")
            page.wait_for_selector("form.unlock")
            interactive.append(page.evaluate(
                "new Promise(r => { const f = () => { const m = performance.getEntriesByName('roadside-interactive');"
                " m.length ? r(m[0].startTime) : setTimeout(f, 10); }; f(); })"))
            started = page.evaluate("performance.now()")
            pwa_unlock(page, "zhangwei", PIN)
            unlock.append(page.evaluate("performance.now()") - started)
            page.close()
        browser.close()
    return interactive, unlock


def run() -> list[str]:
    s = sizes()
    lines = [f"app shell gzipped: {s['shell'] / 1024:.1f} KB in {s['files']} files (target ≤ {TARGET_KB} KB; "
             f"{'OK' if s['shell'] <= TARGET_KB * 1024 else 'OVER'}); core shell {s['core'] / 1024:.1f} KB, "
             f"feature modules and their libraries {(s['shell'] - s['core']) / 1024:.1f} KB",
             f"QR decoder (jsQR, loaded on first scan, precached): {s['decoder'] / 1024:.1f} KB gzipped; "
             f"icons {s['icons'] / 1024:.1f} KB"]
    interactive, unlock = cold_start()
    lines.append(f"offline cold start to interactive (unlock screen), median of {ROUNDS}: "
                 f"{statistics.median(interactive):.0f} ms (min {min(interactive):.0f}, max {max(interactive):.0f})")
    lines.append(f"PIN unlock (PBKDF2 310k + decrypt + open IndexedDB) to Today view, median: {statistics.median(unlock):.0f} ms")
    return lines
