"""Pure rules of patrols and reminders: quota arithmetic, mid-shift, quiet hours, push backoff."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from server.domain.patrol import ShiftTally, quota_due, week_compliance
from server.domain.timeutil import SHANGHAI
from server.services.notifications import parse_quiet_hours, push_after
from server.services.push import BACKOFF_MAX, backoff


def sh(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI).astimezone(timezone.utc)


def test_weekly_required_is_per_shift_quota_with_a_weekly_floor():
    three = [ShiftTally(1, 2), ShiftTally(2, 1), ShiftTally(3, 3)]
    wc = week_compliance(three, per_shift=2, per_week=8)
    assert (wc.shifts, wc.required, wc.done, wc.shifts_met, wc.met) == (3, 8, 6, 2, False)
    assert week_compliance(three, per_shift=1, per_week=0).met is True
    assert week_compliance([], per_shift=2, per_week=8).required == 0  # no duty that week, nothing owed


def test_every_shift_must_meet_its_quota_even_when_the_total_does():
    wc = week_compliance([ShiftTally(1, 4), ShiftTally(2, 0)], per_shift=2, per_week=0)
    assert wc.done >= wc.required and wc.met is False


def test_quota_reminder_window_is_second_half_of_the_shift():
    start, end = sh(2026, 11, 23, 20), sh(2026, 11, 24, 8)  # 夜班 across midnight
    assert not quota_due(start, end, sh(2026, 11, 24, 1, 59))
    assert quota_due(start, end, sh(2026, 11, 24, 2))
    assert not quota_due(start, end, end)


@pytest.mark.parametrize("local_hour,expected_hour", [(21, None), (22, 7), (23, 7), (0, 7), (6, 7), (7, None)])
def test_quiet_hours_hold_pushes_until_the_morning(local_hour, expected_hour):
    quiet = parse_quiet_hours("22-7")
    created = sh(2026, 11, 23, local_hour, 30)
    after = push_after(created, quiet).astimezone(SHANGHAI)
    if expected_hour is None:
        assert after == created
    else:
        assert after.hour == expected_hour and after.minute == 0 and after > created
        assert after - created < timedelta(hours=9)


def test_quiet_hours_within_one_day_and_disabled():
    quiet = parse_quiet_hours("12-14")
    assert push_after(sh(2026, 11, 23, 13), quiet).astimezone(SHANGHAI).hour == 14
    assert push_after(sh(2026, 11, 23, 15), quiet) == sh(2026, 11, 23, 15)
    assert parse_quiet_hours("off") is None
    for bad in ("22", "25-7", "7-7", "x-y"):
        with pytest.raises(ValueError):
            parse_quiet_hours(bad)


def test_push_backoff_doubles_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(30) == BACKOFF_MAX
