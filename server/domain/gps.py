"""GPS fixes as evidence: jurisdiction and plausibility checks (pure: no Flask, no SQL).

A fix is never dropped for looking wrong: ``assess`` returns flags and the caller stores them with the fix
(全过程记录 — a suspicious location is itself a fact a reviewer must see). Distances are geodesic (geopy, WGS-84).

Callers (evidence.attach, inspection.create, patrol check-in) use ``server.services.gps.record_fix``, which loads
the previous fix of the device and the unit's area and stores the result; this module holds only the rules.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Sequence

from geopy.distance import geodesic

SOURCES = ("gps", "network", "manual")

# code -> zh-CN label shown to reviewers (also used in watermark-free listings)
FLAG_LABELS = {
    "gps-accuracy-warn": "定位精度较差（超过提示阈值）",
    "gps-accuracy-poor": "定位精度不足，不能作为到岗或现场位置的证明",
    "gps-speed-implausible": "与同一设备上一次定位相比移动速度不合理（疑似位置跳变或伪造）",
    "gps-outside-area": "定位点不在本单位辖区内",
    "gps-time-future": "定位时间晚于服务器接收时间（设备时钟异常）",
    "gps-time-stale": "定位时间与记录时间相差过大（可能沿用了旧定位）",
    "gps-manual": "位置为手工填写，非卫星或网络定位",
}


@dataclass(frozen=True)
class Fix:
    """One location fix as the device reported it, plus when the server received it (both UTC-aware)."""

    lat: float
    lon: float
    accuracy_m: float
    source: str
    device_time: datetime
    received_at: datetime

    @classmethod
    def from_args(cls, data: Mapping[str, Any], received_at: datetime) -> "Fix":
        """Build from the mutation's ``gps`` object (``{lat, lon, accuracy_m, source, device_time}``)."""
        return cls(float(data["lat"]), float(data["lon"]), float(data["accuracy_m"]), str(data.get("source", "gps")),
                   data["device_time"], received_at)


@dataclass(frozen=True)
class Area:
    """A unit's jurisdiction: a polygon ``[[lat, lon], ...]`` when drawn, else a centre point and radius."""

    center_lat: float | None = None
    center_lon: float | None = None
    radius_m: float | None = None
    polygon: Sequence[Sequence[float]] | None = None

    @property
    def defined(self) -> bool:
        return bool(self.polygon and len(self.polygon) >= 3) or None not in (self.center_lat, self.center_lon,
                                                                             self.radius_m)


@dataclass(frozen=True)
class Limits:
    """Gates from config: GPS_WARN_ACCURACY_M, GPS_MAX_ACCURACY_M, GPS_MAX_SPEED_KMH,
    GPS_MAX_CLOCK_SKEW_SECONDS, GPS_MAX_FIX_AGE_SECONDS."""

    warn_accuracy_m: float = 50
    max_accuracy_m: float = 100
    max_speed_kmh: float = 200
    max_clock_skew_s: float = 300
    max_fix_age_s: float = 600

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> "Limits":
        return cls(cfg.get("GPS_WARN_ACCURACY_M", 50), cfg.get("GPS_MAX_ACCURACY_M", 100),
                   cfg.get("GPS_MAX_SPEED_KMH", 200), cfg.get("GPS_MAX_CLOCK_SKEW_SECONDS", 300),
                   cfg.get("GPS_MAX_FIX_AGE_SECONDS", 600))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return geodesic((lat1, lon1), (lat2, lon2)).meters


# The sphere of the mean earth radius is never more than 0.56 % off the WGS-84 geodesic; 1 % leaves a margin.
_MEAN_RADIUS_M = 6_371_008.8
_SPHERE_ERROR = 0.01


def sphere_distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine on the mean sphere: a bound on the geodesic distance, not a substitute for it."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * _MEAN_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def farther_than(lat1: float, lon1: float, lat2: float, lon2: float, limit_m: float) -> bool:
    """``distance_m(...) > limit_m``, exactly, with the costly geodesic only when the sphere cannot tell.

    Every fix received is checked against the device's previous fix and the unit's area, and the geodesic costs
    about 60 µs; the haversine decides all but the cases within 1 % of the threshold."""
    rough = sphere_distance_m(lat1, lon1, lat2, lon2)
    if rough * (1 - _SPHERE_ERROR) > limit_m:
        return True
    if rough * (1 + _SPHERE_ERROR) <= limit_m:
        return False
    return distance_m(lat1, lon1, lat2, lon2) > limit_m


