"""record_fix: stores every fix with receive time and flags; compares with the same device's previous fix by
device time (offline fixes arrive out of order); a unit without an area uses its nearest ancestor's."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from geopy.distance import geodesic
from sqlalchemy import select

import factories
from server.adapters.models import GpsFix, Unit
from server.domain.actor import Actor
from server.services.gps import record_fix

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
CENTER = (40.8650, 111.6620)  # 新城区大队 (demo: 20 km radius)


def actor_on(session, username, device_id):
    officer = factories.officer(session, username)
    return Actor(officer_id=officer.id, unit_id=officer.unit_id, unit_path=officer.unit.path,
                 roles=frozenset(officer.roles), device_id=device_id, full_name=officer.full_name)


def store(session, actor, unit_id, lat, lon, minutes, accuracy=10.0, received_minutes=600):
    fix = {"lat": lat, "lon": lon, "accuracy_m": accuracy, "source": "gps",
           "device_time": T0 + timedelta(minutes=minutes)}
    return record_fix(session, actor, fix, entity_type="inspection", entity_id=f"i-{minutes}", unit_id=unit_id,
                      config={"GPS_MAX_SPEED_KMH": 200}, received_at=T0 + timedelta(minutes=received_minutes))


def test_out_of_order_fixes_are_compared_with_their_predecessor_by_device_time(db_session, demo):
    actor = actor_on(db_session, "zhangwei", "dev-gps-1")
    far = geodesic(kilometers=300).destination(CENTER, bearing=90)
    store(db_session, actor, actor.unit_id, *CENTER, minutes=0)
    store(db_session, actor, actor.unit_id, *CENTER, minutes=120)
    # Delivered last, taken in between: one minute after the first fix, 300 km away.
    jump = store(db_session, actor, actor.unit_id, far.latitude, far.longitude, minutes=1)
    assert "gps-speed-implausible" in jump.flags and "gps-outside-area" in jump.flags
    # Another device of the same officer is not compared with this one's fixes.
    other = store(db_session, actor_on(db_session, "zhangwei", "dev-gps-2"), actor.unit_id, *CENTER, minutes=2)
    assert other.flags == []
    rows = db_session.scalars(select(GpsFix).order_by(GpsFix.id)).all()
    assert len(rows) == 4  # flagged, never dropped
    assert all(r.received_at == T0 + timedelta(minutes=600) and r.device_time.tzinfo for r in rows)


def test_a_unit_without_an_area_is_checked_against_its_parents(db_session, demo):
    brigade = factories.unit(db_session, "DD01")
    squad = Unit(code="ZD01-DD01-Z1", name="第一中队", level="squad", parent_id=brigade.id, doc_prefix="呼交执新一")
    db_session.add(squad)
    db_session.flush()
    squad.path = f"{brigade.path}{squad.id}/"
    actor = actor_on(db_session, "lina", "dev-gps-3")
    inside = store(db_session, actor, squad.id, CENTER[0] + 0.05, CENTER[1], minutes=0)
    outside = store(db_session, actor, squad.id, 39.9042, 116.4074, minutes=600, received_minutes=601)
    assert inside.flags == [] and outside.flags == ["gps-outside-area"]
