"""Every rule of the pure sync core, against the in-memory store (no IO)."""
from __future__ import annotations

import uuid

import pytest

from sync import Rejected, Status, Waiting, engine
from sync.conflicts import resolved_value
from sync.evidence import AppendVerdict, alert_copy_id, classify_append, content_digest
from sync.log import BatchError, Mutation, Verdict, classify, parse_batch
from sync.memory import InMemoryStore, apply_record_mutation
from sync.merge import three_way
from sync.numbers import NumberBlock, check_number, next_block
from sync.transitions import TransitionTable


def mid() -> str:
    return str(uuid.uuid4())


def create(seq: int, record_id: str, **fields) -> Mutation:
    return Mutation(mid(), seq, "record.create", {"id": record_id, "fields": fields})


def update(seq: int, record_id: str, base_version: int, base: dict, changes: dict) -> Mutation:
    return Mutation(mid(), seq, "record.update", {"id": record_id, "base_version": base_version, "base": base,
                                                  "changes": changes})


# --- ordered log -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seq,last,verdict", [(3, 5, Verdict.REPLAY), (5, 5, Verdict.REPLAY), (6, 5, Verdict.NEXT),
                                              (8, 5, Verdict.GAP), (1, 0, Verdict.NEXT)])
def test_seq_is_replay_next_or_gap(seq, last, verdict):
    assert classify(seq, last) is verdict


def test_batch_over_the_limit_is_refused_whole():
    raw = [{"id": mid(), "seq": i, "name": "record.create", "args": {}} for i in range(1, 5)]
    with pytest.raises(BatchError) as err:
        parse_batch(raw, max_batch=3)
    assert err.value.code == "batch-too-large" and err.value.details == {"max_batch": 3, "got": 4}


def test_malformed_envelope_names_each_bad_field():
    with pytest.raises(BatchError) as err:
        parse_batch([{"id": "x", "seq": 0, "name": "Bad Name", "args": [], "extra": 1}], max_batch=10)
    assert err.value.code == "invalid-batch"
    assert set(err.value.details["fields"]["0"]) == {"id", "seq", "name", "args", "extra"}


def test_seq_must_increase_inside_a_batch():
    raw = [{"id": mid(), "seq": 2, "name": "record.create"}, {"id": mid(), "seq": 2, "name": "record.create"}]
    with pytest.raises(BatchError) as err:
        parse_batch(raw, max_batch=10)
    assert err.value.code == "seq-not-increasing"


def test_replayed_batch_returns_stored_results_without_reapplying():
    store = InMemoryStore()
    batch = [create(1, "r1", facts="a"), update(2, "r1", 1, {"facts": "a"}, {"facts": "b"})]
    first = engine.push(store, "c1", batch, apply_record_mutation, {})
    again = engine.push(store, "c1", batch, apply_record_mutation, {})
    assert [r.as_dict() for r in again.results] == [r.as_dict() for r in first.results]
    assert store.state.applied == [batch[0].id, batch[1].id]
    assert again.last_seq == 2


def test_prepare_sees_each_group_once_with_only_its_mutations_still_to_apply():
    store = InMemoryStore()
    seen: list[list[int]] = []
    policy = engine.Policy(group_size=2, prepare=lambda tx, group: seen.append([m.seq for m in group]))
    batch = [create(1, "r1"), create(2, "r2"), create(3, "r3")]
    engine.push(store, "c1", batch[:1], apply_record_mutation, {}, policy)
    engine.push(store, "c1", batch, apply_record_mutation, {}, policy)
    assert seen == [[1], [2], [3]]  # seq 1 is a replay the second time: nothing to load for it


def test_gap_stops_the_batch_and_names_the_expected_seq():
    store = InMemoryStore()
    report = engine.push(store, "c1", [create(1, "r1"), create(3, "r3"), create(4, "r4")], apply_record_mutation, {})
    assert report.last_seq == 1 and report.gap == {"expected_seq": 2, "got_seq": 3}
    assert [r.seq for r in report.results] == [1] and "r3" not in store.state.entities


