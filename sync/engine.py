"""The push algorithm, written once against the ports and run by both stores.

Per mutation, in its own transaction: lock the client's ``last_seq``; replay → stored result; gap → stop;
next → run the handler, record the outcome and advance ``last_seq`` in the same commit. A handler that
refuses, waits or crashes has its writes rolled back and the refusal recorded in a second transaction,
so a failure can never leave half a mutation behind, and the queue always moves on.
Transient store faults propagate untouched: nothing was recorded, the client retries the same batch.
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

INTERNAL_MESSAGE = "服务器处理此记录时出错（追踪号 {trace}），已转交管理员，其余记录继续同步"


@dataclass
class Policy:
    as_rejection: Callable[[BaseException], Rejected | None] = lambda exc: exc if isinstance(exc, Rejected) else None
    is_transient: Callable[[BaseException], bool] = lambda exc: False
    new_trace_id: Callable[[], str] = lambda: uuid.uuid4().hex[:12]
    max_retry_rounds: int = 8


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
    for mutation in mutations:
        result, last_seq, keys = _run_one(store, client_id, mutation, apply, context, policy)
        report.last_seq = last_seq
        if result is None:
            report.gap = {"expected_seq": last_seq + 1, "got_seq": mutation.seq}
            break
        report.results.append(result)
        arrived.extend(keys)
    if not report.results and report.gap is None:
        with store.transaction() as tx:
            report.last_seq = tx.lock_client(client_id)
    try:
        # What this batch created may free parked mutations (any client's); this client's own parked ones
        # are re-tried too, so one whose retry hit a transient fault cannot stay parked for ever.
        report.settled = retry_parked(store, arrived, apply, policy, client_id=client_id)
    except Exception as exc:
        if not policy.is_transient(exc):
            raise
    return report


def _run_one(store: SyncStore, client_id: str, m: Mutation, apply: Apply, context: dict,
             policy: Policy) -> tuple[StoredResult | None, int, list[str]]:
    failure: Exception | None = None
    with store.transaction() as tx:
        last = tx.lock_client(client_id)
        verdict = log.classify(m.seq, last)
        if verdict is Verdict.REPLAY:
            return _replayed(tx, client_id, m), last, []
        if verdict is Verdict.GAP:
            return None, last, []
        try:
            # The handler's writes are flushed by the bookkeeping and the commit: a constraint that fires
            # there is this mutation's failure too, not the batch's, or one bad record would jam the queue.
            outcome = _rejected(log.id_reused()) if tx.mutation_recorded(m.id) else apply(tx, client_id, m, context)
            result = _result(m, outcome)
            tx.save_result(client_id, result)
            tx.set_last_seq(client_id, m.seq)
            tx.commit()
            return result, m.seq, keys_of(result.entity_refs) if result.status != Status.REJECTED.value else []
        except Exception as exc:  # noqa: BLE001 — every failure is classified below, none is swallowed
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
