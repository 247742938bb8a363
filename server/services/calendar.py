"""Working-day calendar: seeded from ``chinese_calendar``, edited by admins, exported to the PWA.

Years the library does not know (it raises for them) stay uncovered: deadlines in them fall back to
Mon–Fri and carry a visible warning until an admin enters that year's holidays and marks it complete.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.adapters.models import CalendarDay, CalendarYear
from server.domain.actor import Actor
from server.domain.errors import DomainError
from server.domain.timeutil import local_today
from server.domain.workdays import WorkCalendar, missing_year_warning
from server.services.uow import UnitOfWork

FIRST_SEEDED_YEAR = 2020  # older years never matter for open deadlines
HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争胜利70周年纪念日",
}


def _library_year(year: int) -> list[tuple[date, bool, str]] | None:
    """The year's exceptions to Mon–Fri from chinese_calendar, or None when the library lacks the year."""
    import chinese_calendar

    rows = []
    day = date(year, 1, 1)
    try:
        while day.year == year:
            workday = chinese_calendar.is_workday(day)
            if workday != (day.weekday() < 5):
                _, name = chinese_calendar.get_holiday_detail(day)
                zh = HOLIDAY_NAMES.get(name or "", name or "")
                rows.append((day, workday, f"{zh}调休上班" if workday else zh))
            day += timedelta(days=1)
    except NotImplementedError:
        return None
    return rows


def seed_in(session: Session, until_year: int | None = None) -> None:
    """Seed, inside the caller's transaction, every year up to next year that the table lacks and the library
    knows. Runs on every load, so a chinese_calendar release that adds a year (the State Council announces the
    next year's holidays each November) is picked up without an admin; days an admin already entered for that
    year win over the library's. A concurrent seeder winning is fine (savepoint)."""
    last = until_year or local_today().year + 1
    have = set(session.scalars(select(CalendarYear.year).where(CalendarYear.year >= FIRST_SEEDED_YEAR)))
    found: list[tuple[int, list[tuple[date, bool, str]]]] = []
    for year in range(FIRST_SEEDED_YEAR, last + 1):
        if year in have:
            continue
        rows = _library_year(year)
        if rows is None:
            break  # the library ends here; later years are missing too
        found.append((year, rows))
    if not found:
        return
    try:
        with session.begin_nested():
            for year, rows in found:
                entered = set(session.scalars(select(CalendarDay.day).where(
                    CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))))
                session.add(CalendarYear(year=year, source="chinese_calendar", note="由 chinese_calendar 导入"))
                for day, workday, name in rows:
                    if day not in entered:
                        session.add(CalendarDay(day=day, is_workday=workday, name=name, source="chinese_calendar"))
    except IntegrityError:
        pass  # another worker seeded it first


def ensure_seeded(uow: UnitOfWork) -> None:
    with uow:
        seed_in(uow.session)
        uow.commit()


def load_in(session: Session) -> WorkCalendar:
    """The calendar inside the caller's transaction (sync handlers must neither commit nor roll back)."""
    seed_in(session)
    days = session.scalars(select(CalendarDay)).all()
    years = session.scalars(select(CalendarYear.year)).all()
    return WorkCalendar({d.day: d.is_workday for d in days}, years)


def load(uow: UnitOfWork) -> WorkCalendar:
    with uow:
        cal = load_in(uow.session)
        uow.commit()
        return cal


def export(uow: UnitOfWork, from_year: int, to_year: int) -> dict[str, Any]:
    """What the PWA caches to compute the same deadlines offline."""
    if to_year < from_year or to_year - from_year > 10:
        raise DomainError("calendar-range-invalid", "年份范围无效（最多11年）", {"from": from_year, "to": to_year})
    ensure_seeded(uow)
    with uow:
        days = uow.session.scalars(select(CalendarDay).where(
            CalendarDay.day >= date(from_year, 1, 1), CalendarDay.day <= date(to_year, 12, 31))
            .order_by(CalendarDay.day)).all()
        covered = sorted(uow.session.scalars(select(CalendarYear.year).where(
            CalendarYear.year >= from_year, CalendarYear.year <= to_year)).all())
    missing = [y for y in range(from_year, to_year + 1) if y not in covered]
    return {"from_year": from_year, "to_year": to_year, "covered_years": covered, "missing_years": missing,
            "warnings": [missing_year_warning(y) for y in missing],
            "days": [{"date": d.day.isoformat(), "workday": d.is_workday, "name": d.name, "source": d.source}
                     for d in days]}


def set_day(uow: UnitOfWork, actor: Actor, day: date, workday: bool, name: str) -> dict[str, Any]:
    """Admin: mark one day as holiday or make-up working day (overrides the library)."""
    actor.require("admin")
    ensure_seeded(uow)
    with uow:
        row = uow.session.get(CalendarDay, day)
        if row is None:
            row = CalendarDay(day=day, is_workday=workday, name=name, source="admin", updated_by=actor.officer_id)
            uow.session.add(row)
        else:
            row.is_workday, row.name, row.source, row.updated_by = workday, name, "admin", actor.officer_id
        payload = {"date": day.isoformat(), "workday": workday, "name": name, "source": "admin"}
        uow.record(actor, "calendar.set_day", "calendar_day", day.isoformat(), payload, unit_id=0)
        uow.commit()
        return payload


def clear_day(uow: UnitOfWork, actor: Actor, day: date) -> None:
    """Admin: drop an override so the day follows Mon–Fri again."""
    actor.require("admin")
    with uow:
        row = uow.session.get(CalendarDay, day)
        if row is None:
            raise DomainError("calendar-day-unknown", f"{day.isoformat()} 没有特殊安排", status=404)
        uow.session.delete(row)
        uow.record(actor, "calendar.clear_day", "calendar_day", day.isoformat(), {"date": day.isoformat()},
                   unit_id=0, tombstone=True)
        uow.commit()


def mark_year(uow: UnitOfWork, actor: Actor, year: int, note: str) -> dict[str, Any]:
    """Admin: the year's holidays are entered — stop warning about it."""
    actor.require("admin")
    ensure_seeded(uow)
    with uow:
        row = uow.session.get(CalendarYear, year)
        if row is None:
            row = CalendarYear(year=year, source="admin", note=note, updated_by=actor.officer_id)
            uow.session.add(row)
        else:
            row.note, row.updated_by = note, actor.officer_id
        payload = {"year": year, "source": row.source, "note": note}
        uow.record(actor, "calendar.mark_year", "calendar_year", year, payload, unit_id=0)
        uow.commit()
        return payload