def test_reused_seq_with_another_mutation_id_is_refused_not_replayed():
    store = InMemoryStore()
    engine.push(store, "c1", [create(1, "r1")], apply_record_mutation, {})
    report = engine.push(store, "c1", [create(1, "other")], apply_record_mutation, {})
    assert report.results[0].code == "seq-already-used" and "other" not in store.state.entities


def test_reused_mutation_id_under_a_new_seq_is_consumed_but_not_applied_twice():
    store = InMemoryStore()
    m = create(1, "r1")
    engine.push(store, "c1", [m], apply_record_mutation, {})
    report = engine.push(store, "c1", [Mutation(m.id, 2, m.name, m.args)], apply_record_mutation, {})
    assert report.last_seq == 2 and report.results[0].code == "mutation-id-reused"
    assert store.state.applied == [m.id]


def test_rejection_is_recorded_and_the_queue_moves_on():
    store = InMemoryStore()
    batch = [create(1, "r1"), create(2, "r1"), create(3, "r2")]
    report = engine.push(store, "c1", batch, apply_record_mutation, {})
    assert [r.status for r in report.results] == ["applied", "rejected", "applied"]
    assert report.results[1].code == "entity-exists" and report.last_seq == 3


def test_crash_in_a_handler_rolls_back_its_writes_and_dead_letters_it():
    store = InMemoryStore()

    def crashing(tx, client_id, m, context):
        if m.args["id"] == "boom":
            tx.state.entities["half-written"] = {"version": 1, "fields": {}}
            raise ZeroDivisionError("bug")
        return apply_record_mutation(tx, client_id, m, context)

    report = engine.push(store, "c1", [create(1, "boom"), create(2, "r2")], crashing, {})
    bad = report.results[0]
    assert bad.status == "rejected" and bad.code == "internal" and bad.details["trace_id"] in bad.message
    assert "half-written" not in store.state.entities and "r2" in store.state.entities
    assert store.state.dead_letters[0]["trace_id"] == bad.details["trace_id"]
    assert "ZeroDivisionError" in store.state.dead_letters[0]["error"]


def test_transient_fault_records_nothing_and_propagates():
    class Busy(Exception):
        pass

    store = InMemoryStore()

    def busy(tx, client_id, m, context):
        raise Busy()

    policy = engine.Policy(is_transient=lambda exc: isinstance(exc, Busy))
    with pytest.raises(Busy):
        engine.push(store, "c1", [create(1, "r1")], busy, {}, policy)
    assert store.state.last_seq.get("c1", 0) == 0 and not store.state.results


def test_waiting_mutation_is_consumed_then_settled_when_the_entity_arrives():
    store = InMemoryStore()
    edit = update(1, "r1", 1, {"facts": "a"}, {"facts": "b"})
    report = engine.push(store, "pair", [edit], apply_record_mutation, {"officer": 2})
    assert report.results[0].status == "waiting" and report.last_seq == 1
    assert report.results[0].details["missing"] == [{"type": "record", "id": "r1"}]
    creator = engine.push(store, "c1", [create(1, "r1", facts="a")], apply_record_mutation, {})
    assert [r.mutation_id for r in creator.settled] == [edit.id]
    assert store.state.entities["r1"]["fields"]["facts"] == "b" and not store.state.parked
    replay = engine.push(store, "pair", [edit], apply_record_mutation, {})
    assert replay.results[0].status == "applied"  # the stored result was updated when it settled


# --- merge ---------------------------------------------------------------------------------------------------
def test_field_changed_only_on_device_is_taken():
    result = three_way({"facts": "a"}, {"facts": "a", "place": "x"}, {"facts": "b"}, 1, 1)
    assert result.updates == {"facts": "b"} and result.status is Status.APPLIED


