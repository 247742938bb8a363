"""Reminder engine: scheduled rules that turn stored facts into notifications (提醒).

Each rule reads the database at a given ``now`` and yields ``Reminder``s; the engine stores each one unless
its dedupe key (the event's name) was already notified, so running the engine again — every worker tick,
or two workers at once — never repeats a reminder. Working-day deadlines use the documents feature's
editable calendar (``services/calendar``), so a holiday moves them exactly as it moves the documents.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.adapters.models import (
    CaseReview, ClientState, Document, DutyShift, EnforcementCertificate, FollowUp, Officer, ParkedMutation, SyncConflict,
    TrainingRecord, Unit,
)
from server.domain import legal_review as legal_review_rules
from server.domain import patrol as patrol_rules
from server.domain.documents import PUBLISHABLE_DOC_TYPES
from server.domain.timeutil import local_today
from server.domain.workdays import WorkCalendar
from server.services import calendar, patrol
from server.services.notifications import Reminder, notify, parse_quiet_hours
from server.services.uow import UnitOfWork

log = logging.getLogger("roadside.reminders")

CERT_WARN_DAYS = 30
PUBLICATION_WARN_WORKDAYS = 2
REVIEW_RESULT_DAYS = 7  # a review decided longer ago than this is old news: no reminder for it any more
TRAINING_BEHIND_RATIO = 0.8  # remind below 80 % of the hours the calendar says should be done by now
TRAINING_MIN_EXPECTED_HOURS = 8  # before one training day's worth is due (early in the year) nobody is behind


@dataclass(frozen=True)
class RuleContext:
    now: datetime
    today: date  # Asia/Shanghai
    calendar: WorkCalendar
    config: Mapping[str, Any]


Rule = Callable[[Session, RuleContext], Iterable[Reminder]]


def fmt(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def workdays_left(cal: WorkCalendar, today: date, due: date) -> int:
    """Working days after today up to and including ``due`` (0 when due is today or a holiday before it)."""
    n, day = 0, today
    while day < due:
        day += timedelta(days=1)
        n += cal.is_workday(day)
    return n


def patrol_quota(session: Session, ctx: RuleContext) -> Iterable[Reminder]:
    """领导带班巡查: by mid-shift the leader has fewer check-ins than the unit requires."""
    shifts = session.scalars(select(DutyShift).where(DutyShift.starts_at <= ctx.now, DutyShift.ends_at > ctx.now)).all()
    due = [s for s in shifts if patrol_rules.quota_due(s.starts_at, s.ends_at, ctx.now)]
    done = patrol.leader_checkins_by_shift(session, [s.id for s in due])
    for s in due:
        required = patrol.requirement_for(session, session.get(Unit, s.unit_id)).per_shift
        if done.get(s.id, 0) < required:
            yield Reminder(s.leader_id, s.unit_id, "patrol-quota", f"patrol-quota:{s.id}", "带班巡查签到不足",
                           f"{s.shift}已过半，本班次已签到 {done.get(s.id, 0)} 次，要求 {required} 次。请带队巡查并扫码签到。",
                           "/#/patrol", "duty_shift", str(s.id))


def followups(session: Session, ctx: RuleContext) -> Iterable[Reminder]:
    """告知承诺 / 责令改正 follow-ups: deadline tomorrow (or the documents' own remind date), then overdue."""
    names = {"commitment": "承诺改正", "correction": "责令改正"}
    rows = session.scalars(select(FollowUp).where(FollowUp.status == "open",
                                                  FollowUp.remind_on <= ctx.today + timedelta(days=1))).all()
    for f in rows:
        what = names.get(f.kind, "整改")
        url = f"/#/document?id={f.document_id}"  # the letter / notice itself: its page shows the deadline
        if f.due_date < ctx.today:
            yield Reminder(f.officer_id, f.unit_id, "followup-overdue", f"followup-overdue:{f.id}", f"{what}已逾期",
                           f"{what}期限 {fmt(f.due_date)} 已过，请核查是否改正；未改正的转入普通程序。", url, "followup", f.id)
        elif f.remind_on <= ctx.today or f.due_date <= ctx.today + timedelta(days=1):
            when = "今天" if f.due_date == ctx.today else ("明天" if f.due_date == ctx.today + timedelta(days=1)
                                                          else fmt(f.due_date))
            yield Reminder(f.officer_id, f.unit_id, "followup-due", f"followup-due:{f.id}", f"{what}期限{when}届满",
                           f"{what}期限 {fmt(f.due_date)} 届满，请按期回访核查。", url, "followup", f.id)


def publication(session: Session, ctx: RuleContext) -> Iterable[Reminder]:
    """行政处罚决定 must be published within 7 working days of the decision."""
    window_start = ctx.today - timedelta(days=40)  # 7 working days never span more than ~3 weeks, even at 春节
    docs = session.scalars(select(Document).where(Document.doc_type.in_(PUBLISHABLE_DOC_TYPES),
                                                  Document.status == "issued",
                                                  Document.published_at.is_(None),
                                                  Document.issued_at >= datetime.combine(window_start, datetime.min.time(),
                                                                                         ctx.now.tzinfo))).all()
    for d in docs:
        issued = local_today(d.issued_at)
        deadline = ctx.calendar.deadline("publication", issued)
        left = workdays_left(ctx.calendar, ctx.today, deadline.due)
        if ctx.today <= deadline.due and left <= PUBLICATION_WARN_WORKDAYS:
            yield Reminder(d.officer_id, d.unit_id, "publication-due", f"publication-due:{d.id}", "处罚决定公示期限将至",
                           f"{d.number_text} 应于 {fmt(deadline.due)} 前在政务网站公示（{deadline.label}）。",
                           f"/#/document?id={d.id}", "document", d.id)


def certificates(session: Session, ctx: RuleContext) -> Iterable[Reminder]:
    """执法证 expiring within 30 days, and 年审 due within 30 days or overdue."""
    horizon = ctx.today + timedelta(days=CERT_WARN_DAYS)
    rows = session.execute(select(EnforcementCertificate, Officer).join(Officer).where(
        EnforcementCertificate.status == "active", Officer.active.is_(True))).all()
    for cert, officer in rows:
        if ctx.today <= cert.valid_until <= horizon:
            yield Reminder(officer.id, officer.unit_id, "certificate-expiring",
                           f"cert-expiring:{cert.id}:{cert.valid_until.isoformat()}", "执法证即将到期",
                           f"您的执法证（{cert.number}）将于 {fmt(cert.valid_until)} 到期，到期后不能执法，请及时办理换证。",
                           "/#/account", "certificate", str(cert.id))
        if cert.annual_review_due and cert.annual_review_due <= horizon:
            late = cert.annual_review_due < ctx.today
            # Overdue is an event of its own: an officer warned beforehand must still learn that issuing is blocked.
            yield Reminder(officer.id, officer.unit_id, "certificate-review",
                           f"cert-review{'-overdue' if late else ''}:{cert.id}:{cert.annual_review_due.isoformat()}",
                           "执法证逾期未年审" if late else "执法证年审即将到期",
                           f"您的执法证（{cert.number}）年审日期为 {fmt(cert.annual_review_due)}"
                           + ("，已逾期，逾期期间不能签发文书。" if late else "，请按时参加年审。"),
                           "/#/account", "certificate", str(cert.id))


def training(session: Session, ctx: RuleContext) -> Iterable[Reminder]:
    """Training hours behind the year's plan (000: ≥90 h incl. ≥45 h legal; per unit), at most monthly."""
    year = ctx.today.year
    elapsed = (ctx.today.timetuple().tm_yday) / (366 if year % 4 == 0 else 365)
    done = dict(session.execute(select(TrainingRecord.officer_id, func.sum(TrainingRecord.hours))
                                .where(TrainingRecord.year == year).group_by(TrainingRecord.officer_id)).all())
    rows = session.execute(select(Officer, Unit).join(Unit, Officer.unit_id == Unit.id).join(
        EnforcementCertificate, EnforcementCertificate.officer_id == Officer.id).where(Officer.active.is_(True))).all()
    for officer, unit in rows:
        expected = unit.training_hours_required * elapsed
        hours = float(done.get(officer.id) or 0)
        if expected >= TRAINING_MIN_EXPECTED_HOURS and hours < expected * TRAINING_BEHIND_RATIO:
            yield Reminder(officer.id, officer.unit_id, "training-behind",
                           f"training-behind:{officer.id}:{year}-{ctx.today.month:02d}", "培训学时落后于计划",
                           f"{year}年已登记培训 {hours:g} 学时，按计划此时应达到约 {expected:.0f} 学时"
                           f"（全年不少于 {unit.training_hours_required} 学时）。", "/#/account", "officer", str(officer.id))


def unsynced(session: Session, ctx: RuleContext) -> Iterable[Reminder]:
    """A phone's pushed mutation still waits for data only the phone holds (e.g. a photo) after N hours."""
    cutoff = ctx.now - timedelta(hours=ctx.config["UNSYNCED_ALERT_HOURS"])
    rows = session.execute(select(ClientState.client_id, ClientState.officer_id, Officer.unit_id,
                                  func.count(ParkedMutation.mutation_id), func.min(ParkedMutation.created_at))
                           .join(ClientState, ClientState.client_id == ParkedMutation.client_id)
                           .join(Officer, Officer.id == ClientState.officer_id)
                           .where(ParkedMutation.created_at < cutoff)
                           .group_by(ClientState.client_id, ClientState.officer_id, Officer.unit_id)).all()
    for client_id, officer_id, unit_id, count, oldest in rows:
        hours = int((ctx.now - oldest).total_seconds() // 3600)
        yield Reminder(officer_id, unit_id, "unsynced", f"unsynced:{client_id}:{ctx.today.isoformat()}",
                       "手机上有未同步的数据",
                       f"有 {count} 条记录等待手机上传照片等数据已超过 {hours} 小时，请连接网络并打开执法终端完成同步。",
                       "/#/outbox", "sync_client", client_id)


def reviews(session: Session, ctx: RuleContext) -> Iterable[Reminder]:
    """Work waiting for legal reviewers, one digest a day: open sync conflicts / contested exemptions, and cases
    submitted for 法制审核 (``case_reviews`` pending)."""
    conflict_paths = session.scalars(select(Unit.path).join(SyncConflict, SyncConflict.unit_id == Unit.id)
                                     .where(SyncConflict.resolved_at.is_(None))).all()
    case_paths = session.scalars(select(Unit.path).join(CaseReview, CaseReview.unit_id == Unit.id)
                                 .where(CaseReview.status == "pending")).all()
    if not conflict_paths and not case_paths:
        return
    reviewers = session.execute(select(Officer, Unit.path).join(Unit, Unit.id == Officer.unit_id)
                                .where(Officer.active.is_(True))).all()
    for officer, path in reviewers:
        if "legal_reviewer" not in (officer.roles or []):
            continue
        conflicts_n = sum(1 for p in conflict_paths if p.startswith(path))
        cases_n = sum(1 for p in case_paths if p.startswith(path))
        if not (conflicts_n or cases_n):
            continue
        parts = ([f"{conflicts_n} 条同步冲突或有争议的免罚认定"] if conflicts_n else []) + \
                ([f"{cases_n} 起普通程序案件待法制审核"] if cases_n else [])
        yield Reminder(officer.id, officer.unit_id, "reviews-waiting",
                       f"reviews-waiting:{officer.id}:{ctx.today.isoformat()}", "有待法制审核处理的事项",
                       "本单位及下级单位有" + "、".join(parts) + "。", "/#/inbox", None, None)


def review_results(session: Session, ctx: RuleContext) -> Iterable[Reminder]:
    """The officer who submitted a case hears the review's result: a return names what to fix."""
    rows = session.execute(select(CaseReview, Officer.unit_id).join(Officer, Officer.id == CaseReview.submitted_by)
                           .where(CaseReview.status.in_(("approved", "returned")),
                                  CaseReview.decided_at >= ctx.now - timedelta(days=REVIEW_RESULT_DAYS))).all()
    for review, unit_id in rows:
        problems = [label for key, label in legal_review_rules.REVIEW_ITEMS if (review.checks or {}).get(key) == "problem"]
        if review.status == "approved":
            title, body = "法制审核已通过", f"案件 {review.case_id} 已通过法制审核，可以依法作出决定。审核意见：{review.opinion}"
        else:
            title = "法制审核退回补充"
            body = (f"案件 {review.case_id} 被退回，存在问题：{'、'.join(problems)}。审核意见：{review.opinion}"
                    "。请补充修改后重新报送。")
        yield Reminder(review.submitted_by, unit_id, "review-decided", f"review-decided:{review.id}", title, body,
                       "/#/reviews?status=all", "case_review", str(review.id))


ANNUAL_REPORT_FROM_DAY = 10  # of January: three weeks before the 31 January deadline (seed 002)


def annual_report(session: Session, ctx: RuleContext) -> Iterable[Reminder]:
    """The previous year's statistics report is due by 31 January: admins and leaders of top-level units are
    reminded once, in January, with the figures one tap away."""
    if ctx.today.month != 1 or ctx.today.day < ANNUAL_REPORT_FROM_DAY:
        return
    year = ctx.today.year - 1
    rows = session.execute(select(Officer).join(Unit, Unit.id == Officer.unit_id)
                           .where(Officer.active.is_(True), Unit.parent_id.is_(None))).scalars().all()
    for officer in rows:
        if not {"admin", "leader"} & set(officer.roles or []):
            continue
        yield Reminder(officer.id, officer.unit_id, "annual-report", f"annual-report:{officer.id}:{year}",
                       f"{year}年度执法统计报告", f"{year}年度执法统计报告应于{ctx.today.year}年1月31日前报送，"
                       "统计表可在执法终端“执法统计”中查看和下载。", f"/#/statistics?year={year}", None, None)


RULES: list[Rule] = [patrol_quota, followups, publication, certificates, training, unsynced, reviews,
                     review_results, annual_report]


def run(uow: UnitOfWork, cfg: Mapping[str, Any], now: datetime, rules: list[Rule] | None = None) -> dict[str, int]:
    """Evaluate every rule once at ``now``; returns how many new notifications each produced."""
    cal = calendar.load(uow)
    ctx = RuleContext(now=now, today=local_today(now), calendar=cal, config=cfg)
    quiet = parse_quiet_hours(cfg["QUIET_HOURS"])
    counts: dict[str, int] = {}
    with uow:
        for rule in rules or RULES:
            made = 0
            try:
                with uow.session.begin_nested():  # one broken rule must not silence the others
                    for reminder in rule(uow.session, ctx):
                        made += notify(uow.session, reminder, now, quiet) is not None
            except Exception:
                log.exception("reminder rule %s failed", rule.__name__)
                made = 0
            counts[rule.__name__] = made
        uow.commit()
    return counts
