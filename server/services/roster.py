"""值班表: who leads which shift (带班领导) and who is on it, per unit; edited by admin/leader or imported as CSV.

Times are entered as local (Asia/Shanghai) wall-clock ``HH:MM`` and stored as UTC instants; a shift whose
end is not after its start runs past midnight (夜班 20:00–08:00).
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.adapters.models import DutyShift, Officer, PatrolCheckin, Unit
from server.domain.actor import Actor
from server.domain.errors import ConflictError, DomainError, NotFound
from server.domain.timeutil import SHANGHAI
from server.services.scope import get_unit_in_scope, visible_unit_ids
from server.services.uow import UnitOfWork

CSV_COLUMNS = ["date", "shift", "start", "end", "leader", "officers"]
MAX_IMPORT_ROWS = 2000


class RosterInvalid(DomainError):
    status = 422
    code = "roster-invalid"
    message = "值班表数据有误"


def shift_window(duty_date: date, start: time, end: time) -> tuple[datetime, datetime]:
    starts = datetime.combine(duty_date, start, SHANGHAI)
    ends = datetime.combine(duty_date, end, SHANGHAI)
    if ends <= starts:
        ends += timedelta(days=1)
    return starts.astimezone(timezone.utc), ends.astimezone(timezone.utc)


def shift_data(s: DutyShift) -> dict[str, Any]:
    return {"id": s.id, "unit_id": s.unit_id, "duty_date": s.duty_date.isoformat(), "shift": s.shift,
            "starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(), "leader_id": s.leader_id,
            "officer_ids": list(s.officer_ids or []), "note": s.note, "version": s.version}


def _check_people(session, unit: Unit, leader_id: int, officer_ids: list[int]) -> None:
    """The leader must hold the leader role; everyone must belong to the unit or one below it."""
    ids = {leader_id, *officer_ids}
    people = {o.id: o for o in session.scalars(select(Officer).where(Officer.id.in_(ids)))}
    units = {u.id: u.path for u in session.scalars(select(Unit).where(Unit.id.in_({o.unit_id for o in people.values()})))}
    outside = sorted(i for i in ids if i not in people or not units[people[i].unit_id].startswith(unit.path))
    if outside:
        raise RosterInvalid("roster-officer-outside-unit", "值班人员不存在或不属于该单位", {"officer_ids": outside})
    if "leader" not in (people[leader_id].roles or []):
        raise RosterInvalid("roster-leader-role", f"{people[leader_id].full_name} 不是带班领导，不能排为带班",
                            {"leader_id": leader_id})


def list_shifts(uow: UnitOfWork, actor: Actor, start: date, end: date, unit_id: int | None = None) -> list[DutyShift]:
    with uow:
        stmt = select(DutyShift).where(DutyShift.unit_id.in_(visible_unit_ids(actor)),
                                       DutyShift.duty_date >= start, DutyShift.duty_date <= end)
        if unit_id is not None:
            stmt = stmt.where(DutyShift.unit_id == unit_id)
        return uow.session.scalars(stmt.order_by(DutyShift.starts_at, DutyShift.unit_id)).all()


def _put(uow: UnitOfWork, actor: Actor, unit: Unit, row: dict[str, Any]) -> DutyShift:
    """Create or replace the (unit, date, shift) slot: re-importing a corrected roster overwrites it."""
    _check_people(uow.session, unit, row["leader_id"], row.get("officer_ids", []))
    starts, ends = shift_window(row["duty_date"], row["start"], row["end"])
    shift = uow.session.scalar(select(DutyShift).where(
        DutyShift.unit_id == unit.id, DutyShift.duty_date == row["duty_date"], DutyShift.shift == row["shift"]))
    overlap = uow.session.scalar(select(DutyShift).where(
        DutyShift.leader_id == row["leader_id"], DutyShift.starts_at < ends, DutyShift.ends_at > starts,
        DutyShift.id != (shift.id if shift else -1)))
    if overlap is not None:  # one leader cannot lead two patrols at once; the quota would count twice
        raise RosterInvalid("roster-leader-overlap", f"该带班领导在 {overlap.duty_date.isoformat()} {overlap.shift} 已有带班任务，时间重叠",
                            {"shift_id": overlap.id})
    if shift is None:
        shift = DutyShift(unit_id=unit.id, duty_date=row["duty_date"], shift=row["shift"], version=0)
        uow.session.add(shift)
    shift.starts_at, shift.ends_at = starts, ends
    shift.leader_id, shift.officer_ids = row["leader_id"], sorted(set(row.get("officer_ids", [])))
    shift.note = row.get("note")
    shift.version += 1
    uow.session.flush()
    uow.record(actor, "duty_shift.put", "duty_shift", shift.id, shift_data(shift), unit_id=unit.id,
               version=shift.version)
    return shift


def put_shift(uow: UnitOfWork, actor: Actor, data: dict[str, Any]) -> DutyShift:
    actor.require("admin", "leader")
    with uow:
        unit = get_unit_in_scope(uow.session, data["unit_id"], actor)
        try:
            shift = _put(uow, actor, unit, data)
        except IntegrityError:
            raise ConflictError("roster-slot-taken", "该班次刚被他人修改，请刷新后重试")
        uow.commit()
        return shift


def delete_shift(uow: UnitOfWork, actor: Actor, shift_id: int) -> None:
    actor.require("admin", "leader")
    with uow:
        shift = uow.session.scalar(select(DutyShift).where(DutyShift.id == shift_id,
                                                            DutyShift.unit_id.in_(visible_unit_ids(actor))))
        if shift is None:
            raise NotFound(message="班次不存在或不在您的管辖范围内")
        data = shift_data(shift)
        # Check-ins keep their history; they only lose the link to the removed slot.
        for c in uow.session.scalars(select(PatrolCheckin).where(PatrolCheckin.shift_id == shift.id)):
            c.shift_id, c.as_leader = None, False
        uow.session.delete(shift)
        uow.record(actor, "duty_shift.delete", "duty_shift", shift_id, data, unit_id=data["unit_id"],
                   version=data["version"] + 1, tombstone=True)
        uow.commit()


def _parse_row(line: int, raw: dict[str, str], by_username: dict[str, Officer]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {"shift": (raw.get("shift") or "").strip()}
    try:
        out["duty_date"] = date.fromisoformat((raw.get("date") or "").strip())
    except ValueError:
        errors["date"] = "日期格式应为 YYYY-MM-DD"
    for col in ("start", "end"):
        try:
            out[col] = time.fromisoformat((raw.get(col) or "").strip())
        except ValueError:
            errors[col] = "时间格式应为 HH:MM"
    if not out["shift"] or len(out["shift"]) > 32:
        errors["shift"] = "班次名称不能为空且不超过 32 个字"
    leader = by_username.get((raw.get("leader") or "").strip())
    if leader is None:
        errors["leader"] = f"未知用户名：{(raw.get('leader') or '').strip() or '（空）'}"
    else:
        out["leader_id"] = leader.id
    names = [n.strip() for n in (raw.get("officers") or "").replace("；", ";").split(";") if n.strip()]
    unknown = [n for n in names if n not in by_username]
    if unknown:
        errors["officers"] = "未知用户名：" + "、".join(unknown)
    out["officer_ids"] = [by_username[n].id for n in names if n in by_username]
    if errors:
        raise RosterInvalid(details={"line": line, "fields": errors})
    return out


def import_csv(uow: UnitOfWork, actor: Actor, unit_id: int, text: str) -> list[DutyShift]:
    """All rows or none: the first bad line is reported with its number and field errors."""
    actor.require("admin", "leader")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))  # Excel writes a BOM
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != CSV_COLUMNS:
        raise RosterInvalid("roster-csv-header", "CSV 表头应为：" + ",".join(CSV_COLUMNS),
                            {"expected": CSV_COLUMNS, "got": reader.fieldnames or []})
    rows = list(reader)
    if not rows or len(rows) > MAX_IMPORT_ROWS:
        raise RosterInvalid("roster-csv-size", f"CSV 应包含 1 到 {MAX_IMPORT_ROWS} 行值班记录")
    with uow:
        unit = get_unit_in_scope(uow.session, unit_id, actor)
        by_username = {o.username: o for o in uow.session.scalars(
            select(Officer).where(Officer.unit_id.in_(visible_unit_ids(actor))))}
        parsed = [_parse_row(i + 2, r, by_username) for i, r in enumerate(rows)]  # line 1 is the header
        seen: set[tuple] = set()
        for i, row in enumerate(parsed):
            slot = (row["duty_date"], row["shift"])
            if slot in seen:
                raise RosterInvalid("roster-csv-duplicate", f"第 {i + 2} 行与前面的行班次重复", {"line": i + 2})
            seen.add(slot)
        out = []
        for i, row in enumerate(parsed):
            try:
                out.append(_put(uow, actor, unit, row))
            except RosterInvalid as exc:
                exc.details = {"line": i + 2, **exc.details}
                raise
        uow.commit()
        return out
