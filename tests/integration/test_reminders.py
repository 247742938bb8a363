"""Reminder engine with a frozen clock: working-day deadlines across the 2026 National Day holiday, follow-ups,
patrol quota at mid-shift, officers' training hours and 年审, and no duplicates however often the engine runs."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from server.adapters.models import (
    Case, CaseReview, Document, DutyShift, EnforcementCertificate, FollowUp, Notification, Officer, PatrolCheckin, PatrolPoint,
    TrainingRecord,
)
from server.domain.timeutil import SHANGHAI
from server.services import reminders
from server.services.uow import UnitOfWork
from tests import factories


def local(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI).astimezone(timezone.utc)


def decision(session, issued_at: datetime, seq: int = 7) -> Document:
    insp = factories.inspection(session, "DD01", "zhangwei")
    doc = Document(id=str(uuid.uuid4()), unit_id=insp.unit_id, inspection_id=insp.id, doc_type="on_spot_decision",
                   number_year=2026, number_seq=seq, number_text=f"呼交执新当罚〔2026〕{seq:04d}号", procedure="simple",
                   fine_fen=20000, officer_id=insp.officer_id,
                   second_officer_id=factories.officer(session, "lina").id, fields={}, html_sha256="0" * 64,
                   verify_token=uuid.uuid4().hex, issued_at=issued_at)
    session.add(doc)
    session.commit()
    return doc


def followup(session, due: date, remind_on: date) -> FollowUp:
    doc = decision(session, local(2026, 9, 29), seq=99)
    case = Case(id=str(uuid.uuid4()), unit_id=doc.unit_id, inspection_id=doc.inspection_id, procedure="minor_exempt")
    session.add(case)
    session.flush()
    row = FollowUp(id=str(uuid.uuid4()), unit_id=doc.unit_id, case_id=case.id, document_id=doc.id,
                   officer_id=doc.officer_id, kind="commitment", due_date=due, remind_on=remind_on)
    session.add(row)
    session.commit()
    return row


def run(app, db_session, now):
    counts = reminders.run(UnitOfWork(db_session), app.config, now)
    db_session.expire_all()
    return counts


def notes(db_session, kind):
    return db_session.scalars(select(Notification).where(Notification.kind == kind)).all()


def test_publication_deadline_counts_working_days_across_national_day(app, demo, db_session):
    # Decided Wed 30 Sep 2026; 1–7 Oct is the holiday, Sat 10 Oct a make-up working day: due Thu 15 Oct.
    # Counting Mon–Fri only would put the deadline on 9 Oct and remind during the holiday.
    doc = decision(db_session, local(2026, 9, 30))
    assert run(app, db_session, local(2026, 10, 7))["publication"] == 0
    assert run(app, db_session, local(2026, 10, 12))["publication"] == 0  # 3 working days left
    assert run(app, db_session, local(2026, 10, 13))["publication"] == 1  # 14th and 15th left
    assert run(app, db_session, local(2026, 10, 13, 15))["publication"] == 0
    assert run(app, db_session, local(2026, 10, 14))["publication"] == 0
    [note] = notes(db_session, "publication-due")
    assert "2026年10月15日" in note.body and doc.number_text in note.body
    assert note.officer_id == doc.officer_id and note.url == f"/#/document?id={doc.id}"


def test_running_the_engine_twice_adds_nothing(app, demo, db_session):
    decision(db_session, local(2026, 9, 30))
    followup(db_session, due=date(2026, 10, 8), remind_on=date(2026, 9, 30))
    first = run(app, db_session, local(2026, 10, 13))
    total = db_session.scalar(select(func.count()).select_from(Notification))
    second = run(app, db_session, local(2026, 10, 13, 10, 1))
    assert sum(first.values()) == total > 0
    assert sum(second.values()) == 0
    assert db_session.scalar(select(func.count()).select_from(Notification)) == total
    keys = db_session.scalars(select(Notification.dedupe_key)).all()
    assert len(keys) == len(set(keys))


def test_followup_reminded_before_the_holiday_then_overdue_once(app, demo, db_session):
    # Deadline Thu 8 Oct, the first working day after the holiday; the letter's remind date is Wed 30 Sep.
    row = followup(db_session, due=date(2026, 10, 8), remind_on=date(2026, 9, 30))
    assert run(app, db_session, local(2026, 9, 29))["followups"] == 0
    assert run(app, db_session, local(2026, 9, 30))["followups"] == 1
    assert run(app, db_session, local(2026, 10, 7))["followups"] == 0  # already reminded for this deadline
    assert run(app, db_session, local(2026, 10, 9))["followups"] == 1
    assert run(app, db_session, local(2026, 10, 10))["followups"] == 0
    due, = notes(db_session, "followup-due")
    overdue, = notes(db_session, "followup-overdue")
    assert "2026年10月8日" in due.body and overdue.entity_id == row.id
    assert due.url == f"/#/document?id={row.document_id}"  # opens the commitment letter itself
    row.status = "corrected"
    db_session.commit()
    assert run(app, db_session, local(2026, 10, 20))["followups"] == 0


def test_leader_reminded_at_mid_shift_when_quota_not_met(app, demo, db_session):
    leader = factories.officer(db_session, "leader_dd01")
    shift = db_session.scalars(select(DutyShift).where(DutyShift.leader_id == leader.id)
                               .order_by(DutyShift.starts_at)).all()[1]
    early = shift.starts_at + timedelta(hours=2)
    assert run(app, db_session, early)["patrol_quota"] == 0  # before half-time
    point = db_session.scalar(select(PatrolPoint).where(PatrolPoint.unit_id == shift.unit_id))
    for i in range(2):  # DD01 requires 2 per shift
        db_session.add(PatrolCheckin(id=f"c{i}-{uuid.uuid4()}", unit_id=shift.unit_id, point_id=point.id,
                                     officer_id=leader.id, shift_id=shift.id, as_leader=True, at=early,
                                     lat=point.lat, lon=point.lon, accuracy_m=5, distance_m=0))
        db_session.commit()
        made = run(app, db_session, shift.starts_at + timedelta(hours=7 + i))["patrol_quota"]
        assert made == (1 if i == 0 else 0)
    [note] = notes(db_session, "patrol-quota")
    assert note.officer_id == leader.id and "已签到 1 次，要求 2 次" in note.body


def test_certificate_expiring_in_30_days_reminds_its_holder_once(app, demo, db_session):
    now = datetime.now(timezone.utc)
    made = run(app, db_session, now)["certificates"]
    run(app, db_session, now + timedelta(hours=1))
    expiring = notes(db_session, "certificate-expiring")
    assert made >= 1 and [n.officer_id for n in expiring] == [factories.officer(db_session, "zhoujie").id]


def test_a_broken_rule_does_not_stop_the_others(app, demo, db_session):
    def broken(session, ctx):
        raise RuntimeError("boom")
        yield  # pragma: no cover

    counts = reminders.run(UnitOfWork(db_session), app.config, datetime.now(timezone.utc),
                           rules=[broken, reminders.certificates])
    assert counts["broken"] == 0 and counts["certificates"] >= 1


def test_legal_reviewers_get_one_digest_a_day_for_conflicts_and_cases_awaiting_review(app, demo, db_session):
    from server.adapters.models import SyncConflict

    insp = factories.inspection(db_session, "DD01", "zhangwei")
    db_session.add(SyncConflict(unit_id=insp.unit_id, kind="field", entity_type="inspection", entity_id=insp.id,
                                field="facts", base="a", server_value="b", device_value="c"))
    case = Case(id=str(uuid.uuid4()), unit_id=insp.unit_id, inspection_id=insp.id, procedure="ordinary",
                status="review_pending")
    db_session.add(case)
    db_session.flush()
    db_session.add(CaseReview(case_id=case.id, unit_id=insp.unit_id, submitted_by=insp.officer_id,
                              submitted_at=local(2026, 11, 23, 16), note="", status="pending", opinion="", checks={}))
    db_session.commit()
    assert run(app, db_session, local(2026, 11, 24, 9))["reviews"] == 1
    assert run(app, db_session, local(2026, 11, 24, 15))["reviews"] == 0
    assert run(app, db_session, local(2026, 11, 25, 9))["reviews"] == 1
    first = notes(db_session, "reviews-waiting")[0]
    assert first.officer_id == factories.officer(db_session, "reviewer").id
    assert "1 条同步冲突" in first.body and "1 起普通程序案件待法制审核" in first.body


def test_phone_holding_unsynced_data_beyond_the_limit_is_reminded_once_a_day(app, demo, db_session):
    from server.adapters.models import ClientState, Device, ParkedMutation

    zhang = factories.officer(db_session, "zhangwei")
    parked_at = local(2026, 11, 24, 9)
    db_session.add(Device(id="dev-unsynced", officer_id=zhang.id, name="phone"))
    db_session.flush()
    db_session.add(ClientState(client_id="c-unsynced", device_id="dev-unsynced", officer_id=zhang.id, last_seq=3))
    db_session.flush()
    db_session.add(ParkedMutation(mutation_id=str(uuid.uuid4()), client_id="c-unsynced", seq=3, name="evidence.attach",
                                  args={}, waiting_for=[{"type": "blob", "sha256": "ab" * 32}],
                                  wait_key="blob:" + "ab" * 32, created_at=parked_at))
    db_session.commit()
    limit = timedelta(hours=app.config["UNSYNCED_ALERT_HOURS"])
    assert run(app, db_session, parked_at + limit - timedelta(minutes=1))["unsynced"] == 0
    assert run(app, db_session, parked_at + limit + timedelta(minutes=1))["unsynced"] == 1
    assert run(app, db_session, parked_at + limit + timedelta(minutes=30))["unsynced"] == 0
    [note] = notes(db_session, "unsynced")
    assert note.officer_id == zhang.id and note.url == "/#/outbox"


def training_hours(session, username, year, *hours_by_kind):
    officer = factories.officer(session, username)
    for kind, hours in hours_by_kind:
        session.add(TrainingRecord(officer_id=officer.id, year=year, kind=kind, hours=hours))
    session.commit()
    return officer


def notes_for(db_session, kind, officer):
    return [n for n in notes(db_session, kind) if n.officer_id == officer.id]


def test_officer_behind_the_training_plan_is_reminded_once_a_month(app, demo, db_session):
    factories.unit(db_session, "DD01").training_hours_required = 120
    db_session.commit()
    # 1 Jul 2026 is day 182 of 365: by plan ~60 of the 120 hours, reminded below 80 % of that (47.9 h).
    # Last year's hours do not count toward this year's plan.
    zhang = training_hours(db_session, "zhangwei", 2026, ("legal", 25), ("professional", 15))
    training_hours(db_session, "zhangwei", 2025, ("legal", 90))
    assert run(app, db_session, local(2026, 7, 1))["training"] >= 1
    [note] = notes_for(db_session, "training-behind", zhang)
    assert note.unit_id == zhang.unit_id and note.title == "培训学时落后于计划"
    assert note.body == "2026年已登记培训 40 学时，按计划此时应达到约 60 学时（全年不少于 120 学时）。"
    assert note.dedupe_key == f"training-behind:{zhang.id}:2026-07" and note.url == "/#/account"
    assert run(app, db_session, local(2026, 7, 1, 15))["training"] == 0
    assert run(app, db_session, local(2026, 7, 20))["training"] == 0  # once a month, not every tick
    assert len(notes_for(db_session, "training-behind", zhang)) == 1
    assert run(app, db_session, local(2026, 8, 3))["training"] >= 1  # still behind next month: reminded again
    august = [n for n in notes_for(db_session, "training-behind", zhang) if n.dedupe_key.endswith(":2026-08")]
    assert len(august) == 1 and "已登记培训 40 学时" in august[0].body


def test_officer_on_the_training_plan_is_not_reminded(app, demo, db_session):
    factories.unit(db_session, "DD01").training_hours_required = 120
    db_session.commit()
    lina = training_hours(db_session, "lina", 2026, ("legal", 30), ("professional", 20))  # 50 h ≥ 47.9 h
    zhang = training_hours(db_session, "zhangwei", 2026, ("legal", 40))  # 40 h: behind, the rule does run
    run(app, db_session, local(2026, 7, 1))
    assert notes_for(db_session, "training-behind", lina) == []
    assert len(notes_for(db_session, "training-behind", zhang)) == 1


def set_review_due(session, username, due: date) -> EnforcementCertificate:
    officer = factories.officer(session, username)
    cert = session.scalar(select(EnforcementCertificate).where(EnforcementCertificate.officer_id == officer.id))
    cert.annual_review_due = due
    session.commit()
    return cert


def review_notes(db_session, cert):
    return [n for n in notes(db_session, "certificate-review") if n.entity_id == str(cert.id)]


def test_annual_review_due_within_30_days_reminds_the_holder_once(app, demo, db_session):
    cert = set_review_due(db_session, "zhangwei", date(2026, 12, 10))
    run(app, db_session, local(2026, 11, 9, 23, 59))  # 31 days ahead: not yet
    assert review_notes(db_session, cert) == []
    run(app, db_session, local(2026, 11, 10, 0, 5))  # Shanghai's 10 Nov (still 9 Nov in UTC): 30 days ahead
    [note] = review_notes(db_session, cert)
    assert note.officer_id == cert.officer_id and note.unit_id == factories.unit(db_session, "DD01").id
    assert note.title == "执法证年审即将到期"
    assert note.body == "您的执法证（15010101）年审日期为 2026年12月10日，请按时参加年审。"
    assert note.dedupe_key == f"cert-review:{cert.id}:2026-12-10" and note.url == "/#/account"
    assert run(app, db_session, local(2026, 11, 10, 16))["certificates"] == 0
    run(app, db_session, local(2026, 11, 25))
    assert len(review_notes(db_session, cert)) == 1
    # Reviewed: the next due date is a new event and is reminded in its own time.
    set_review_due(db_session, "zhangwei", date(2027, 12, 10))
    run(app, db_session, local(2027, 11, 20))
    assert sorted(n.dedupe_key for n in review_notes(db_session, cert)) == [
        f"cert-review:{cert.id}:2026-12-10", f"cert-review:{cert.id}:2027-12-10"]


def test_annual_review_far_away_gives_no_reminder(app, demo, db_session):
    cert = set_review_due(db_session, "zhangwei", date(2027, 3, 1))
    run(app, db_session, local(2026, 11, 20))
    assert review_notes(db_session, cert) == []


def test_annual_review_already_passed_is_reminded_as_overdue(app, demo, db_session):
    cert = set_review_due(db_session, "zhangwei", date(2026, 11, 15))
    run(app, db_session, local(2026, 11, 20))
    [note] = review_notes(db_session, cert)
    assert note.title == "执法证逾期未年审"
    assert note.body == "您的执法证（15010101）年审日期为 2026年11月15日，已逾期，逾期期间不能签发文书。"


def test_overdue_review_is_reminded_even_after_the_due_soon_warning(app, demo, db_session):
    cert = set_review_due(db_session, "zhangwei", date(2026, 11, 15))
    run(app, db_session, local(2026, 11, 1))
    run(app, db_session, local(2026, 11, 16))
    assert [n.title for n in sorted(review_notes(db_session, cert), key=lambda n: n.id)] == [
        "执法证年审即将到期", "执法证逾期未年审"]
    run(app, db_session, local(2026, 11, 20))
    assert len(review_notes(db_session, cert)) == 2


def test_no_training_reminder_before_a_training_day_is_due(app, demo, db_session):
    factories.unit(db_session, "DD01").training_hours_required = 90
    db_session.commit()
    zhang = factories.officer(db_session, "zhangwei")  # no hours at all this year
    run(app, db_session, local(2026, 1, 20))  # by plan ~5 h: too early to call anyone behind
    assert notes_for(db_session, "training-behind", zhang) == []
    run(app, db_session, local(2026, 2, 10))  # ~10 h by plan, none done
    [note] = notes_for(db_session, "training-behind", zhang)
    assert "已登记培训 0 学时" in note.body and "约 10 学时" in note.body


def test_the_annual_statistics_report_is_reminded_once_in_january_to_the_detachment(app, demo, db_session):
    assert run(app, db_session, local(2027, 1, 9))["annual_report"] == 0  # too early
    assert run(app, db_session, local(2027, 1, 12))["annual_report"] >= 1
    assert run(app, db_session, local(2027, 1, 20))["annual_report"] == 0  # once per year and person
    got = {n.officer_id: n for n in notes(db_session, "annual-report")}
    admin, leader = factories.officer(db_session, "admin"), factories.officer(db_session, "leader")
    assert set(got) == {admin.id, leader.id}  # 支队 admin and leader; not the brigade's leader or officers
    assert got[admin.id].title == "2026年度执法统计报告" and "2027年1月31日前" in got[admin.id].body
    assert got[admin.id].url == "/#/statistics?year=2026"
    assert run(app, db_session, local(2027, 2, 12))["annual_report"] == 0