def speed_kmh(previous: Fix, fix: Fix) -> float:
    """Speed needed to get from ``previous`` to ``fix``, giving both fixes the benefit of their accuracy.

    Jitter of a standing phone (two 30 m fixes 40 m apart, 1 s apart) is not movement, so the accuracy radii are
    subtracted before dividing; a 1 s floor keeps same-second fixes finite.
    """
    moved = max(0.0, distance_m(previous.lat, previous.lon, fix.lat, fix.lon) - previous.accuracy_m - fix.accuracy_m)
    return moved / _seconds_between(previous, fix) * 3.6


def _seconds_between(previous: Fix, fix: Fix) -> float:
    return max(1.0, abs((fix.device_time - previous.device_time).total_seconds()))


def faster_than(previous: Fix, fix: Fix, max_kmh: float) -> bool:
    """``speed_kmh(previous, fix) > max_kmh``, decided by ``farther_than`` (the same comparison, rearranged)."""
    allowed_m = max_kmh / 3.6 * _seconds_between(previous, fix) + previous.accuracy_m + fix.accuracy_m
    return farther_than(previous.lat, previous.lon, fix.lat, fix.lon, allowed_m)


def inside_polygon(lat: float, lon: float, polygon: Sequence[Sequence[float]]) -> bool:
    """Ray casting on lat/lon; unit areas are a few tens of km, where the planar error is negligible."""
    inside = False
    n = len(polygon)
    for i in range(n):
        (y1, x1), (y2, x2) = polygon[i], polygon[(i + 1) % n]
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x_cross:
                inside = not inside
    return inside


def inside_area(fix: Fix, area: Area) -> bool | None:
    """True/False, or None when the unit has no area recorded (nothing to check against).

    For a centre+radius area the fix's accuracy circle only has to touch the area: an officer on the boundary
    with a 60 m fix is not flagged as out of jurisdiction.
    """
    if area.polygon and len(area.polygon) >= 3:
        return inside_polygon(fix.lat, fix.lon, area.polygon)
    if None in (area.center_lat, area.center_lon, area.radius_m):
        return None
    return not farther_than(area.center_lat, area.center_lon, fix.lat, fix.lon, area.radius_m + fix.accuracy_m)


def assess(fix: Fix, *, previous: Fix | None = None, area: Area | None = None, limits: Limits = Limits(),
           recorded_at: datetime | None = None) -> list[str]:
    """Flag codes (see ``FLAG_LABELS``) for ``fix``; an empty list means nothing looks wrong.

    ``previous`` is the same device's fix immediately before this one by device time; ``recorded_at`` is the device
    time of the record the fix belongs to (photo taken / inspection created), to catch a stale fix reused.
    """
    flags: list[str] = []
    if fix.source == "manual":
        flags.append("gps-manual")
    if fix.accuracy_m > limits.max_accuracy_m:
        flags.append("gps-accuracy-poor")
    elif fix.accuracy_m > limits.warn_accuracy_m:
        flags.append("gps-accuracy-warn")
    if previous is not None and faster_than(previous, fix, limits.max_speed_kmh):
        flags.append("gps-speed-implausible")
    if area is not None and inside_area(fix, area) is False:
        flags.append("gps-outside-area")
    # Offline devices deliver hours late, so only a fix *after* its own arrival is impossible.
    if (fix.device_time - fix.received_at).total_seconds() > limits.max_clock_skew_s:
        flags.append("gps-time-future")
    if recorded_at is not None and abs((recorded_at - fix.device_time).total_seconds()) > limits.max_fix_age_s:
        flags.append("gps-time-stale")
    return flags


def usable_as_proof(flags: Sequence[str]) -> bool:
    """May this fix prove presence (patrol check-in, 现场位置)? Poor accuracy, jumps, manual entry: no."""
    return not {"gps-accuracy-poor", "gps-speed-implausible", "gps-manual", "gps-time-future"}.intersection(flags)