def test_different_fields_changed_on_both_sides_merge_silently():
    result = three_way({"facts": "a"}, {"facts": "a", "place": "server"}, {"facts": "b"}, 1, 2)
    assert result.updates == {"facts": "b"} and result.status is Status.MERGED and not result.conflicts


def test_same_field_changed_differently_is_a_conflict_and_server_value_stays():
    result = three_way({"facts": "a"}, {"facts": "server"}, {"facts": "device"}, 1, 2)
    assert result.updates == {} and result.status is Status.CONFLICT
    (c,) = result.conflicts
    assert (c.field, c.base, c.server, c.device) == ("facts", "a", "server", "device")


def test_same_change_on_both_sides_is_no_conflict():
    result = three_way({"facts": "a"}, {"facts": "b"}, {"facts": "b"}, 1, 2)
    assert not result.updates and not result.conflicts


def test_merge_compares_json_shapes_not_python_types():
    assert not three_way({"ids": [1]}, {"ids": (1, 2)}, {"ids": [1, 2]}).conflicts
    assert three_way({"flag": 1}, {"flag": True}, {"flag": False}).conflicts  # True is not 1 here


# --- conflicts -------------------------------------------------------------------------------------------------
def test_resolution_choices():
    assert resolved_value("keep_server", "s", "d") == "s"
    assert resolved_value("take_device", "s", "d") == "d"
    assert resolved_value("custom", "s", "d", "c") == "c"
    with pytest.raises(Rejected) as err:
        resolved_value("custom", "s", "d")
    assert err.value.code == "resolution-value-missing"
    with pytest.raises(Rejected):
        resolved_value("coin_flip", "s", "d")


# --- evidence ------------------------------------------------------------------------------------------------
def test_evidence_append_only_rule():
    photo = {"sha256": "ab" * 32, "kind": "photo", "taken_at": "2026-11-23T08:00:00Z"}
    digest = content_digest(photo)
    assert digest == content_digest(dict(reversed(list(photo.items()))))  # key order does not matter
    assert classify_append(None, digest) is AppendVerdict.NEW
    assert classify_append(digest, digest) is AppendVerdict.DUPLICATE
    other = content_digest({**photo, "sha256": "cd" * 32})
    assert classify_append(digest, other) is AppendVerdict.INTEGRITY_ALERT
    assert alert_copy_id("e1", other) == alert_copy_id("e1", other) != alert_copy_id("e1", digest)


# --- transitions ---------------------------------------------------------------------------------------------
TABLE = TransitionTable("case", {("open", "issue_notice"): "notice_issued", ("notice_issued", "close"): "closed"},
                        status_labels={"open": "立案", "closed": "已结案"}, command_labels={"issue_notice": "送达通知书"})


def test_allowed_transition_gives_the_new_status():
    assert TABLE.apply("open", "issue_notice") == "notice_issued"


def test_transition_no_longer_allowed_is_rejected_with_what_is_allowed():
    with pytest.raises(Rejected) as err:
        TABLE.apply("closed", "issue_notice")
    assert err.value.code == "transition-not-allowed" and err.value.details["allowed"] == []
    assert "已结案" in err.value.message
    with pytest.raises(Rejected) as err:
        TABLE.apply("open", "teleport")
    assert err.value.code == "transition-unknown"


# --- number blocks -------------------------------------------------------------------------------------------
BLOCK = NumberBlock(7, unit_id=2, doc_type="notice", year=2026, start=51, end=100, device_id="d1", officer_id=4)


def test_blocks_follow_the_highest_leased_number():
    assert next_block(None, 50) == (1, 50) and next_block(100, 10) == (101, 110)
    with pytest.raises(Rejected):
        next_block(0, 0)


