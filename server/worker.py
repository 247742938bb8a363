"""The background worker: reminder rules, then the push outbox, every ``WORKER_INTERVAL_SECONDS``.

Embedded by default (a daemon thread started with the first request, so CLI commands such as
``roadside migrate`` never start it); in production run ``roadside worker`` as its own process and set
``ROADSIDE_EMBEDDED_WORKER=false``. Several workers may run at once: notifications are deduplicated by a
unique key and deliveries are claimed with ``SKIP LOCKED``, so nothing is sent twice.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Callable

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from server.domain.timeutil import utcnow

log = logging.getLogger("roadside.worker")


def run_once(app: Flask, now: datetime | None = None) -> dict[str, object]:
    """One tick in its own app context (own DB session). Errors are logged, never raised into the loop."""
    from server.extensions import db
    from server.services import blobs, push, reminders
    from server.services.uow import UnitOfWork

    now = now or utcnow()
    with app.app_context():
        try:
            made = reminders.run(UnitOfWork(), app.config, now)
            queued = push.enqueue_due(db.session, now)
            sent = push.deliver_due(db.session, app.config, now)
            purged = blobs.sweep_expired(UnitOfWork(), app.config, now)
            return {"reminders": made, "queued": queued, "push": sent, "expired_uploads": purged}
        finally:
            db.session.remove()


def loop(app: Flask, stop: threading.Event, clock: Callable[[], datetime] = utcnow) -> None:
    interval = app.config["WORKER_INTERVAL_SECONDS"]
    log.info("提醒与推送工作进程已启动，每 %s 秒运行一次", interval)
    while not stop.is_set():
        try:
            result = run_once(app, clock())
            if any(result["reminders"].values()) or result["queued"] or any(result["push"].values()):
                log.info("worker tick: %s", result)
        except Exception:  # a database outage must not end the loop; the next tick tries again
            log.exception("worker tick failed")
        stop.wait(interval)


def register(app: Flask) -> None:
    """Add ``roadside worker``; start the embedded thread on the first request when configured."""
    from server.services.notifications import parse_quiet_hours

    parse_quiet_hours(app.config["QUIET_HOURS"])  # a typo in ROADSIDE_QUIET_HOURS fails at start, not every tick
    app.cli.add_command(worker_cmd)
    if not app.config.get("EMBEDDED_WORKER"):  # tests turn it off (conftest) unless a test asks for it
        return
    lock, state = threading.Lock(), {}

    @app.before_request
    def _start_embedded_worker():
        if state:
            return
        with lock:
            if state:
                return
            stop = threading.Event()
            thread = threading.Thread(target=loop, args=(app, stop), name="roadside-worker", daemon=True)
            thread.start()
            state.update(thread=thread, stop=stop)
            app.extensions["roadside_worker"] = state


@click.command("worker")
@click.option("--once", is_flag=True, help="Run one tick and exit (cron, smoke tests).")
@with_appcontext
def worker_cmd(once: bool) -> None:
    """Run the reminder and push worker in the foreground (production: its own process)."""
    app = current_app._get_current_object()
    if once:
        click.echo(run_once(app))
        return
    stop = threading.Event()
    try:
        loop(app, stop)
    except KeyboardInterrupt:
        stop.set()
