"""The worker runs the reminder rules and drains the push outbox: embedded (first request starts it) or as
``roadside worker --once``."""
from __future__ import annotations

import time

from sqlalchemy import select

from server.adapters.models import Notification
from tests import factories


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_embedded_worker_starts_with_the_first_request_and_notifies(app, app_config, demo, db_session):
    from server import create_app

    embedded = create_app({**app_config, "EMBEDDED_WORKER": True, "WORKER_INTERVAL_SECONDS": 3600})
    assert "roadside_worker" not in embedded.extensions  # creating the app (CLI commands too) starts nothing
    embedded.test_client().get("/api/health")
    state = embedded.extensions["roadside_worker"]
    try:
        assert state["thread"].is_alive()
        zhoujie = factories.officer(db_session, "zhoujie")

        def notified():
            db_session.rollback()  # see the worker thread's commits
            return db_session.scalar(select(Notification).where(Notification.officer_id == zhoujie.id,
                                                                Notification.kind == "certificate-expiring"))

        assert wait_for(notified), "the first tick should remind zhoujie of the certificate expiring in 20 days"
        embedded.test_client().get("/api/health")
        assert embedded.extensions["roadside_worker"] is state  # one thread per process
    finally:
        state["stop"].set()
        state["thread"].join(10)
    assert not state["thread"].is_alive()


def test_worker_cli_once_runs_one_tick(app, demo, db_session):
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "'certificates': 1" in result.output
    assert db_session.scalar(select(Notification).where(Notification.kind == "certificate-expiring")) is not None


def test_a_malformed_quiet_hours_setting_fails_at_start(app_config):
    import pytest

    from server import create_app

    with pytest.raises(ValueError):
        create_app({**app_config, "QUIET_HOURS": "22:00-07:00"})