@pytest.mark.parametrize("kwargs,code", [
    ({"device_id": "d2"}, "number-block-not-yours"),
    ({"doc_type": "decision"}, "number-block-mismatch"),
    ({"number": 101}, "number-outside-block"),
    ({"used": True}, "number-already-used"),
])
def test_number_checks(kwargs, code):
    args = {"device_id": "d1", "unit_id": 2, "doc_type": "notice", "year": 2026, "number": 60, "used": False}
    check_number(BLOCK, **args)  # the valid case passes
    with pytest.raises(Rejected) as err:
        check_number(BLOCK, **{**args, **kwargs})
    assert err.value.code == code
    with pytest.raises(Rejected) as err:
        check_number(None, **args)
    assert err.value.code == "number-block-unknown"


def test_memory_store_leases_disjoint_blocks_and_refuses_a_used_number():
    store = InMemoryStore()
    with store.transaction() as tx:
        first = tx.add_block(2, "notice", 2026, *next_block(tx.highest_leased(2, "notice", 2026), 50), "d1", 4)
        second = tx.add_block(2, "notice", 2026, *next_block(tx.highest_leased(2, "notice", 2026), 50), "d2", 5)
        tx.mark_number_used(first, 1, "doc-1")
        with pytest.raises(Rejected):
            tx.mark_number_used(first, 1, "doc-2")
        tx.commit()
    assert (first.start, first.end, second.start, second.end) == (1, 50, 51, 100)


def test_waiting_exception_carries_what_is_missing():
    exc = Waiting([{"type": "blob", "id": "ab" * 32}])
    assert exc.missing[0]["type"] == "blob" and "等待" in exc.message


def test_constraint_failing_at_commit_is_that_mutations_failure_not_the_batchs():
    from contextlib import contextmanager

    class ConstraintStore(InMemoryStore):
        @contextmanager
        def transaction(self):
            with super().transaction() as tx:
                real = tx.commit

                def commit():
                    if "bad" in tx.state.entities:
                        raise ValueError("UNIQUE constraint failed: documents.number")
                    real()

                tx.commit = commit
                yield tx

    store = ConstraintStore()
    report = engine.push(store, "c1", [create(1, "bad"), create(2, "good")], apply_record_mutation, {})
    assert [(r.status, r.code) for r in report.results] == [("rejected", "internal"), ("applied", None)]
    assert "bad" not in store.state.entities and report.last_seq == 2
    assert "UNIQUE constraint failed" in store.state.dead_letters[0]["error"]


def test_groups_commit_separately_and_a_transient_fault_loses_only_the_open_group():
    class Busy(Exception):
        pass

    store = InMemoryStore()

    def busy_on_r3(tx, client_id, m, context):
        if m.args["id"] == "r3":
            raise Busy()
        return apply_record_mutation(tx, client_id, m, context)

    policy = engine.Policy(is_transient=lambda exc: isinstance(exc, Busy), group_size=2)
    batch = [create(1, "r1"), create(2, "r2"), create(3, "r3"), create(4, "r4")]
    with pytest.raises(Busy):
        engine.push(store, "c1", batch, busy_on_r3, {}, policy)
    assert store.state.last_seq["c1"] == 2 and set(store.state.entities) == {"r1", "r2"}
    report = engine.push(store, "c1", batch, apply_record_mutation, {}, policy)  # the client resends it all
    assert [r.status for r in report.results] == ["applied"] * 4 and report.last_seq == 4
    assert store.state.applied == [m.id for m in batch]  # each applied exactly once


def test_a_failing_mutation_in_a_group_rolls_back_only_its_own_writes():
    store = InMemoryStore()

    def half_then_refuse(tx, client_id, m, context):
        outcome = apply_record_mutation(tx, client_id, m, context)
        if m.args["id"] == "r2":
            raise Rejected("late-refusal", "写入后拒绝")
        return outcome

    report = engine.push(store, "c1", [create(1, "r1"), create(2, "r2"), create(3, "r3")], half_then_refuse, {})
    assert [r.status for r in report.results] == ["applied", "rejected", "applied"]
    assert set(store.state.entities) == {"r1", "r3"} and [c["entity_id"] for c in store.state.changes] == ["r1", "r3"]
