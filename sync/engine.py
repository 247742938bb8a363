"""The push algorithm, written once against the ports and run by both stores.

Group commit: up to ``Policy.group_size`` mutations share one transaction that locks the client's ``last_seq``;
each mutation runs inside its own savepoint. Replay → stored result; gap → stop; next → run the handler and
record the outcome. A handler that refuses, waits or crashes has its savepoint rolled back and the refusal
recorded instead, so a failure never leaves half a mutation behind and the queue always moves on. Results and
``last_seq`` commit with the effects they describe; a crash before the commit loses the whole group, which
the client resends (replay is idempotent), so nothing is applied twice or lost.
If the group's commit itself fails (a deferred constraint), the group is re-run one transaction per mutation
so only the guilty mutation fails. Transient store faults propagate untouched: the client retries the batch.
"""
from __future__ import annotations

import traceback
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from sync import log
from sync.log import Mutation, Verdict
from sync.ports import Parked, StoredResult, SyncStore, SyncTx
from sync.results import Outcome, Rejected, Status, Waiting
from sync.waiting import keys_of

Apply = Callable[[SyncTx, str, Mutation, dict], Outcome]
Prepare = Callable[[SyncTx, list[Mutation]], None]

INTERNAL_MESSAGE = "服务器处理此记录时出错（追踪号 {trace}），已转交管理员，其余记录继续同步"


@dataclass
class Policy:
    as_rejection: Callable[[BaseException], Rejected | None] = lambda exc: exc if isinstance(exc, Rejected) else None
    is_transient: Callable[[BaseException], bool] = lambda exc: False
    new_trace_id: Callable[[], str] = lambda: uuid.uuid4().hex[:12]
    max_retry_rounds: int = 8
    group_size: int = 250  # mutations per transaction: bounds lock hold time and what a crash makes re-send
    # Runs once per group, inside its transaction, before the first handler: loads (and locks) what the
    # group's mutations refer to in one go, so that handlers do not each query for their own rows.
    prepare: Prepare = lambda tx, group: None


@dataclass
class PushReport:
    last_seq: int
    results: list[StoredResult] = field(default_factory=list)
    gap: dict[str, int] | None = None
    settled: list[StoredResult] = field(default_factory=list)  # earlier `waiting` mutations settled now

    def as_dict(self) -> dict[str, Any]:
        return {"last_seq": self.last_seq, "results": [r.as_dict() for r in self.results], "gap": self.gap,
                "settled": [r.as_dict() for r in self.settled]}


def push(store: SyncStore, client_id: str, mutations: Iterable[Mutation], apply: Apply, context: dict,
         policy: Policy | None = None) -> PushReport:
    policy = policy or Policy()
    report = PushReport(last_seq=0)
    arrived: list[str] = []
    queue = list(mutations)
    for start in range(0, max(len(queue), 1), max(policy.group_size, 1)):
        group = queue[start:start + max(policy.group_size, 1)]
        try:
            try:
                step = _run_group(store, client_id, group, apply, context, policy, guard_from=len(group))
            except _NeedsGuard as failed:  # again, with a savepoint around the one that failed and after it
                step = _run_group(store, client_id, group, apply, context, policy, guard_from=failed.index)
        except _CommitFailed:
            step = _run_alone(store, client_id, group, apply, context, policy)
        report.last_seq = step.last_seq
        report.results.extend(step.results)
        arrived.extend(step.arrived)
        if step.gap is not None:
            report.gap = step.gap
            break
    try:
        # What this batch created may free parked mutations (any client's); this client's own parked ones
        # are re-tried too, so one whose retry hit a transient fault cannot stay parked for ever.
        report.settled = retry_parked(store, arrived, apply, policy, client_id=client_id)
    except Exception as exc:
        if not policy.is_transient(exc):
            raise
    return report


@dataclass
class _Step:
    last_seq: int
    results: list[StoredResult] = field(default_factory=list)
    arrived: list[str] = field(default_factory=list)
    gap: dict[str, int] | None = None


class _CommitFailed(Exception):
    """The group's commit failed for a reason that is not transient; nothing of the group was stored."""


class _NeedsGuard(Exception):
    """A mutation failed in an unguarded run; the group's transaction is rolled back, nothing was stored."""

    def __init__(self, index: int):
        super().__init__(index)
        self.index = index


