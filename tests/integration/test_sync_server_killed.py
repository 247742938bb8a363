"""A server process SIGKILLed in the middle of a push batch, restarted, and the client retrying the same batch:
every mutation ends applied exactly once — nothing lost, nothing doubled, the audit chain intact."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.integration.test_demo_command import _free_port
from tests.sync_helpers import create_inspection

ROADSIDE = Path(sys.executable).with_name("roadside")
BATCH = 300


def _start(database_url: str, tmp_path: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROADSIDE_") and k != "DATABASE_URL"}
    env.update(ROADSIDE_INSTANCE_DIR=str(tmp_path / "instance"), ROADSIDE_EMBEDDED_WORKER="false",
               ROADSIDE_DATABASE_URL=database_url, ROADSIDE_SECRET_KEY="k" * 48)
    proc = subprocess.Popen([str(ROADSIDE), "demo", "--port", str(port)], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5).close()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("server did not start")
            time.sleep(0.3)


def _post(url: str, body: dict, token: str | None = None, timeout: float = 120) -> dict:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.load(resp)


@pytest.mark.slow
def test_server_killed_mid_batch_then_retry_applies_everything_exactly_once(database_url, tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _start(database_url, tmp_path, port)
    engine = sa.create_engine(database_url)
    try:
        token = _post(f"{base}/api/auth/login", {"username": "zhangwei", "password": "roadside-demo-2026",
                                                  "device_id": "dev-killed-1"})["access_token"]
        with engine.connect() as conn:
            lina = conn.execute(sa.text("SELECT id FROM officers WHERE username = 'lina'")).scalar_one()
        batch = [create_inspection(seq, lina) for seq in range(1, BATCH + 1)]
        body = {"client_id": "c-killed", "mutations": batch}
        outcome: dict = {}

        def send() -> None:
            try:
                outcome["reply"] = _post(f"{base}/api/sync/push", body, token)
            except (urllib.error.URLError, ConnectionError, OSError) as exc:  # the server died under us
                outcome["error"] = exc

        sender = threading.Thread(target=send)
        sender.start()
        committed = 0
        deadline = time.monotonic() + 60
        while committed < BATCH // 10 and time.monotonic() < deadline:
            time.sleep(0.02)
            with engine.connect() as conn:
                committed = conn.execute(sa.text(
                    "SELECT count(*) FROM mutation_results WHERE client_id = 'c-killed'")).scalar_one()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        sender.join(timeout=30)
        with engine.connect() as conn:
            at_kill = conn.execute(sa.text(
                "SELECT count(*) FROM mutation_results WHERE client_id = 'c-killed'")).scalar_one()
        assert 0 < at_kill < BATCH, f"the kill must land mid-batch (results at kill: {at_kill})"
        assert "reply" not in outcome  # the client never got an answer: it must retry the whole batch

        proc = _start(database_url, tmp_path, port)
        reply = _post(f"{base}/api/sync/push", body, token)
        assert reply["last_seq"] == BATCH
        assert [r["seq"] for r in reply["results"]] == list(range(1, BATCH + 1))
        assert {r["status"] for r in reply["results"]} == {"applied"}
        ids = [m["args"]["id"] for m in batch]
        with engine.connect() as conn:
            # (the demo's own morning of work is in the database too: count only this client's records)
            mine = sa.bindparam("ids", expanding=True)
            stored = conn.execute(sa.text("SELECT count(*) FROM inspections WHERE id IN :ids").bindparams(mine),
                                  {"ids": ids}).scalar_one()
            results = conn.execute(sa.text(
                "SELECT count(*), count(DISTINCT mutation_id) FROM mutation_results WHERE client_id = 'c-killed'")).one()
            changes = conn.execute(sa.text(
                "SELECT entity_id, count(*) FROM changes WHERE entity_type = 'inspection' AND entity_id IN :ids "
                "GROUP BY entity_id").bindparams(mine), {"ids": ids}).all()
            last_seq = conn.execute(sa.text("SELECT last_seq FROM sync_clients WHERE client_id = 'c-killed'")).scalar_one()
        assert stored == BATCH and tuple(results) == (BATCH, BATCH) and last_seq == BATCH
        assert sorted(e for e, _ in changes) == sorted(ids) and {n for _, n in changes} == {1}
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=20)
        engine.dispose()
    verify = subprocess.run([str(ROADSIDE), "audit", "verify"], capture_output=True, text=True, cwd=tmp_path,
                            env={**{k: v for k, v in os.environ.items() if not k.startswith("ROADSIDE_")},
                                 "ROADSIDE_DATABASE_URL": database_url, "ROADSIDE_INSTANCE_DIR": str(tmp_path / "i"),
                                 "DATABASE_URL": ""})
    assert verify.returncode == 0, verify.stderr
