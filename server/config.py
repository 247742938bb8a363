"""All configuration in one object, read from the environment once (``ROADSIDE_*``).

The README's configuration table is the reference; keep the two in step.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

DEMO_SECRET = "roadside-demo-secret-NOT-FOR-PRODUCTION"

# name -> (default, parser, flask config key)
_INT = int
_STR = str


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


_SETTINGS: dict[str, tuple[Any, Any, str]] = {
    "ENV": ("development", _STR, "ROADSIDE_ENV"),
    "SECRET_KEY": (DEMO_SECRET, _STR, "SECRET_KEY"),
    "DATABASE_URL": ("", _STR, "SQLALCHEMY_DATABASE_URI"),
    "INSTANCE_DIR": ("instance", _STR, "INSTANCE_DIR"),
    "MEDIA_DIR": ("", _STR, "MEDIA_DIR"),
    "BLOB_STORE": ("local", _STR, "BLOB_STORE"),
    "S3_ENDPOINT_URL": ("", _STR, "S3_ENDPOINT_URL"),
    "S3_BUCKET": ("roadside-media", _STR, "S3_BUCKET"),
    "S3_ACCESS_KEY": ("", _STR, "S3_ACCESS_KEY"),
    "S3_SECRET_KEY": ("", _STR, "S3_SECRET_KEY"),
    "S3_REGION": ("us-east-1", _STR, "S3_REGION"),
    "ACCESS_TOKEN_SECONDS": (900, _INT, "ACCESS_TOKEN_SECONDS"),
    "REFRESH_TOKEN_SECONDS": (14 * 24 * 3600, _INT, "REFRESH_TOKEN_SECONDS"),
    "LOGIN_MAX_FAILURES": (5, _INT, "LOGIN_MAX_FAILURES"),
    "LOGIN_LOCK_SECONDS": (900, _INT, "LOGIN_LOCK_SECONDS"),
    "MAX_REQUEST_BYTES": (2 * 1024 * 1024, _INT, "MAX_CONTENT_LENGTH"),
    "MAX_BLOB_BYTES": (15 * 1024 * 1024, _INT, "MAX_BLOB_BYTES"),
    "MAX_IMAGE_PIXELS": (40_000_000, _INT, "MAX_IMAGE_PIXELS"),
    "BLOB_QUOTA_BYTES": (2 * 1024 * 1024 * 1024, _INT, "BLOB_QUOTA_BYTES"),
    "BLOB_PARTIAL_TTL_HOURS": (48, _INT, "BLOB_PARTIAL_TTL_HOURS"),
    "GPS_WARN_ACCURACY_M": (50, _INT, "GPS_WARN_ACCURACY_M"),
    "GPS_MAX_ACCURACY_M": (100, _INT, "GPS_MAX_ACCURACY_M"),
    "GPS_MAX_SPEED_KMH": (200, _INT, "GPS_MAX_SPEED_KMH"),
    "GPS_MAX_CLOCK_SKEW_SECONDS": (300, _INT, "GPS_MAX_CLOCK_SKEW_SECONDS"),
    "GPS_MAX_FIX_AGE_SECONDS": (600, _INT, "GPS_MAX_FIX_AGE_SECONDS"),
    "SYNC_MAX_BATCH": (500, _INT, "SYNC_MAX_BATCH"),
    "SYNC_GROUP_SIZE": (250, _INT, "SYNC_GROUP_SIZE"),
    "PUBLIC_BASE_URL": ("http://127.0.0.1:8000", _STR, "PUBLIC_BASE_URL"),
    "VAPID_SUBJECT": ("mailto:admin@roadside.invalid", _STR, "VAPID_SUBJECT"),
    "EMBEDDED_WORKER": (True, _bool, "EMBEDDED_WORKER"),
    "WORKER_INTERVAL_SECONDS": (30, _INT, "WORKER_INTERVAL_SECONDS"),
    "QUIET_HOURS": ("22-7", _STR, "QUIET_HOURS"),
    "UNSYNCED_ALERT_HOURS": (8, _INT, "UNSYNCED_ALERT_HOURS"),
    "PUSH_TTL_SECONDS": (24 * 3600, _INT, "PUSH_TTL_SECONDS"),  # pywebpush's default 0 drops it for offline phones
    "PUSH_TIMEOUT_SECONDS": (10, _INT, "PUSH_TIMEOUT_SECONDS"),
    "TIMEZONE": ("Asia/Shanghai", _STR, "TIMEZONE"),
}


class ConfigError(RuntimeError):
    pass


def load_config(environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config dict from ``ROADSIDE_*`` variables, then apply ``overrides``.

    ``DATABASE_URL`` (unprefixed) is honoured too because hosting platforms set it.
    """
    env = os.environ if environ is None else environ
    cfg: dict[str, Any] = {}
    for name, (default, parse, key) in _SETTINGS.items():
        raw = env.get(f"ROADSIDE_{name}")
        cfg[key] = parse(raw) if raw not in (None, "") else default
    if not cfg["SQLALCHEMY_DATABASE_URI"] and env.get("DATABASE_URL"):
        cfg["SQLALCHEMY_DATABASE_URI"] = env["DATABASE_URL"]
    if overrides:
        cfg.update(overrides)
    instance = Path(cfg["INSTANCE_DIR"]).resolve()
    cfg["INSTANCE_DIR"] = str(instance)
    if not cfg["SQLALCHEMY_DATABASE_URI"]:
        cfg["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'roadside.sqlite3'}"
    cfg["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(cfg["SQLALCHEMY_DATABASE_URI"])
    if not cfg["MEDIA_DIR"]:
        cfg["MEDIA_DIR"] = str(instance / "media")
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(cfg["SQLALCHEMY_DATABASE_URI"]))
    cfg["TESTING"] = cfg.get("TESTING", cfg["ROADSIDE_ENV"] == "testing")
    check_production(cfg)
    return cfg


def normalise_database_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and route them to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # Several threads (dev server, embedded worker) share one file: wait instead of failing.
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True}


def check_production(cfg: Mapping[str, Any]) -> None:
    if cfg["ROADSIDE_ENV"] != "production":
        return
    secret = cfg.get("SECRET_KEY") or ""
    if secret == DEMO_SECRET or len(secret) < 32:
        raise ConfigError("生产模式拒绝启动：请设置 ROADSIDE_SECRET_KEY（至少 32 个字符，且不能使用演示密钥）")
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        raise ConfigError("生产模式需要 PostgreSQL：请设置 ROADSIDE_DATABASE_URL")