def _run_group(store: SyncStore, client_id: str, group: list[Mutation], apply: Apply, context: dict,
               policy: Policy, guard_from: int) -> _Step:
    """One transaction for ``group``. Mutations before ``guard_from`` run without a savepoint (one costs about
    as much as a small mutation), and the first failure among them abandons the run so that it can be re-run
    guarded from there; from ``guard_from`` on each runs in its own savepoint. Handlers are re-run against the
    same state, so the re-run gives the same outcomes."""
    with store.transaction() as tx:
        locked = tx.lock_client(client_id)
        step = _Step(last_seq=locked)
        recorded = tx.recorded_among([m.id for m in group if m.seq > locked])
        policy.prepare(tx, [m for m in group if m.seq > locked and m.id not in recorded])
        for index, m in enumerate(group):
            verdict = log.classify(m.seq, step.last_seq)
            if verdict is Verdict.REPLAY:
                step.results.append(_replayed(tx, client_id, m))
                continue
            if verdict is Verdict.GAP:
                step.gap = {"expected_seq": step.last_seq + 1, "got_seq": m.seq}
                break
            if index >= guard_from:
                result = _apply_in_savepoint(tx, client_id, m, apply, context, policy, m.id in recorded)
            else:
                result = _apply_unguarded(tx, client_id, m, apply, context, policy, m.id in recorded, index)
            recorded.add(m.id)
            step.results.append(result)
            if result.status != Status.REJECTED.value:
                step.arrived.extend(keys_of(result.entity_refs))
            step.last_seq = m.seq
        if step.last_seq != locked:
            tx.set_last_seq(client_id, step.last_seq)
        try:
            tx.commit()
        except Exception as exc:  # noqa: BLE001 — transient faults go to the client, the rest re-run
            if policy.is_transient(exc) or not group:
                raise
            raise (_NeedsGuard(0) if guard_from > 0 else _CommitFailed()) from exc
        return step


def _apply_unguarded(tx: SyncTx, client_id: str, m: Mutation, apply: Apply, context: dict, policy: Policy,
                     id_recorded: bool, index: int) -> StoredResult:
    try:
        outcome = _rejected(log.id_reused()) if id_recorded else apply(tx, client_id, m, context)
        result = _result(m, outcome)
        tx.save_result(client_id, result)  # flushes the handler's writes: a constraint fires here, not later
        return result
    except Exception as exc:  # noqa: BLE001
        if policy.is_transient(exc):
            raise
        raise _NeedsGuard(index) from exc


def _apply_in_savepoint(tx: SyncTx, client_id: str, m: Mutation, apply: Apply, context: dict,
                        policy: Policy, id_recorded: bool) -> StoredResult:
    try:
        with tx.savepoint():
            # The handler's writes are flushed by the bookkeeping and the savepoint's release: a constraint that
            # fires there is this mutation's failure too, not the batch's, or one bad record would jam the queue.
            outcome = _rejected(log.id_reused()) if id_recorded else apply(tx, client_id, m, context)
            result = _result(m, outcome)
            tx.save_result(client_id, result)
            return result
    except Exception as exc:  # noqa: BLE001 — every failure is classified below, none is swallowed
        if policy.is_transient(exc):
            raise
        failure = exc
    with tx.savepoint():
        return _record_failure(tx, client_id, m, context, failure, policy)


def _run_alone(store: SyncStore, client_id: str, group: list[Mutation], apply: Apply, context: dict,
               policy: Policy) -> _Step:
    step = _Step(last_seq=0)
    for m in group:
        result, step.last_seq, keys = _run_one(store, client_id, m, apply, context, policy)
        if result is None:
            step.gap = {"expected_seq": step.last_seq + 1, "got_seq": m.seq}
            break
        step.results.append(result)
        step.arrived.extend(keys)
    return step


def _run_one(store: SyncStore, client_id: str, m: Mutation, apply: Apply, context: dict,
             policy: Policy) -> tuple[StoredResult | None, int, list[str]]:
    """One mutation, one transaction; a failure at commit is recorded in a second one."""
    failure: Exception | None = None
    with store.transaction() as tx:
        last = tx.lock_client(client_id)
        verdict = log.classify(m.seq, last)
        if verdict is Verdict.REPLAY:
            return _replayed(tx, client_id, m), last, []
        if verdict is Verdict.GAP:
            return None, last, []
        try:
            outcome = _rejected(log.id_reused()) if tx.mutation_recorded(m.id) else apply(tx, client_id, m, context)
            result = _result(m, outcome)
            tx.save_result(client_id, result)
            tx.set_last_seq(client_id, m.seq)
            tx.commit()
            return result, m.seq, keys_of(result.entity_refs) if result.status != Status.REJECTED.value else []
        except Exception as exc:  # noqa: BLE001
            failure = exc
    if policy.is_transient(failure):
        raise failure
    with store.transaction() as tx:
        last = tx.lock_client(client_id)
        if log.classify(m.seq, last) is not Verdict.NEXT:  # a concurrent push recorded it meanwhile
            return _replayed(tx, client_id, m), last, []
        result = _record_failure(tx, client_id, m, context, failure, policy)
        tx.set_last_seq(client_id, m.seq)
        tx.commit()
        return result, m.seq, []


