"""The scale path as documented in the README: gunicorn serving create_app() in production mode on PostgreSQL."""
import os
import subprocess
import sys
import time
import urllib.request
import json
from pathlib import Path

import pytest

from tests.integration.test_demo_command import _free_port

GUNICORN = Path(sys.executable).with_name("gunicorn")


@pytest.mark.postgres_only
@pytest.mark.slow
def test_gunicorn_serves_production_config_on_postgres(database_url, tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROADSIDE_") and k != "DATABASE_URL"}
    env.update(ROADSIDE_ENV="production", ROADSIDE_SECRET_KEY="p" * 48, ROADSIDE_DATABASE_URL=database_url,
               ROADSIDE_INSTANCE_DIR=str(tmp_path / "instance"), ROADSIDE_EMBEDDED_WORKER="false")
    proc = subprocess.Popen([str(GUNICORN), "--workers", "2", "--bind", f"127.0.0.1:{port}", "server.wsgi:app"],
                            env=env, cwd=Path(__file__).resolve().parents[2],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as resp:
                    health = json.load(resp)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(proc.stdout.read())
                time.sleep(0.3)
        assert health["status"] == "ok"
        assert health["database"]["backend"] == "postgresql"
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


def test_production_mode_refuses_to_start_with_the_demo_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROADSIDE_") and k != "DATABASE_URL"}
    env.update(ROADSIDE_ENV="production", ROADSIDE_INSTANCE_DIR=str(tmp_path),
               ROADSIDE_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/postgres")
    result = subprocess.run([sys.executable, "-c", "from server import create_app; create_app()"], env=env,
                            capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2])
    assert result.returncode != 0
    assert "ROADSIDE_SECRET_KEY" in result.stderr
