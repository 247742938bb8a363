"""Working-day calendar API (export for the PWA, admin edits, missing-year warning) and the follow-up list."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from server.adapters.models import FollowUp
from server.services import calendar
from server.services.uow import UnitOfWork
from sync import Status
from tests.documents_helpers import Runner, make_inspection


def test_calendar_export_has_national_day_and_warns_for_years_without_data(client, login):
    data = client.get("/api/calendar?from=2025&to=2027", headers=login("zhangwei")).get_json()
    days = {d["date"]: d for d in data["days"]}
    assert days["2025-10-01"] == {"date": "2025-10-01", "workday": False, "name": "国庆节", "source": "chinese_calendar"}
    assert days["2025-09-28"]["workday"] is True
    assert data["covered_years"] == [2025, 2026] and data["missing_years"] == [2027]
    assert "2027年的法定节假日安排尚未录入" in data["warnings"][0]


def test_calendar_range_is_bounded(client, login):
    resp = client.get("/api/calendar?from=2000&to=2030", headers=login("zhangwei"))
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "calendar-range-invalid"


def test_admin_enters_a_holiday_for_a_missing_year_and_marks_it_complete(app, client, login, db_session):
    admin = login("admin")
    put = client.put("/api/calendar/days/2027-10-01", json={"workday": False, "name": "国庆节"}, headers=admin)
    assert put.status_code == 200
    assert client.put("/api/calendar/years/2027", json={"note": "按国务院办公厅通知录入"}, headers=admin).status_code == 200
    cal = calendar.load(UnitOfWork(db_session))
    deadline = cal.deadline("hearing", date(2027, 9, 30))  # Thu; Fri 1 Oct is now a holiday
    assert deadline.due == date(2027, 10, 8) and deadline.warnings == ()
    assert client.delete("/api/calendar/days/2027-10-01", headers=admin).status_code == 204
    assert calendar.load(UnitOfWork(db_session)).is_workday(date(2027, 10, 1)) is True


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
