"""领导带班巡查 use cases: patrol points and their signed QR, frequency, check-ins, patrol log, compliance.

``apply_checkin`` is shared by the sync mutation (inside the push executor's transaction, no commit)
and the online REST endpoint (which commits). The roster lives in ``services/roster.py``.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Mapping

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from server.adapters import signing
from server.adapters.models import Blob, DutyShift, Officer, PatrolCheckin, PatrolPoint, PatrolRequirement, Unit
from server.domain import gps as gps_rules
from server.domain import patrol as rules
from server.domain.actor import Actor
from server.domain.errors import ConflictError, DomainError, NotFound
from server.domain.timeutil import SHANGHAI
from server.services import gps as gps_service
from server.services.scope import get_unit_in_scope, visible_unit_ids
from server.services.uow import UnitOfWork

QR_KIND = "patrol_point"


class PhotoMissing(DomainError):
    status = 409
    code = "checkin-photo-missing"
    message = "签到照片尚未上传，请先上传照片再签到"
DEFAULT_PER_SHIFT = 1


def ancestor_ids(unit_path: str) -> list[int]:
    return [int(part) for part in unit_path.strip("/").split("/") if part]


def _point_visible(session, actor: Actor, point: PatrolPoint) -> bool:
    """Officers check in at their own unit's points and at those of the units above them."""
    unit = session.get(Unit, point.unit_id)
    return unit is not None and (actor.sees_unit_path(unit.path) or point.unit_id in ancestor_ids(actor.unit_path))


def _point_data(point: PatrolPoint) -> dict[str, Any]:
    return {"id": point.id, "unit_id": point.unit_id, "name": point.name, "lat": point.lat, "lon": point.lon,
            "radius_m": point.radius_m, "active": point.active, "version": point.version}


def point_qr(uow: UnitOfWork, point: PatrolPoint) -> str:
    """Signed payload for the poster. Coordinates stay out so moving a point keeps old posters valid."""
    key = signing.load_or_create_ed25519(uow.session)
    return signing.sign_payload(key, {"k": QR_KIND, "id": point.id, "u": point.unit_id, "n": point.name})


def signed_point(uow: UnitOfWork, actor: Actor, point_id: int) -> tuple[PatrolPoint, str, str]:
    """(point, signed QR, unit name) for the QR endpoint and the poster. Commits: the first signature may have
    created the signing key, and a token signed with a key that was rolled back would never verify."""
    with uow:
        point = _visible_point(uow.session, actor, point_id)
        token = point_qr(uow, point)
        unit_name = uow.session.get(Unit, point.unit_id).name
        uow.commit()
        return point, token, unit_name


def list_points(uow: UnitOfWork, actor: Actor, unit_id: int | None = None) -> list[PatrolPoint]:
    with uow:
        stmt = select(PatrolPoint).where(
            PatrolPoint.unit_id.in_(visible_unit_ids(actor)) | PatrolPoint.unit_id.in_(ancestor_ids(actor.unit_path)))
        if unit_id is not None:
            stmt = stmt.where(PatrolPoint.unit_id == unit_id)
        return uow.session.scalars(stmt.order_by(PatrolPoint.unit_id, PatrolPoint.id)).all()


def _visible_point(session, actor: Actor, point_id: int) -> PatrolPoint:
    point = session.get(PatrolPoint, point_id)
    if point is None or not _point_visible(session, actor, point):
        raise NotFound(message="巡查点不存在或不在您的管辖范围内")
    return point


def get_point(uow: UnitOfWork, actor: Actor, point_id: int) -> PatrolPoint:
    with uow:
        return _visible_point(uow.session, actor, point_id)


def create_point(uow: UnitOfWork, actor: Actor, data: dict[str, Any]) -> PatrolPoint:
    actor.require("admin", "leader")
    with uow:
        get_unit_in_scope(uow.session, data["unit_id"], actor)
        point = PatrolPoint(**data)
        uow.session.add(point)
        uow.session.flush()
        uow.record(actor, "patrol_point.create", "patrol_point", point.id, _point_data(point), unit_id=point.unit_id)
        uow.commit()
        return point


def update_point(uow: UnitOfWork, actor: Actor, point_id: int, data: dict[str, Any]) -> PatrolPoint:
    actor.require("admin", "leader")
    with uow:
        point = uow.session.get(PatrolPoint, point_id)
        if point is None or point.unit_id not in uow.session.scalars(visible_unit_ids(actor)).all():
            raise NotFound(message="巡查点不存在或不在您的管辖范围内")
        for key, value in data.items():
            setattr(point, key, value)
        point.version += 1
        uow.record(actor, "patrol_point.update", "patrol_point", point.id, _point_data(point),
                   unit_id=point.unit_id, version=point.version)
        uow.commit()
        return point


def requirement_for(session, unit: Unit) -> PatrolRequirement:
    """The unit's own frequency, else the nearest ancestor's, else one leader check-in per shift."""
    ids = ancestor_ids(unit.path) or [unit.id]
    found = {r.unit_id: r for r in session.scalars(select(PatrolRequirement).where(PatrolRequirement.unit_id.in_(ids)))}
    for uid in reversed(ids):
        if uid in found:
            return found[uid]
    return PatrolRequirement(unit_id=unit.id, per_shift=DEFAULT_PER_SHIFT, per_week=0)


