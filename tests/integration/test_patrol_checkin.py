"""patrol.checkin through the mutation registry contract (MutationContext), on the demo roster and points."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from geopy.distance import distance as geo_distance
from sqlalchemy import func, select

from server.adapters.models import DutyShift, Officer, PatrolCheckin, PatrolPoint
from server.domain.actor import Actor
from server.domain.errors import DomainError
from server.services import patrol
from server.services.mutations import MutationContext, load_all
from server.services.uow import UnitOfWork


def actor_for(session, username: str, device_id: str = "dev-test") -> Actor:
    officer = session.scalar(select(Officer).where(Officer.username == username))
    return Actor(officer_id=officer.id, unit_id=officer.unit_id, unit_path=officer.unit.path,
                 roles=frozenset(officer.roles), device_id=device_id, full_name=officer.full_name)


@pytest.fixture
def ctx_for(app, demo, db_session):
    handlers = load_all()

    def run(username: str, args: dict, now: datetime | None = None):
        uow = UnitOfWork(db_session)
        ctx = MutationContext(uow=uow, actor=actor_for(db_session, username), client_id="dev-test",
                              mutation_id=str(uuid.uuid4()), seq=1, created_at_device=args.get("at"),
                              config=app.config, now=now or datetime.fromisoformat(args["at"]) + timedelta(minutes=5))
        reg = handlers["patrol.checkin"]
        parsed = reg.schema().load(args)
        outcome = reg.handler(ctx, parsed)
        db_session.commit()  # the executor commits; the handler must not
        return outcome

    return run


@pytest.fixture
def point(db_session):
    return db_session.scalar(select(PatrolPoint).where(PatrolPoint.name == "兴安北路货运车辆检查点"))


def on_shift_time(db_session, username: str) -> datetime:
    leader = db_session.scalar(select(Officer).where(Officer.username == username))
    shift = db_session.scalars(select(DutyShift).where(DutyShift.leader_id == leader.id)
                               .order_by(DutyShift.starts_at)).all()[1]  # today's shift
    return shift.starts_at + timedelta(hours=1)


def args_at(db_session, point, *, meters_north=0.0, accuracy=10.0, at=None, qr=None, cid=None, source="gps"):
    dest = geo_distance(meters=meters_north).destination((point.lat, point.lon), bearing=0) if meters_north else None
    lat, lon = (dest.latitude, dest.longitude) if dest else (point.lat, point.lon)
    at = at or on_shift_time(db_session, "leader_dd01")
    return {"id": cid or str(uuid.uuid4()), "point_qr": qr or patrol.point_qr(UnitOfWork(db_session), point),
            "gps": {"lat": lat, "lon": lon, "accuracy_m": accuracy, "source": source, "device_time": at.isoformat()},
            "at": at.isoformat()}


def test_leader_checkin_inside_radius_on_shift_is_accepted_and_counts(ctx_for, db_session, point):
    outcome = ctx_for("leader_dd01", args_at(db_session, point, meters_north=60))
    assert outcome.status.value == "applied"
    row = db_session.get(PatrolCheckin, outcome.entity_refs[0]["id"])
    assert row.status == "accepted" and row.as_leader and row.shift_id is not None
    assert 55 < row.distance_m < 65


def test_checkin_300m_outside_radius_is_refused_with_the_distance(ctx_for, db_session, point):
    with pytest.raises(DomainError) as exc:
        ctx_for("leader_dd01", args_at(db_session, point, meters_north=point.radius_m + 300))
    assert exc.value.code == "checkin-outside-radius"
    assert "450 米" in exc.value.message and exc.value.details["distance_m"] == pytest.approx(450, abs=1)
    assert db_session.scalar(select(func.count()).select_from(PatrolCheckin)) == 0


def test_checkin_with_150m_accuracy_is_refused(ctx_for, db_session, point):
    with pytest.raises(DomainError) as exc:
        ctx_for("leader_dd01", args_at(db_session, point, accuracy=150))
    assert exc.value.code == "checkin-accuracy-too-low" and "150 米" in exc.value.message
    assert db_session.scalar(select(func.count()).select_from(PatrolCheckin)) == 0


def test_replayed_checkin_is_stored_and_counted_once(ctx_for, db_session, point):
    args = args_at(db_session, point, meters_north=20)
    first = ctx_for("leader_dd01", args)
    second = ctx_for("leader_dd01", args)
    assert first.entity_refs == second.entity_refs and second.details["replayed"] is True
    assert db_session.scalar(select(func.count()).select_from(PatrolCheckin)) == 1
    shift_id = db_session.get(PatrolCheckin, args["id"]).shift_id
    assert patrol.leader_checkins_by_shift(db_session, [shift_id]) == {shift_id: 1}


def test_point_qr_with_a_bad_signature_is_refused(ctx_for, db_session, point):
    good = patrol.point_qr(UnitOfWork(db_session), point)
    prefix, body, sig = good.split(".")
    forged = ".".join([prefix, body, ("A" if sig[0] != "A" else "B") + sig[1:]])
    with pytest.raises(DomainError) as exc:
        ctx_for("leader_dd01", args_at(db_session, point, qr=forged))
    assert exc.value.code == "point-qr-invalid"


def test_checkin_outside_the_leaders_shift_is_flagged_and_not_counted(ctx_for, db_session, point):
    off_duty = on_shift_time(db_session, "leader_dd01") + timedelta(hours=14)  # 23:00, day shift ended at 20:00
    outcome = ctx_for("leader_dd01", args_at(db_session, point, at=off_duty))
    row = db_session.get(PatrolCheckin, outcome.entity_refs[0]["id"])
    assert row.status == "flagged" and "off-duty" in row.flags and row.shift_id is None and not row.as_leader
    assert "不在本人的值班时段内" in row.reason


def test_coarse_but_allowed_accuracy_is_accepted_with_a_flag(ctx_for, db_session, point):
    outcome = ctx_for("leader_dd01", args_at(db_session, point, accuracy=80))
    assert outcome.details["status"] == "flagged" and outcome.details["flags"] == ["gps-accuracy-warn"]


def test_manual_position_is_refused(ctx_for, db_session, point):
    with pytest.raises(DomainError) as exc:
        ctx_for("leader_dd01", args_at(db_session, point, source="manual"))
    assert exc.value.code == "checkin-gps-manual"


def test_officer_of_another_brigade_cannot_check_in_at_this_point(ctx_for, db_session, point):
    with pytest.raises(DomainError) as exc:
        ctx_for("wangqiang", args_at(db_session, point))
    assert exc.value.code == "point-unknown"


def test_position_jump_from_the_previous_fix_is_refused(ctx_for, db_session, point):
    other = db_session.scalar(select(PatrolPoint).where(PatrolPoint.name == "京藏高速呼和浩特东收费站"))
    first = args_at(db_session, point)
    ctx_for("leader_dd01", first)
    two_minutes_later = datetime.fromisoformat(first["at"]) + timedelta(minutes=2)  # ~11 km away: ~330 km/h
    with pytest.raises(DomainError) as exc:
        ctx_for("leader_dd01", args_at(db_session, other, at=two_minutes_later))
    assert exc.value.code == "checkin-gps-implausible" and "速度" in exc.value.message
    assert db_session.scalar(select(func.count()).select_from(PatrolCheckin)) == 1
