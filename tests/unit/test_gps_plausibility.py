"""GPS rules (pure): suspicious fixes are flagged, never dropped."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from geopy.distance import geodesic

from server.domain import gps

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
HOHHOT = (40.8424, 111.7490)
BAOTOU = (40.6574, 109.8403)  # ≈160 km west
BEIJING = (39.9042, 116.4074)


def fix(lat, lon, *, minutes=0, accuracy=10.0, source="gps", received_minutes=None):
    at = T0 + timedelta(minutes=minutes)
    received = T0 + timedelta(minutes=received_minutes if received_minutes is not None else minutes + 1)
    return gps.Fix(lat, lon, accuracy, source, at, received)


def test_a_fix_300_km_away_one_minute_after_the_previous_is_flagged():
    previous = fix(*HOHHOT)
    # 300 km north-east of Hohhot, one minute later: 18,000 km/h.
    point = geodesic(kilometers=300).destination(HOHHOT, bearing=45)
    far = gps.Fix(point.latitude, point.longitude, 10.0, "gps", T0 + timedelta(minutes=1), T0 + timedelta(minutes=2))
    assert round(gps.distance_m(*HOHHOT, point.latitude, point.longitude)) == 300_000
    assert "gps-speed-implausible" in gps.assess(far, previous=previous)


def test_driving_speed_between_fixes_is_not_flagged():
    previous = fix(*HOHHOT)
    # 160 km in two hours = 80 km/h on the expressway.
    later = fix(*BAOTOU, minutes=120)
    assert gps.speed_kmh(previous, later) < 100
    assert gps.assess(later, previous=previous) == []


def test_standing_still_jitter_within_accuracy_is_not_speed():
    a = fix(40.0, 111.0, accuracy=30)
    b = gps.Fix(40.0004, 111.0, 30, "gps", T0 + timedelta(seconds=1), T0 + timedelta(minutes=1))  # ≈44 m, 1 s
    assert gps.assess(b, previous=a) == []


def test_a_fix_outside_the_units_radius_is_flagged():
    area = gps.Area(center_lat=40.8650, center_lon=111.6620, radius_m=20_000)
    assert gps.assess(fix(*BEIJING), area=area) == ["gps-outside-area"]
    assert gps.assess(fix(40.87, 111.67), area=area) == []


def test_the_accuracy_circle_only_has_to_touch_the_radius_area():
    area = gps.Area(center_lat=40.0, center_lon=111.0, radius_m=1_000)
    just_outside = fix(40.0 + 1_050 / 111_000, 111.0, accuracy=80)  # ≈1,050 m from the centre, ±80 m
    assert gps.inside_area(just_outside, area) is True
    assert gps.inside_area(fix(40.0 + 1_200 / 111_000, 111.0, accuracy=80), area) is False


def test_polygon_area_wins_over_the_radius():
    square = [[40.0, 111.0], [40.0, 111.2], [40.2, 111.2], [40.2, 111.0]]
    area = gps.Area(center_lat=45.0, center_lon=120.0, radius_m=10, polygon=square)
    assert gps.assess(fix(40.1, 111.1), area=area) == []
    assert gps.assess(fix(40.1, 111.3), area=area) == ["gps-outside-area"]


def test_unit_without_an_area_checks_nothing():
    assert gps.inside_area(fix(*BEIJING), gps.Area()) is None
    assert gps.assess(fix(*BEIJING), area=gps.Area()) == []


def test_accuracy_above_the_gates_is_flagged():
    limits = gps.Limits(warn_accuracy_m=50, max_accuracy_m=100)
    assert gps.assess(fix(*HOHHOT, accuracy=49), limits=limits) == []
    assert gps.assess(fix(*HOHHOT, accuracy=75), limits=limits) == ["gps-accuracy-warn"]
    poor = gps.assess(fix(*HOHHOT, accuracy=250), limits=limits)
    assert poor == ["gps-accuracy-poor"]
    assert gps.usable_as_proof(poor) is False
    assert gps.usable_as_proof(["gps-accuracy-warn"]) is True


def test_device_time_in_the_future_of_arrival_is_flagged_but_late_delivery_is_normal():
    from_the_future = fix(*HOHHOT, minutes=30, received_minutes=0)
    assert "gps-time-future" in gps.assess(from_the_future)
    delivered_hours_later = fix(*HOHHOT, minutes=0, received_minutes=600)
    assert gps.assess(delivered_hours_later) == []


def test_a_stale_fix_reused_for_a_later_photo_is_flagged():
    old = fix(*HOHHOT, minutes=0)
    assert "gps-time-stale" in gps.assess(old, recorded_at=T0 + timedelta(hours=2))
    assert gps.assess(old, recorded_at=T0 + timedelta(minutes=2)) == []


def test_manual_positions_are_marked():
    assert gps.assess(fix(*HOHHOT, source="manual")) == ["gps-manual"]


def test_limits_come_from_config():
    limits = gps.Limits.from_config({"GPS_WARN_ACCURACY_M": 20, "GPS_MAX_ACCURACY_M": 40, "GPS_MAX_SPEED_KMH": 90})
    assert (limits.warn_accuracy_m, limits.max_accuracy_m, limits.max_speed_kmh) == (20, 40, 90)
    assert gps.assess(fix(*HOHHOT, accuracy=30), limits=limits) == ["gps-accuracy-warn"]


# --- the haversine fast path must decide exactly as the geodesic does ------------------------------------------
from hypothesis import given, settings, strategies as st  # noqa: E402

latitudes = st.floats(min_value=15.0, max_value=55.0)  # China and well beyond it
longitudes = st.floats(min_value=70.0, max_value=140.0)


@settings(max_examples=400, deadline=None)
@given(lat=latitudes, lon=longitudes, bearing=st.floats(0, 360), metres=st.floats(1, 400_000),
       slack=st.floats(-0.02, 0.02))
def test_farther_than_agrees_with_the_geodesic_also_next_to_the_threshold(lat, lon, bearing, metres, slack):
    point = geodesic(meters=metres).destination((lat, lon), bearing=bearing)
    limit = metres * (1 + slack)  # thresholds within ±2 % of the true distance, where the sphere cannot decide
    exact = gps.distance_m(lat, lon, point.latitude, point.longitude) > limit
    assert gps.farther_than(lat, lon, point.latitude, point.longitude, limit) is exact


@settings(max_examples=300, deadline=None)
@given(lat=latitudes, lon=longitudes, bearing=st.floats(0, 360), metres=st.floats(0, 50_000),
       seconds=st.integers(0, 3600), acc1=st.floats(1, 200), acc2=st.floats(1, 200), max_kmh=st.floats(20, 400))
def test_faster_than_is_speed_kmh_compared(lat, lon, bearing, metres, seconds, acc1, acc2, max_kmh):
    point = geodesic(meters=metres).destination((lat, lon), bearing=bearing)
    a = gps.Fix(lat, lon, acc1, "gps", T0, T0)
    b = gps.Fix(point.latitude, point.longitude, acc2, "gps", T0 + timedelta(seconds=seconds), T0)
    speed = gps.speed_kmh(a, b)
    if abs(speed - max_kmh) > 1e-6 * max_kmh:  # the two formulas round differently on the exact boundary only
        assert gps.faster_than(a, b, max_kmh) is (speed > max_kmh)


def test_the_sphere_is_within_its_stated_error_of_the_geodesic():
    for a, b in ((HOHHOT, BAOTOU), (HOHHOT, BEIJING), ((18.25, 109.5), (53.5, 122.3))):
        exact, rough = gps.distance_m(*a, *b), gps.sphere_distance_m(*a, *b)
        assert abs(rough - exact) / exact < 0.0056
