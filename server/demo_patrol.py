"""Demo patrol points, frequencies and a week of duty roster, loaded by ``server/demo.py``."""
from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from server.adapters.models import Officer, PatrolPoint, PatrolRequirement, Unit
from server.services import roster
from server.services.uow import UnitOfWork

# unit code, name, lat, lon, radius (m)
POINTS = [
    ("DD01", "兴安北路货运车辆检查点", 40.8655, 111.6615, 150),
    ("DD01", "京藏高速呼和浩特东收费站", 40.8480, 111.7900, 200),
    ("DD02", "金桥开发区物流园门口", 40.7905, 111.7110, 150),
    ("ZD01", "呼和浩特公路客运枢纽站", 40.8290, 111.6720, 200),
]

# unit code -> (leader check-ins per shift, per week)
REQUIREMENTS = {"ZD01": (1, 3), "DD01": (2, 8)}

# unit code, shift name, start, end, leader, officers
SHIFTS = [
    ("DD01", "白班", time(8, 0), time(20, 0), "leader_dd01", ["zhangwei", "lina"]),
    ("ZD01", "夜班", time(20, 0), time(8, 0), "leader", ["wangqiang", "zhoujie"]),
]


def load(uow: UnitOfWork, today: date) -> None:
    """Points, frequencies and shifts from yesterday to six days ahead (so "today" always has a leader)."""
    with uow:
        units = {u.code: u for u in uow.session.scalars(select(Unit))}
        people = {o.username: o.id for o in uow.session.scalars(select(Officer))}
        for code, name, lat, lon, radius in POINTS:
            point = PatrolPoint(unit_id=units[code].id, name=name, lat=lat, lon=lon, radius_m=radius)
            uow.session.add(point)
            uow.session.flush()
            uow.record(None, "patrol_point.create", "patrol_point", point.id,
                       {"name": name, "lat": lat, "lon": lon, "radius_m": radius}, unit_id=point.unit_id)
        for code, (per_shift, per_week) in REQUIREMENTS.items():
            uow.session.add(PatrolRequirement(unit_id=units[code].id, per_shift=per_shift, per_week=per_week))
        uow.session.flush()
        for offset in range(-1, 7):
            for code, name, start, end, leader, officers in SHIFTS:
                roster._put(uow, None, units[code], {
                    "duty_date": today + timedelta(days=offset), "shift": name, "start": start, "end": end,
                    "leader_id": people[leader], "officer_ids": [people[o] for o in officers]})
        uow.commit()
