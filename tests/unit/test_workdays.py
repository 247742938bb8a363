"""Deadlines across the National Day holiday and make-up working days (调休), Python and the PWA's JS."""
from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from server.domain.workdays import WorkCalendar
from server.services.calendar import _library_year

ROOT = Path(__file__).resolve().parents[2]
DATA = json.loads((ROOT / "tests/vectors/workdays.json").read_text(encoding="utf-8"))
CAL = WorkCalendar({date.fromisoformat(d["date"]): d["workday"] for d in DATA["calendar"]["days"]},
                   DATA["calendar"]["covered_years"])


@pytest.mark.parametrize("case", DATA["cases"], ids=[c["name"] for c in DATA["cases"]])
def test_deadline(case):
    deadline = CAL.deadline(case["kind"], date.fromisoformat(case["start"]), case.get("days"))
    assert deadline.due == date.fromisoformat(case["due"])
    assert len(deadline.warnings) == case["warnings"]


def test_uncovered_year_warning_names_the_year():
    deadline = CAL.deadline("hearing", date(2027, 9, 30))
    assert deadline.warnings == ("2027年的法定节假日安排尚未录入，期限按周一至周五为工作日估算，请管理员在工作日历中补充",)


def test_library_seed_matches_the_published_2025_national_day_schedule():
    rows = {day: (workday, name) for day, workday, name in _library_year(2025)}
    vector = {date.fromisoformat(d["date"]): d["workday"] for d in DATA["calendar"]["days"]}
    for day, workday in vector.items():
        assert rows[day][0] == workday
    assert rows[date(2025, 10, 1)][1] == "国庆节"
    assert rows[date(2025, 9, 28)][1] == "国庆节调休上班"


def test_library_year_without_data_is_reported_missing():
    assert _library_year(2099) is None  # chinese_calendar raises NotImplementedError for it


def test_hearing_is_weekday_only_without_holiday_data():
    plain = WorkCalendar({}, [])
    assert plain.deadline("hearing", date(2025, 9, 30)).due == date(2025, 10, 7)  # what a naive count says


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_js_port_computes_the_same_deadlines():
    proc = subprocess.run(["node", "--test", str(ROOT / "tests/js/workdays.test.mjs")], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"# pass {len(DATA['cases'])}" in proc.stdout
