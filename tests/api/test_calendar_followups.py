"""Working-day calendar API (export for the PWA, admin edits, missing-year warning) and the follow-up list."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from server.adapters.models import FollowUp
from server.services import calendar
from server.services.uow import UnitOfWork
from sync import Status
from tests.documents_helpers import Runner, make_inspection


# A year no calendar source has yet: seeding stops at next year, and chinese_calendar publishes a year only once
# the State Council has announced it (1.11 stops at 2026; a later release may add 2027 — the tests must not care).
FAR = 2035


def test_calendar_export_has_national_day_and_warns_for_years_without_data(client, login):
    data = client.get(f"/api/calendar?from=2025&to={FAR}", headers=login("zhangwei")).get_json()
    days = {d["date"]: d for d in data["days"]}
    assert days["2025-10-01"] == {"date": "2025-10-01", "workday": False, "name": "国庆节", "source": "chinese_calendar"}
    assert days["2025-09-28"]["workday"] is True
    assert data["covered_years"][:2] == [2025, 2026] and data["missing_years"][-1] == FAR
    assert sorted(data["covered_years"] + data["missing_years"]) == list(range(2025, FAR + 1))
    assert f"{FAR}年的法定节假日安排尚未录入" in data["warnings"][-1]


def test_calendar_range_is_bounded(client, login):
    resp = client.get("/api/calendar?from=2000&to=2030", headers=login("zhangwei"))
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "calendar-range-invalid"


def test_admin_enters_a_holiday_for_a_missing_year_and_marks_it_complete(app, client, login, db_session):
    admin = login("admin")
    before = calendar.load(UnitOfWork(db_session)).deadline("hearing", date(FAR, 9, 28))  # Fri
    assert before.due == date(FAR, 10, 5) and f"{FAR}年" in before.warnings[0]  # Mon–Fri estimate, with a warning
    put = client.put(f"/api/calendar/days/{FAR}-10-01", json={"workday": False, "name": "国庆节"}, headers=admin)
    assert put.status_code == 200
    assert client.put(f"/api/calendar/years/{FAR}", json={"note": "按国务院办公厅通知录入"}, headers=admin).status_code == 200
    cal = calendar.load(UnitOfWork(db_session))
    deadline = cal.deadline("hearing", date(FAR, 9, 28))  # Mon 1 Oct is now a holiday
    assert deadline.due == date(FAR, 10, 8) and deadline.warnings == ()
    assert client.delete(f"/api/calendar/days/{FAR}-10-01", headers=admin).status_code == 204
    assert calendar.load(UnitOfWork(db_session)).is_workday(date(FAR, 10, 1)) is True


def test_only_admins_edit_the_calendar_and_bad_dates_are_refused(client, login):
    officer = client.put("/api/calendar/days/2027-10-01", json={"workday": False, "name": "国庆节"},
                         headers=login("zhangwei"))
    assert officer.status_code == 403
    bad = client.put("/api/calendar/days/2027-13-01", json={"workday": False, "name": "x"}, headers=login("admin"))
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "date-invalid"
    unknown = client.put("/api/calendar/days/2027-10-01", json={"workday": False, "name": "x", "extra": 1},
                         headers=login("admin"))
    assert unknown.status_code == 422 and "extra" in unknown.get_json()["error"]["details"]["fields"]


def test_followups_are_listed_for_the_unit_only(app, demo, client, login, db_session):
    runner = Runner(app, db_session)
    insp = make_inspection(db_session, code="GLF-79-BIAOZHI", party="呼和浩特市顺达货运有限公司", plate=None)
    outcome, args = runner.issue("zhangwei", insp, "commitment_letter", "minor_exempt",
                                 fields={"harm": "none", "corrected_on_spot": False, "first_violation": True})
    assert outcome.status == Status.APPLIED
    row = db_session.scalar(select(FollowUp).where(FollowUp.document_id == args["id"]))
    mine = client.get("/api/followups?status=open", headers=login("lina")).get_json()
    assert [(f["id"], f["due_date"], f["overdue"]) for f in mine] == [(row.id, row.due_date.isoformat(), False)]
    assert client.get("/api/followups", headers=login("wangqiang")).get_json() == []


def test_a_library_release_with_a_new_year_is_picked_up_and_admin_entries_win(client, login, db_session, monkeypatch):
    admin = login("admin")
    assert client.put(f"/api/calendar/days/{FAR}-10-01", json={"workday": False, "name": "国庆节（通知）"},
                      headers=admin).status_code == 200
    real = calendar._library_year

    def newer_release(year):  # what a chinese_calendar release covering every year up to FAR would answer
        if real(year) is not None:
            return real(year)
        return [(date(year, 10, 1), False, "国庆节"), (date(year, 10, 2), False, "国庆节")]

    monkeypatch.setattr(calendar, "_library_year", newer_release)
    calendar.seed_in(db_session, until_year=FAR)
    db_session.commit()
    cal = calendar.load(UnitOfWork(db_session))
    assert FAR in cal.covered_years and not cal.deadline("hearing", date(FAR, 9, 28)).warnings
    days = {d["date"]: d for d in client.get(f"/api/calendar?from={FAR}&to={FAR}", headers=admin).get_json()["days"]}
    assert days[f"{FAR}-10-01"]["source"] == "admin" and days[f"{FAR}-10-01"]["name"] == "国庆节（通知）"
    assert days[f"{FAR}-10-02"]["source"] == "chinese_calendar"
