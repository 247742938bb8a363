"""Schema comes from Alembic on both databases: upgrade from empty matches the models, downgrade is clean."""
import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from server.adapters.migrate import downgrade, upgrade
from server.adapters.models import Base
from tests.conftest import _Postgres, _requested_url, is_postgres


@pytest.fixture
def empty_database_url(tmp_path):
    if is_postgres():
        pg = _Postgres(_requested_url())
        pg.name = f"roadside_migr_{os.getpid()}"
        pg.url = pg.url.rsplit("/", 1)[0] + "/" + pg.name
        pg.create()
        yield pg.url
        pg.drop()
    else:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"


def _diff(url):
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    return diff


def _tables(url):
    engine = sa.create_engine(url)
    names = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_upgrade_from_empty_matches_the_models(empty_database_url):
    upgrade(empty_database_url)
    assert _diff(empty_database_url) == []
    assert set(Base.metadata.tables) <= _tables(empty_database_url)


def test_downgrade_to_base_removes_everything_and_upgrade_again_works(empty_database_url):
    upgrade(empty_database_url)
    downgrade(empty_database_url, "base")
    assert _tables(empty_database_url) <= {"alembic_version"}
    upgrade(empty_database_url)
    assert _diff(empty_database_url) == []
