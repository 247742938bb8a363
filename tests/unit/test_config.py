import pytest

from server.config import DEMO_SECRET, ConfigError, load_config


def test_defaults_use_sqlite_in_the_instance_folder(tmp_path):
    cfg = load_config({"ROADSIDE_INSTANCE_DIR": str(tmp_path)})
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/roadside.sqlite3"
    assert cfg["MEDIA_DIR"] == str(tmp_path / "media")


def test_plain_postgres_url_is_routed_to_psycopg3(tmp_path):
    cfg = load_config({"DATABASE_URL": "postgresql://u@h:5432/db", "ROADSIDE_INSTANCE_DIR": str(tmp_path)})
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h:5432/db"


def test_prefixed_settings_are_parsed(tmp_path):
    cfg = load_config({"ROADSIDE_ACCESS_TOKEN_SECONDS": "60", "ROADSIDE_EMBEDDED_WORKER": "false",
                       "ROADSIDE_INSTANCE_DIR": str(tmp_path)})
    assert cfg["ACCESS_TOKEN_SECONDS"] == 60
    assert cfg["EMBEDDED_WORKER"] is False


def test_production_refuses_the_demo_secret(tmp_path):
    with pytest.raises(ConfigError, match="演示密钥"):
        load_config({"ROADSIDE_ENV": "production", "ROADSIDE_SECRET_KEY": DEMO_SECRET,
                     "ROADSIDE_DATABASE_URL": "postgresql://x@y/z", "ROADSIDE_INSTANCE_DIR": str(tmp_path)})


def test_production_refuses_sqlite(tmp_path):
    with pytest.raises(ConfigError, match="PostgreSQL"):
        load_config({"ROADSIDE_ENV": "production", "ROADSIDE_SECRET_KEY": "x" * 40,
                     "ROADSIDE_INSTANCE_DIR": str(tmp_path)})


def test_production_starts_with_a_real_secret_and_postgres(tmp_path):
    cfg = load_config({"ROADSIDE_ENV": "production", "ROADSIDE_SECRET_KEY": "s" * 40,
                       "ROADSIDE_DATABASE_URL": "postgresql://x@y/z", "ROADSIDE_INSTANCE_DIR": str(tmp_path)})
    assert cfg["ROADSIDE_ENV"] == "production"


def test_create_app_refuses_production_with_demo_secret(tmp_path):
    from server import create_app

    with pytest.raises(ConfigError):
        create_app({"ROADSIDE_ENV": "production", "SECRET_KEY": DEMO_SECRET, "INSTANCE_DIR": str(tmp_path),
                    "SQLALCHEMY_DATABASE_URI": "postgresql://x@y/z"})
