"""Store UTC, show Asia/Shanghai. Never naive datetimes."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(SHANGHAI).date()


def to_local(dt: datetime) -> datetime:
    return dt.astimezone(SHANGHAI)


def format_local(dt: datetime) -> str:
    """2026年11月23日 14时05分 — the form Chinese enforcement documents use."""
    loc = to_local(dt)
    return f"{loc.year}年{loc.month}月{loc.day}日 {loc.hour:02d}时{loc.minute:02d}分"
