"""Write-behind rows: held until the commit or until anything else reads or flushes through the session, visible
to the transaction that holds them, and never outliving the savepoint or transaction that held them."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

import factories
from server.adapters import write_behind
from server.adapters.models import Case, GpsFix, Inspection
from server.domain.actor import Actor
from server.services import gps as gps_service

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


def _values(session, **overrides) -> dict:
    zhangwei = factories.officer(session, "zhangwei")
    return {"id": str(uuid.uuid4()), "unit_id": zhangwei.unit_id, "officer_id": zhangwei.id, "facts": "现场检查",
            "place": "G6", "occurred_at": T0, "status": "open", "credential_ids": [], "flags": [], "version": 1,
            **overrides}


def _stored_facts(session, inspection_id):
    """Read past the session (its own connection would write the held rows first)."""
    with session.get_bind().connect() as other:
        return other.scalar(sa.select(Inspection.facts).where(Inspection.id == inspection_id))


def test_held_rows_are_read_back_written_once_at_commit_and_updates_fold_into_the_insert(db_session, demo):
    row = _values(db_session)
    write_behind.insert_row(db_session, Inspection, row)
    write_behind.update_row(db_session, Inspection, row["id"], {"facts": "补充", "version": 2})
    assert write_behind.current(db_session, Inspection, row["id"])["facts"] == "补充"
    assert _stored_facts(db_session, row["id"]) is None  # not written yet
    db_session.commit()
    stored = db_session.get(Inspection, row["id"])
    assert (stored.facts, stored.version, stored.created_at is not None) == ("补充", 2, True)


def test_any_other_read_through_the_session_sees_the_held_rows(db_session, demo):
    row = _values(db_session)
    write_behind.insert_row(db_session, Inspection, row)
    found = db_session.scalar(sa.select(Inspection.facts).where(Inspection.id == row["id"]))
    assert found == "现场检查"  # written just before the query, like the ORM's autoflush
    db_session.rollback()
    assert db_session.get(Inspection, row["id"]) is None  # ... inside the transaction, which rolled back


def test_an_orm_flush_writes_the_held_rows_first_so_foreign_keys_hold(db_session, demo):
    row = _values(db_session)
    write_behind.insert_row(db_session, Inspection, row)
    db_session.add(Case(id=str(uuid.uuid4()), unit_id=row["unit_id"], inspection_id=row["id"], procedure="simple"))
    db_session.flush()
    db_session.commit()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Case)
                             .where(Case.inspection_id == row["id"])) == 1


def test_an_update_of_a_locked_row_expires_the_orm_object_that_read_it(db_session, demo):
    inspection = factories.inspection(db_session, "DD01", "zhangwei", facts="原文")
    assert inspection.facts == "原文"  # loaded into the identity map
    locked = write_behind.get_locked(db_session, Inspection, inspection.id)
    write_behind.update_row(db_session, Inspection, inspection.id, {"facts": "改后", "version": locked["version"] + 1})
    assert inspection.facts == "原文"  # still held
    write_behind.write(db_session)
    assert inspection.facts == "改后" and inspection.version == 2
    assert write_behind.current(db_session, Inspection, inspection.id)["facts"] == "改后"  # the snapshot follows


def test_a_missing_row_is_remembered_as_missing_until_it_is_held(db_session, demo):
    ghost = str(uuid.uuid4())
    write_behind.lock(db_session, Inspection, [ghost])
    assert write_behind.get_locked(db_session, Inspection, ghost) is None
    write_behind.insert_row(db_session, Inspection, _values(db_session, id=ghost))
    assert write_behind.get_locked(db_session, Inspection, ghost)["id"] == ghost


def test_a_rolled_back_savepoint_drops_only_what_was_held_inside_it(db_session, demo):
    kept, dropped = _values(db_session), _values(db_session)
    write_behind.insert_row(db_session, Inspection, kept)
    with pytest.raises(ValueError):
        with write_behind.savepoint(db_session):
            write_behind.insert_row(db_session, Inspection, dropped)
            write_behind.update_row(db_session, Inspection, kept["id"], {"facts": "不应保留"})
            raise ValueError("the mutation failed")
    db_session.commit()
    assert db_session.get(Inspection, dropped["id"]) is None
    assert db_session.get(Inspection, kept["id"]).facts == "现场检查"


def test_rows_held_before_a_plain_savepoint_refuse_to_be_written_inside_it(db_session, demo):
    """Its rollback would take them too: a loud error instead of a silently lost row."""
    write_behind.insert_row(db_session, Inspection, _values(db_session))
    with pytest.raises(RuntimeError, match="before a savepoint"):
        with db_session.begin_nested():
            write_behind.write(db_session)


def _actor(session, device_id: str) -> Actor:
    officer = factories.officer(session, "zhangwei")
    return Actor(officer.id, officer.unit_id, officer.unit.path, frozenset(officer.roles), device_id,
                 officer.full_name)


def _fix(minutes: float, lat: float = 40.865) -> dict:
    return {"lat": lat, "lon": 111.662, "accuracy_m": 10.0, "source": "gps", "device_time": T0 + timedelta(minutes=minutes)}


def _hold(session, actor, minutes, lat=40.865):
    return gps_service.hold_fix(session, actor, _fix(minutes, lat), entity_type="inspection", entity_id=f"i-{minutes}",
                                unit_id=actor.unit_id, config={}, received_at=T0 + timedelta(hours=20))


def test_previous_fix_sees_stored_held_and_orm_pending_fixes_by_device_time(db_session, demo):
    actor = _actor(db_session, "dev-window")
    gps_service.record_fix(db_session, actor, _fix(0), entity_type="inspection", entity_id="stored", unit_id=actor.unit_id,
                           config={}, received_at=T0 + timedelta(hours=20))
    db_session.commit()
    assert gps_service.previous_fix(db_session, "dev-window", T0 + timedelta(minutes=30)).device_time == T0
    _hold(db_session, actor, 10)  # held, not written
    assert gps_service.previous_fix(db_session, "dev-window", T0 + timedelta(minutes=30)).device_time == \
        T0 + timedelta(minutes=10)
    gps_service.record_fix(db_session, actor, _fix(20), entity_type="inspection", entity_id="orm",
                           unit_id=actor.unit_id, config={}, received_at=T0 + timedelta(hours=20))  # pending in the ORM
    assert gps_service.previous_fix(db_session, "dev-window", T0 + timedelta(minutes=30)).device_time == \
        T0 + timedelta(minutes=20)
    assert gps_service.previous_fix(db_session, "dev-window", T0 + timedelta(minutes=5)).device_time == T0
    assert gps_service.previous_fix(db_session, "other-device", T0 + timedelta(minutes=30)) is None


def test_a_window_too_full_to_read_whole_still_answers_every_time_exactly(db_session, demo, monkeypatch):
    monkeypatch.setattr(gps_service._FixWindow, "ROWS", 3)
    actor = _actor(db_session, "dev-busy")
    for minutes in range(0, 100, 10):  # ten stored fixes, more than a window reads
        gps_service.record_fix(db_session, actor, _fix(minutes), entity_type="inspection", entity_id=f"s{minutes}",
                               unit_id=actor.unit_id, config={}, received_at=T0 + timedelta(hours=20))
    db_session.commit()
    for minutes in (1, 15, 35, 55, 95, 200):
        expected = db_session.scalar(sa.select(sa.func.max(GpsFix.device_time)).where(
            GpsFix.device_id == "dev-busy", GpsFix.device_time < T0 + timedelta(minutes=minutes)))
        got = gps_service.previous_fix(db_session, "dev-busy", T0 + timedelta(minutes=minutes))
        assert got.device_time == expected


def test_a_held_jump_is_flagged_against_the_held_fix_before_it(db_session, demo):
    actor = _actor(db_session, "dev-jump")
    _hold(db_session, actor, 0)
    jump = _hold(db_session, actor, 1, lat=43.0)  # 240 km north one minute later
    assert "gps-speed-implausible" in jump.flags
    db_session.commit()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(GpsFix).where(GpsFix.device_id == "dev-jump")) == 2
