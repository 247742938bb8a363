"""The README's first command, as a newcomer runs it: migrate, load demo data, serve, answer /api/health."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROADSIDE = Path(sys.executable).with_name("roadside")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(url, body=None, token=None):
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


@pytest.mark.slow
def test_demo_command_serves_api_with_demo_data_on_sqlite(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROADSIDE_") and k != "DATABASE_URL"}
    env.update(ROADSIDE_INSTANCE_DIR=str(tmp_path / "instance"), ROADSIDE_EMBEDDED_WORKER="false")
    proc = subprocess.Popen([str(ROADSIDE), "demo", "--port", str(port)], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = _call(f"{base}/api/health")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(proc.stdout.read())
                time.sleep(0.3)
        assert health["status"] == "ok" and health["database"]["backend"] == "sqlite"
        token = _call(f"{base}/api/auth/login", {"username": "zhangwei", "password": "roadside-demo-2026",
                                                  "device_id": "dev-newcomer-1"})["access_token"]
        vehicles = _call(f"{base}/api/lookup/vehicles?plate=A12345", token=token)
        assert vehicles[0]["vehicle"]["plate"] == "蒙A12345"
        me = _call(f"{base}/api/me", token=token)
        assert me["officer"]["certificate"]["number"] == "15010101"
        assert (tmp_path / "instance" / "roadside.sqlite3").exists()
        reviewer = _call(f"{base}/api/auth/login", {"username": "reviewer", "password": "roadside-demo-2026",
                                                     "device_id": "dev-newcomer-2"})["access_token"]
        assert len(_call(f"{base}/api/reviews", token=reviewer)) == 1  # the morning's ordinary case awaits review
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "roadside-demo-2026" in out, "demo passwords must be printed at start"
    assert "zhangwei" in out and "已载入演示业务" in out
