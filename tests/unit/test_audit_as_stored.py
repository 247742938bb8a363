"""What the audit hash covers is what the JSON column gives back: the fast copy for plain JSON must agree with the
round trip through text on every value, and must be a copy."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal

from hypothesis import given, strategies as st

from server.adapters.audit_chain import as_stored, canonical

plain = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                     max_leaves=20)
odd = st.sampled_from([datetime(2026, 12, 1, 8, 30, tzinfo=timezone.utc), date(2026, 12, 1), Decimal("12.50"), (1, "二")])


@given(plain)
def test_plain_json_is_copied_exactly_as_the_round_trip_gives_it(value):
    assert as_stored(value) == json.loads(canonical(value))


@given(st.dictionaries(st.text(max_size=5), plain | odd, min_size=1, max_size=5))
def test_dates_decimals_and_tuples_anywhere_take_the_round_trip(value):
    assert as_stored(value) == json.loads(canonical(value))


def test_non_string_keys_become_strings_as_in_the_column():
    assert as_stored({1: "a", 2: {3: None}}) == {"1": "a", "2": {"3": None}}


def test_the_result_is_a_copy_so_later_changes_do_not_reach_the_hash():
    data = {"flags": ["gps-manual"], "nested": {"n": 1}}
    stored = as_stored(data)
    data["flags"].append("changed")
    data["nested"]["n"] = 2
    assert stored == {"flags": ["gps-manual"], "nested": {"n": 1}}
