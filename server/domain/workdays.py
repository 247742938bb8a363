"""Working days (工作日) and legal deadlines, from an editable holiday calendar.

《行政处罚法》第八十五条: the "2/3/5/7 days" of that law are working days, holidays excluded. Other periods are
calendar days; when the last one falls on a holiday the period ends on the next working day (the general
rule on periods, 《民法典》第二百零三条). The day the period starts is not counted.
Pure: the calendar comes in as data (overrides + which years have real data), so the PWA computes the same
deadlines offline (``pwa/js/domain/workdays.js``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable, Mapping

# kind -> (counting, days, zh-CN label with its basis)
DEADLINES: dict[str, tuple[str, int, str]] = {
    "hearing": ("working", 5, "申请听证期限（《中华人民共和国行政处罚法》第六十四条、第八十五条：5个工作日）"),
    "statement": ("working", 3, "陈述、申辩期限（3个工作日）"),
    "payment": ("calendar", 15, "缴纳罚款期限（《中华人民共和国行政处罚法》第六十七条：15日）"),
    "publication": ("working", 7, "行政处罚决定公示期限（国办发〔2018〕118号：7个工作日）"),
}


@dataclass(frozen=True)
class Deadline:
    kind: str
    start: date
    due: date
    label: str
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "start": self.start.isoformat(), "due": self.due.isoformat(),
                "label": self.label, "warnings": list(self.warnings)}


def missing_year_warning(year: int) -> str:
    return f"{year}年的法定节假日安排尚未录入，期限按周一至周五为工作日估算，请管理员在工作日历中补充"


class WorkCalendar:
    def __init__(self, overrides: Mapping[date, bool], covered_years: Iterable[int]):
        self.overrides = dict(overrides)
        self.covered_years = frozenset(covered_years)

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return day.weekday() < 5

    def _warn(self, years: set[int]) -> tuple[str, ...]:
        return tuple(missing_year_warning(y) for y in sorted(years - self.covered_years))

    def add_workdays(self, start: date, n: int) -> tuple[date, tuple[str, ...]]:
        """The n-th working day after ``start`` (start itself not counted)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        day, counted, years = start, 0, {start.year}
        while counted < n:
            day += timedelta(days=1)
            years.add(day.year)
            if self.is_workday(day):
                counted += 1
        return day, self._warn(years)

    def add_days(self, start: date, n: int) -> tuple[date, tuple[str, ...]]:
        """n calendar days after ``start``; a period ending on a holiday ends on the next working day."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = start + timedelta(days=n)
        years = {start.year, day.year}
        while n > 0 and not self.is_workday(day):
            day += timedelta(days=1)
            years.add(day.year)
        return day, self._warn(years)

    def deadline(self, kind: str, start: date, days: int | None = None) -> Deadline:
        """A named legal deadline; ``correction`` takes its ``days`` from the catalog (calendar days)."""
        if kind == "correction":
            due, warnings = self.add_days(start, int(days or 0))
            return Deadline(kind, start, due, f"责令改正期限（{int(days or 0)}日）", warnings)
        counting, default_days, label = DEADLINES[kind]
        n = int(days if days is not None else default_days)
        due, warnings = self.add_workdays(start, n) if counting == "working" else self.add_days(start, n)
        return Deadline(kind, start, due, label, warnings)
