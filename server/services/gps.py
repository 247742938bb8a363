"""Store a GPS fix with its plausibility flags — the one entry point for every feature that receives a fix.

``record_fix`` runs inside the caller's unit of work (a sync mutation's transaction) and does not commit.
The rules are in ``server.domain.gps``; this module only loads what they need and stores the outcome.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Mapping

from marshmallow import Schema, fields, validate
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from server.adapters import reference_rows, write_behind
from server.adapters.models import Unit
from server.adapters.models.evidence import GpsFix
from server.domain import gps
from server.domain.actor import Actor


class GpsFixSchema(Schema):
    """The fix object every mutation carries (docs/mutations.md); nest it as ``fields.Nested(GpsFixSchema)``."""

    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    accuracy_m = fields.Float(required=True, validate=validate.Range(min=0))
    source = fields.String(load_default="gps", validate=validate.OneOf(gps.SOURCES))
    device_time = fields.AwareDateTime(required=True)


def unit_area(session: Session, unit_id: int) -> gps.Area | None:
    """The unit's own area, else the nearest ancestor's (a 中队 without a drawn area works in its 大队's)."""
    unit = reference_rows.get(session, Unit, unit_id)
    while unit is not None:
        area = gps.Area(unit.center_lat, unit.center_lon, unit.radius_m, unit.polygon)
        if area.defined:
            return area
        unit = reference_rows.get(session, Unit, unit.parent_id) if unit.parent_id else None
    return None


def previous_fix(session: Session, device_id: str | None, before: datetime) -> gps.Fix | None:
    """The same device's fix immediately before ``before`` by device time (offline fixes arrive out of order),
    among the stored fixes and those this transaction holds back (``hold_fix``)."""
    if not device_id:
        return None
    cache, key = write_behind.read_cache(session), _window_key(device_id)
    window = cache.get(key)
    if window is None or not window.covers(before):
        window = cache[key] = _FixWindow.load(session, device_id, before)
    stored = window.latest_before(before)
    held = max((h for h in write_behind.held_inserts(session, GpsFix)
                if h["device_id"] == device_id and h["device_time"] < before),
               key=lambda h: h["device_time"], default=None)
    if held is not None and (stored is None or held["device_time"] > stored.device_time):
        return gps.Fix(*(held[c.key] for c in _FIX_COLUMNS))
    return stored


def _window_key(device_id: str | None) -> tuple[str, str | None]:
    return ("gps-window", device_id)


@dataclass(frozen=True)
class _FixWindow:
    """A device's stored fixes from ``start`` up to ``end`` and the last one before ``start``: answers
    ``previous_fix`` for any time in [start, end] without a query. A push group's fixes come from one device
    within hours, so two queries serve the whole group instead of one per fix."""

    start: datetime
    end: datetime
    below: gps.Fix | None
    inside: tuple[gps.Fix, ...]  # by device time, all < end

    SPAN: ClassVar[timedelta] = timedelta(hours=12)
    ROWS: ClassVar[int] = 500

    def covers(self, before: datetime) -> bool:
        return self.start <= before <= self.end

    def latest_before(self, before: datetime) -> gps.Fix | None:
        count = bisect_left(self.inside, before, key=lambda f: f.device_time)
        return self.inside[count - 1] if count else self.below

    @classmethod
    def load(cls, session: Session, device_id: str, start: datetime) -> "_FixWindow":
        end = start + cls.SPAN
        below = session.execute(_LAST_FIX_BEFORE, {"device_id": device_id, "before": start}).first()
        rows = session.execute(_FIXES_FROM, {"device_id": device_id, "start": start, "end": end,
                                             "rows": cls.ROWS}).all()
        if len(rows) == cls.ROWS:  # more than fit: the window ends where the rows read end
            end = rows[-1].device_time
        inside = tuple(gps.Fix(*r) for r in rows if r.device_time < end)
        return cls(start, end, gps.Fix(*below) if below else None, inside)


_FIX_COLUMNS = (GpsFix.lat, GpsFix.lon, GpsFix.accuracy_m, GpsFix.source, GpsFix.device_time, GpsFix.received_at)
_LAST_FIX_BEFORE = (select(*_FIX_COLUMNS)
                    .where(GpsFix.device_id == bindparam("device_id"), GpsFix.device_time < bindparam("before"))
                    .order_by(GpsFix.device_time.desc()).limit(1).execution_options(**write_behind.SEES_HELD))
_FIXES_FROM = (select(*_FIX_COLUMNS)
               .where(GpsFix.device_id == bindparam("device_id"), GpsFix.device_time >= bindparam("start"),
                      GpsFix.device_time < bindparam("end"))
               .order_by(GpsFix.device_time).limit(bindparam("rows")).execution_options(**write_behind.SEES_HELD))


@dataclass(frozen=True)
class AssessedFix(gps.Fix):
    """A fix with its plausibility flags, as ``hold_fix`` returns it: what ``fix_data`` and callers read of a GpsFix."""

    flags: tuple[str, ...] = ()


def _assessed(session: Session, actor: Actor, fix_args: Mapping[str, Any], unit_id: int, config: Mapping[str, Any],
              received_at: datetime, recorded_at: datetime | None) -> AssessedFix:
    fix = gps.Fix.from_args(fix_args, received_at)
    flags = gps.assess(fix, previous=previous_fix(session, actor.device_id, fix.device_time),
                       area=unit_area(session, unit_id), limits=gps.Limits.from_config(config),
                       recorded_at=recorded_at)
    return AssessedFix(fix.lat, fix.lon, fix.accuracy_m, fix.source, fix.device_time, received_at, tuple(flags))


def _row_values(fix: AssessedFix, actor: Actor, unit_id: int, entity_type: str, entity_id: str) -> dict[str, Any]:
    return {"unit_id": unit_id, "officer_id": actor.officer_id or None, "device_id": actor.device_id,
            "entity_type": entity_type, "entity_id": str(entity_id), "lat": fix.lat, "lon": fix.lon,
            "accuracy_m": fix.accuracy_m, "source": fix.source, "device_time": fix.device_time,
            "received_at": fix.received_at, "flags": list(fix.flags)}


def record_fix(session: Session, actor: Actor, fix_args: Mapping[str, Any], *, entity_type: str, entity_id: str,
               unit_id: int, config: Mapping[str, Any], received_at: datetime,
               recorded_at: datetime | None = None) -> GpsFix:
    """Assess and store one fix; returns the row (``row.flags`` lists what looked wrong, see ``gps.FLAG_LABELS``).

    ``fix_args`` is the mutation's ``{lat, lon, accuracy_m, source, device_time}`` with ``device_time`` already
    parsed to an aware datetime (``server.api.schemas``/marshmallow ``AwareDateTime`` does that).
    """
    fix = _assessed(session, actor, fix_args, unit_id, config, received_at, recorded_at)
    row = GpsFix(**_row_values(fix, actor, unit_id, entity_type, entity_id))
    session.add(row)  # flushed with the caller's rows (a caller that needs row.id flushes first)
    write_behind.read_cache(session).pop(_window_key(actor.device_id), None)  # it now misses this fix
    return row


def hold_fix(session: Session, actor: Actor, fix_args: Mapping[str, Any], *, entity_type: str, entity_id: str,
             unit_id: int, config: Mapping[str, Any], received_at: datetime,
             recorded_at: datetime | None = None) -> AssessedFix:
    """``record_fix`` for a caller that never needs the fix's id: the row is held back (``write_behind``) and
    written with the rest of the transaction's held rows."""
    fix = _assessed(session, actor, fix_args, unit_id, config, received_at, recorded_at)
    write_behind.insert_row(session, GpsFix, _row_values(fix, actor, unit_id, entity_type, entity_id))
    return fix


def fix_data(row: GpsFix | AssessedFix) -> dict[str, Any]:
    """The fix as stored, for audit data and API responses."""
    return {"lat": row.lat, "lon": row.lon, "accuracy_m": row.accuracy_m, "source": row.source,
            "device_time": row.device_time.isoformat(), "received_at": row.received_at.isoformat(),
            "flags": list(row.flags)}

