"""Fills the service worker's VERSION and PRECACHE from the files in ``pwa/`` (no build step).

The version is a hash of every served file, so changing any of them makes ``/sw.js`` differ byte-wise:
the browser installs the new worker, which waits until the officer accepts the update.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

PRECACHED_SUFFIXES = {".html", ".js", ".css", ".png", ".webmanifest", ".json", ".svg", ".woff2"}
NOT_PRECACHED = {"sw.js", "sw-push.js"}  # the worker scripts are cached by the browser itself


def shell_files(pwa_dir: Path) -> list[Path]:
    return sorted(p for p in pwa_dir.rglob("*")
                  if p.is_file() and p.suffix in PRECACHED_SUFFIXES and p.name not in NOT_PRECACHED
                  and not any(part.startswith(".") or part == "node_modules" for part in p.parts))


def render_sw(pwa_dir: Path) -> str:
    files = shell_files(pwa_dir)
    digest = hashlib.sha256()
    for path in files + [pwa_dir / "sw.js", pwa_dir / "sw-push.js"]:
        if path.exists():
            digest.update(path.relative_to(pwa_dir).as_posix().encode() + b"\0" + path.read_bytes())
    urls = ["/"] + ["/" + p.relative_to(pwa_dir).as_posix() for p in files]
    text = (pwa_dir / "sw.js").read_text(encoding="utf-8")
    text = re.sub(r"^const VERSION = .*// @version$", f"const VERSION = '{digest.hexdigest()[:12]}'; // @version",
                  text, count=1, flags=re.M)
    text = re.sub(r"^const PRECACHE = .*// @precache$",
                  lambda _m: f"const PRECACHE = {json.dumps(urls, ensure_ascii=False)}; // @precache",
                  text, count=1, flags=re.M)
    return text
