"""领导带班巡查 rules, pure: is a check-in proof of presence, and did a leader patrol often enough?

Distances and the plausibility of the fix itself (speed jumps, clock) come from ``server/domain/gps.py``; this
module adds what is particular to a check-in: the point's radius and the leader's duty shift.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable, Sequence

from server.domain.errors import DomainError
from server.domain.gps import distance_m

MAX_CLOCK_SKEW = timedelta(minutes=10)


class CheckinRefused(DomainError):
    status = 422
    code = "checkin-refused"
    message = "签到未被接受"


@dataclass(frozen=True)
class Fix:
    """A GPS fix as the phone reports it (docs/mutations.md)."""

    lat: float
    lon: float
    accuracy_m: float
    source: str = "gps"


@dataclass(frozen=True)
class PointSpec:
    name: str
    lat: float
    lon: float
    radius_m: int


@dataclass
class CheckinVerdict:
    distance_m: float
    flags: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "flagged" if self.flags else "accepted"


def judge_checkin(point: PointSpec, fix: Fix, *, at: datetime, now: datetime, on_shift: bool,
                  warn_accuracy_m: float, max_accuracy_m: float) -> CheckinVerdict:
    """Refuse (raise) what cannot prove presence; flag what is accepted but needs a leader's eye.

    Order matters: a fix too coarse to trust is refused before its distance is judged, because a 150 m
    circle can "contain" a point the officer never reached.
    """
    if fix.source == "manual":
        raise CheckinRefused("checkin-gps-manual", "手动输入的位置不能作为巡查签到依据，请使用 GPS 定位",
                             {"source": fix.source})
    if fix.accuracy_m > max_accuracy_m:
        raise CheckinRefused(
            "checkin-accuracy-too-low",
            f"定位精度 {fix.accuracy_m:.0f} 米，超过签到允许的 {max_accuracy_m:.0f} 米，请到开阔处重新定位",
            {"accuracy_m": fix.accuracy_m, "max_accuracy_m": max_accuracy_m})
    dist = distance_m(point.lat, point.lon, fix.lat, fix.lon)
    if dist > point.radius_m:
        raise CheckinRefused(
            "checkin-outside-radius",
            f"距巡查点“{point.name}”{dist:.0f} 米，超出签到范围（{point.radius_m} 米），签到未被接受",
            {"distance_m": round(dist, 1), "radius_m": point.radius_m})
    verdict = CheckinVerdict(distance_m=dist)
    if fix.accuracy_m > warn_accuracy_m:
        verdict.flags.append("gps-accuracy-warn")
        verdict.reasons.append(f"定位精度 {fix.accuracy_m:.0f} 米，低于 {warn_accuracy_m:.0f} 米的要求")
    if fix.source != "gps":
        verdict.flags.append("gps-not-satellite")
        verdict.reasons.append("定位来自网络而非卫星")
    if at > now + MAX_CLOCK_SKEW:
        verdict.flags.append("device-clock-ahead")
        verdict.reasons.append("签到时间晚于服务器时间，手机时钟可能不准")
    if not on_shift:
        verdict.flags.append("off-duty")
        verdict.reasons.append("签到时间不在本人的值班时段内")
    return verdict


@dataclass(frozen=True)
class ShiftTally:
    shift_id: int
    done: int


@dataclass(frozen=True)
class WeekCompliance:
    """Required vs done for one leader in one week (支队 view)."""

    shifts: int
    required: int
    done: int
    shifts_met: int

    @property
    def met(self) -> bool:
        return self.done >= self.required and self.shifts_met == self.shifts


def week_compliance(tallies: Sequence[ShiftTally], per_shift: int, per_week: int) -> WeekCompliance:
    """``required`` = per-shift quota × shifts led, never below the weekly floor when the leader was on duty."""
    shifts = len(tallies)
    required = max(per_shift * shifts, per_week if shifts else 0)
    done = sum(t.done for t in tallies)
    shifts_met = sum(1 for t in tallies if t.done >= per_shift)
    return WeekCompliance(shifts=shifts, required=required, done=done, shifts_met=shifts_met)


def quota_due(starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    """The mid-shift reminder fires from half-way through the shift until it ends."""
    return starts_at + (ends_at - starts_at) / 2 <= now < ends_at


def parse_fix(data: dict[str, Any]) -> Fix:
    return Fix(lat=float(data["lat"]), lon=float(data["lon"]), accuracy_m=float(data["accuracy_m"]),
               source=data.get("source") or "gps")


def flags_text(flags: Iterable[str]) -> str:
    names = {"gps-accuracy-warn": "定位精度偏低", "gps-not-satellite": "非卫星定位",
             "device-clock-ahead": "手机时钟超前", "off-duty": "非值班时段"}
    return "、".join(names.get(f, f) for f in flags)
