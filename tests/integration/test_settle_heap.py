"""settle_heap moves the start-up heap out of the collector's way (gc.freeze), and the WSGI entry point calls it."""
from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from server.app import settle_heap


def test_settle_heap_freezes_what_is_alive_and_collects_first():
    gc.unfreeze()
    garbage = []
    garbage.append(garbage)  # a cycle only the collector frees
    del garbage
    try:
        settle_heap()
        assert gc.get_freeze_count() > 1000  # modules, classes, this test's objects
        assert gc.collect() == 0  # the cycle was collected before freezing, nothing left to find
    finally:
        gc.unfreeze()


def test_the_wsgi_module_builds_the_app_and_settles_the_heap(tmp_path):
    code = ("import gc, server.wsgi as w; print(type(w.app).__name__, gc.get_freeze_count() > 0)")
    env = {"ROADSIDE_INSTANCE_DIR": str(tmp_path), "ROADSIDE_DATABASE_URL": f"sqlite:///{tmp_path}/w.sqlite3",
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], timeout=60)
    assert out.stdout.split() == ["Flask", "True"], out.stderr
