"""Fixtures build a fresh app per test (flaskr style) on a real database.

SQLite (default): migrate one template file per session, copy it per test.
PostgreSQL (``DATABASE_URL`` / ``ROADSIDE_TEST_DATABASE_URL`` = postgresql://...): create a fresh database
``roadside_test_<pid>`` for the session, migrate it once, truncate every table between tests, drop it at the end.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from server.adapters.migrate import upgrade
from server.config import normalise_database_url

TEST_SECRET = "test-secret-key-for-roadside-tests-only-0123456789"
DEMO_PASSWORD = "roadside-demo-2026"


def _requested_url() -> str:
    return os.environ.get("ROADSIDE_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""


def is_postgres() -> bool:
    return _requested_url().startswith(("postgres://", "postgresql"))


class _Postgres:
    def __init__(self, base_url: str):
        import psycopg

        self.psycopg = psycopg
        self.base = base_url.replace("postgresql+psycopg://", "postgresql://").replace("postgres://", "postgresql://")
        self.name = f"roadside_test_{os.getpid()}"
        self.admin_url = self.base.rsplit("/", 1)[0] + "/postgres"
        self.url = normalise_database_url(self.base.rsplit("/", 1)[0] + "/" + self.name)

    def create(self) -> None:
        with self.psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with self.psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    if is_postgres():
        pg = _Postgres(_requested_url())
        pg.create()
        upgrade(pg.url)
        yield ("postgresql", pg.url)
        pg.drop()
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        upgrade(f"sqlite:///{path}")
        yield ("sqlite", path)


def _truncate_all(url: str) -> None:
    import sqlalchemy as sa

    from server.adapters.models import Base

    engine = sa.create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        # A browser test's page can still have a request in flight on the live server's threads when the test
        # ends; its connection would hold locks the TRUNCATE needs (seen as a deadlock at the next setup).
        # Nothing of a finished test may outlive it, so its connections go first.
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(database_template, tmp_path) -> str:
    kind, where = database_template
    if kind == "postgresql":
        _truncate_all(where)
        return where
    path = tmp_path / "roadside.sqlite3"
    shutil.copy(where, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "ROADSIDE_ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "MEDIA_DIR": str(tmp_path / "media"),
        "EMBEDDED_WORKER": False,
    }


@pytest.fixture
def app(app_config):
    from server import create_app
    from server.extensions import db

    application = create_app(app_config)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo(app):
    """The demo unit tree, officers, parties, credentials and catalog."""
    from server import demo as demo_data
    from server.services.uow import UnitOfWork

    with app.app_context():
        demo_data.load(UnitOfWork())
    return demo_data


@pytest.fixture
def login(client, demo):
    """``login("zhangwei")`` → Authorization headers for a fresh device of that demo officer."""

    def _login(username: str, device_id: str | None = None) -> dict[str, str]:
        device_id = device_id or f"dev-{uuid.uuid4()}"
        resp = client.post("/api/auth/login", json={"username": username, "password": DEMO_PASSWORD,
                                                    "device_id": device_id, "device_name": "pytest"})
        assert resp.status_code == 200, resp.get_json()
        return {"Authorization": f"Bearer {resp.get_json()['access_token']}"}

    return _login


@pytest.fixture
def db_session(app):
    """A SQLAlchemy session inside an app context, for asserting on what was stored."""
    from server.extensions import db

    with app.app_context():
        yield db.session
        db.session.rollback()


def pytest_collection_modifyitems(config, items):
    if is_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgresql://...)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


def pytest_report_header(config):
    return f"roadside database: {'PostgreSQL ' + _requested_url() if is_postgres() else 'SQLite (per-test file)'}"