def get_requirement(uow: UnitOfWork, actor: Actor, unit_id: int) -> PatrolRequirement:
    with uow:
        return requirement_for(uow.session, get_unit_in_scope(uow.session, unit_id, actor))


def set_requirement(uow: UnitOfWork, actor: Actor, unit_id: int, data: dict[str, int]) -> PatrolRequirement:
    actor.require("admin", "leader")
    with uow:
        get_unit_in_scope(uow.session, unit_id, actor)
        req = uow.session.get(PatrolRequirement, unit_id) or PatrolRequirement(unit_id=unit_id)
        req.per_shift, req.per_week = data["per_shift"], data["per_week"]
        uow.session.add(req)
        uow.record(actor, "patrol_requirement.set", "patrol_requirement", unit_id, dict(data), unit_id=unit_id)
        uow.commit()
        return req


def _shift_at(session, officer_id: int, at: datetime) -> tuple[DutyShift | None, bool]:
    """The shift covering ``at`` the officer works in; a shift they lead wins (it counts for the quota)."""
    candidates = session.scalars(select(DutyShift).where(DutyShift.starts_at <= at, DutyShift.ends_at > at)).all()
    led = [s for s in candidates if s.leader_id == officer_id]
    if led:
        return led[0], True
    member = [s for s in candidates if officer_id in (s.officer_ids or [])]
    return (member[0], False) if member else (None, False)


def apply_checkin(uow: UnitOfWork, actor: Actor, cfg: Mapping[str, Any], args: Mapping[str, Any],
                  now: datetime) -> tuple[PatrolCheckin, bool]:
    """Verify and store one check-in without committing. Returns (check-in, created); a replay returns the
    stored one with created=False so it is counted once."""
    actor.require("officer", "leader")
    session = uow.session
    existing = session.get(PatrolCheckin, args["id"])
    if existing is not None:
        if existing.officer_id != actor.officer_id:
            raise ConflictError("checkin-id-taken", "签到编号已被其他人员使用")
        return existing, False
    key = signing.load_or_create_ed25519(session)
    payload = signing.verify_payload(signing.public_key_b64(key), args["point_qr"])
    if payload is None or payload.get("k") != QR_KIND or not isinstance(payload.get("id"), int):
        raise rules.CheckinRefused("point-qr-invalid", "巡查点二维码无效或签名校验失败，请扫描张贴的正式二维码")
    point = session.get(PatrolPoint, payload["id"])
    if point is None or not point.active or not _point_visible(session, actor, point):
        raise rules.CheckinRefused("point-unknown", "巡查点不存在、已停用或不属于您的单位", status=404)
    photo = args.get("photo_sha256")
    if photo and session.get(Blob, photo) is None:
        # Offline the photo uploads after the mutation: the sync handler parks on this, REST refuses it.
        raise PhotoMissing(details={"missing": [{"type": "blob", "sha256": photo}]})
    at = args["at"]
    shift, as_leader = _shift_at(session, actor.officer_id, at)
    fix = rules.parse_fix(args["gps"])
    verdict = rules.judge_checkin(
        rules.PointSpec(point.name, point.lat, point.lon, point.radius_m), fix, at=at, now=now,
        on_shift=shift is not None, warn_accuracy_m=cfg["GPS_WARN_ACCURACY_M"], max_accuracy_m=cfg["GPS_MAX_ACCURACY_M"])
    unit_id = shift.unit_id if shift else actor.unit_id
    # The shared GPS record (evidence feature): speed jumps from this device's previous fix, stale or future
    # fixes, outside the unit's area. Jumps and impossible clocks cannot prove presence.
    fix_row = gps_service.record_fix(session, actor, args["gps"], entity_type="patrol_checkin", entity_id=args["id"],
                                     unit_id=unit_id, config=cfg, received_at=now, recorded_at=at)
    if not gps_rules.usable_as_proof(fix_row.flags):
        labels = "；".join(gps_rules.FLAG_LABELS.get(f, f) for f in fix_row.flags)
        raise rules.CheckinRefused("checkin-gps-implausible", f"定位不能作为到岗证明：{labels}",
                                   {"gps_flags": list(fix_row.flags)})
    for flag in fix_row.flags:
        if flag not in verdict.flags:
            verdict.flags.append(flag)
            verdict.reasons.append(gps_rules.FLAG_LABELS.get(flag, flag))
    checkin = PatrolCheckin(
        id=args["id"], unit_id=unit_id, point_id=point.id,
        officer_id=actor.officer_id, device_id=actor.device_id, shift_id=shift.id if shift else None,
        as_leader=as_leader, at=at, received_at=now, lat=fix.lat, lon=fix.lon, accuracy_m=fix.accuracy_m,
        gps_source=fix.source, distance_m=round(verdict.distance_m, 1), photo_sha256=args.get("photo_sha256"),
        status=verdict.status, flags=verdict.flags, reason="；".join(verdict.reasons) or None)
    try:
        with session.begin_nested():  # two replays racing: the loser reads the winner's row
            session.add(checkin)
            session.flush()
    except IntegrityError:
        winner = session.get(PatrolCheckin, args["id"], populate_existing=True)
        if winner is None:
            raise
        return winner, False
    uow.record(actor, "patrol.checkin", "patrol_checkin", checkin.id, checkin_data(checkin), unit_id=checkin.unit_id)
    return checkin, True