def _replayed(tx: SyncTx, client_id: str, m: Mutation) -> StoredResult:
    stored = tx.stored_result(client_id, m.seq)
    if stored is None:  # cannot happen with a store that records result and last_seq together
        raise RuntimeError(f"no stored result for {client_id}#{m.seq}")
    if stored.mutation_id != m.id:
        return _result(m, _rejected(log.seq_reused(stored.mutation_id)))
    return stored


def _record_failure(tx: SyncTx, client_id: str, m: Mutation, context: dict, failure: Exception,
                    policy: Policy) -> StoredResult:
    if isinstance(failure, Waiting):
        keys = keys_of(failure.missing)
        tx.park(client_id, m, context, keys)
        result = _result(m, Outcome(Status.WAITING, "waiting", failure.message, details={"missing": failure.missing}))
    else:
        rejection = policy.as_rejection(failure)
        if rejection is not None:
            result = _result(m, _rejected(rejection))
        else:
            trace = policy.new_trace_id()
            tx.dead_letter(client_id, m, trace, "".join(traceback.format_exception(failure))[-8000:])
            result = _result(m, Outcome(Status.REJECTED, "internal", INTERNAL_MESSAGE.format(trace=trace),
                                        details={"trace_id": trace}))
    tx.save_result(client_id, result)
    return result


def retry_parked(store: SyncStore, keys: Iterable[str] | None, apply: Apply, policy: Policy | None = None,
                 client_id: str | None = None) -> list[StoredResult]:
    """Re-run parked mutations waiting for ``keys`` (``None`` = all) or parked by ``client_id``.

    What they create may free others, so it repeats for the keys that arrived (bounded rounds).
    """
    policy = policy or Policy()
    settled: list[StoredResult] = []
    pending: list[str] | None = list(keys) if keys is not None else None
    for round_no in range(policy.max_retry_rounds):
        owner = client_id if round_no == 0 else None
        if pending is not None and not pending and owner is None:
            break
        arrived: list[str] = []
        for parked in store.parked_for(pending, owner):
            result = _retry_one(store, parked, apply, policy)
            if result is not None:
                settled.append(result)
                if result.status != Status.REJECTED.value:
                    arrived.extend(keys_of(result.entity_refs))
        pending = arrived
    return settled


def _retry_one(store: SyncStore, parked: Parked, apply: Apply, policy: Policy) -> StoredResult | None:
    m, failure = parked.mutation, None
    with store.transaction() as tx:
        current = tx.claim_parked(m.id)
        if current is None:
            return None
        try:
            result = _result(m, apply(tx, parked.client_id, m, parked.context))
            tx.save_result(parked.client_id, result)
            tx.unpark(m.id)
            tx.commit()
            return result
        except Exception as exc:  # noqa: BLE001
            failure = exc
    if policy.is_transient(failure):
        return None  # stays parked; the next arrival or an admin retry runs it again
    with store.transaction() as tx:
        if tx.claim_parked(m.id) is None:
            return None
        if isinstance(failure, Waiting):
            tx.park(parked.client_id, m, parked.context, keys_of(failure.missing))  # now waits for something else
            tx.commit()
            return None
        tx.unpark(m.id)
        result = _record_failure(tx, parked.client_id, m, parked.context, failure, policy)
        tx.commit()
        return result


def _rejected(rejection: Rejected) -> Outcome:
    return Outcome(Status.REJECTED, rejection.code, rejection.message, details=rejection.details)


def _result(m: Mutation, outcome: Outcome | None) -> StoredResult:
    outcome = outcome or Outcome()
    status = outcome.status.value if isinstance(outcome.status, Status) else str(outcome.status)
    return StoredResult(mutation_id=m.id, seq=m.seq, name=m.name, status=status, code=outcome.code,
                        message=outcome.message, entity_refs=list(outcome.entity_refs), details=dict(outcome.details))