def checkin_online(uow: UnitOfWork, actor: Actor, cfg: Mapping[str, Any], args: Mapping[str, Any],
                   now: datetime) -> tuple[PatrolCheckin, bool]:
    with uow:
        checkin, created = apply_checkin(uow, actor, cfg, args, now)
        uow.commit()
        return checkin, created


def checkin_data(c: PatrolCheckin) -> dict[str, Any]:
    return {"id": c.id, "unit_id": c.unit_id, "point_id": c.point_id, "point_name": c.point.name, "officer_id": c.officer_id,
            "shift_id": c.shift_id, "as_leader": c.as_leader, "at": c.at.isoformat(), "lat": c.lat, "lon": c.lon,
            "accuracy_m": c.accuracy_m, "distance_m": c.distance_m, "photo_sha256": c.photo_sha256,
            "status": c.status, "flags": list(c.flags or []), "reason": c.reason}


def patrol_log(uow: UnitOfWork, actor: Actor, *, unit_id: int | None = None, officer_id: int | None = None,
               since: datetime | None = None, until: datetime | None = None, limit: int = 200) -> list[PatrolCheckin]:
    with uow:
        stmt = select(PatrolCheckin).where(PatrolCheckin.unit_id.in_(visible_unit_ids(actor)))
        if not actor.has("admin", "leader", "legal_reviewer"):
            stmt = stmt.where(PatrolCheckin.officer_id == actor.officer_id)  # officers see their own log
        if unit_id is not None:
            stmt = stmt.where(PatrolCheckin.unit_id == unit_id)
        if officer_id is not None:
            stmt = stmt.where(PatrolCheckin.officer_id == officer_id)
        if since is not None:
            stmt = stmt.where(PatrolCheckin.at >= since)
        if until is not None:
            stmt = stmt.where(PatrolCheckin.at < until)
        return uow.session.scalars(stmt.order_by(PatrolCheckin.at.desc()).limit(limit)).all()


@dataclass(frozen=True)
class ComplianceRow:
    leader_id: int
    leader_name: str
    unit_id: int
    unit_name: str
    week_start: date
    per_shift: int
    per_week: int
    shifts: int
    required: int
    done: int
    shifts_met: int
    met: bool


def leader_checkins_by_shift(session, shift_ids: list[int]) -> dict[int, int]:
    """Check-ins that count: made by the shift's leader during the shift (as_leader is set only then)."""
    if not shift_ids:
        return {}
    rows = session.execute(select(PatrolCheckin.shift_id, func.count()).where(
        PatrolCheckin.shift_id.in_(shift_ids), PatrolCheckin.as_leader.is_(True)).group_by(PatrolCheckin.shift_id))
    return {shift_id: n for shift_id, n in rows}


def compliance(uow: UnitOfWork, actor: Actor, week_start: date, unit_id: int | None = None) -> list[ComplianceRow]:
    """Required vs done per leader for the ISO week starting ``week_start`` (a Monday), over the actor's units."""
    actor.require("admin", "leader", "legal_reviewer")
    week_start = week_start - timedelta(days=week_start.weekday())
    with uow:
        session = uow.session
        stmt = select(DutyShift).where(DutyShift.unit_id.in_(visible_unit_ids(actor)),
                                       DutyShift.duty_date >= week_start,
                                       DutyShift.duty_date < week_start + timedelta(days=7))
        if unit_id is not None:
            get_unit_in_scope(session, unit_id, actor)
            stmt = stmt.where(DutyShift.unit_id == unit_id)
        shifts = session.scalars(stmt).all()
        done = leader_checkins_by_shift(session, [s.id for s in shifts])
        groups: dict[tuple[int, int], list[rules.ShiftTally]] = defaultdict(list)
        for s in shifts:
            groups[(s.leader_id, s.unit_id)].append(rules.ShiftTally(s.id, done.get(s.id, 0)))
        rows = []
        for (leader_id, uid), tallies in sorted(groups.items()):
            unit, leader = session.get(Unit, uid), session.get(Officer, leader_id)
            req = requirement_for(session, unit)
            wc = rules.week_compliance(tallies, req.per_shift, req.per_week)
            rows.append(ComplianceRow(leader_id, leader.full_name, uid, unit.name, week_start, req.per_shift,
                                      req.per_week, wc.shifts, wc.required, wc.done, wc.shifts_met, wc.met))
        return rows


def local_week_start(now: datetime) -> date:
    today = now.astimezone(SHANGHAI).date()
    return today - timedelta(days=today.weekday())
