"""In-memory store implementing the ports, plus a tiny field-record domain, for unit and property tests.

Transactions copy the state on begin and restore it unless committed, and a lock serialises them, so
the engine sees the same all-or-nothing behaviour as on a database. ``transient`` injects store faults.
"""
from __future__ import annotations

import copy
import random
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from sync import merge
from sync.conflicts import ConflictRecord
from sync.log import Mutation
from sync.numbers import NumberBlock
from sync.ports import Parked, StoredResult
from sync.results import Outcome, Rejected, Status, Waiting
from sync.waiting import missing_entity


class TransientFault(Exception):
    """What a locked/deadlocked database raises: nothing was written, retry the request."""


@dataclass
class MemoryState:
    last_seq: dict[str, int] = field(default_factory=dict)
    results: dict[str, tuple[str, StoredResult]] = field(default_factory=dict)  # mutation id -> (client, result)
    by_seq: dict[tuple[str, int], str] = field(default_factory=dict)
    parked: dict[str, Parked] = field(default_factory=dict)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> {"version", "fields"}
    changes: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)  # mutation ids in the order their effects committed
    blocks: list[NumberBlock] = field(default_factory=list)
    used_numbers: dict[tuple[int, str, int, int], str] = field(default_factory=dict)


class MemoryTx:
    def __init__(self, store: "InMemoryStore"):
        self.store, self.state, self.committed = store, store.state, False

    # --- SyncTx ---
    @contextmanager
    def savepoint(self) -> Iterator[None]:
        snapshot = copy.deepcopy(self.state)
        try:
            yield
        except BaseException:
            self.state = self.store.state = snapshot
            raise

    def lock_client(self, client_id: str) -> int:
        return self.state.last_seq.get(client_id, 0)

    def stored_result(self, client_id: str, seq: int) -> StoredResult | None:
        mutation_id = self.state.by_seq.get((client_id, seq))
        return copy.deepcopy(self.state.results[mutation_id][1]) if mutation_id else None

    def mutation_recorded(self, mutation_id: str) -> bool:
        return mutation_id in self.state.results

    def recorded_among(self, mutation_ids: list[str]) -> set[str]:
        return {i for i in mutation_ids if i in self.state.results}

    def save_result(self, client_id: str, result: StoredResult) -> None:
        self.state.results[result.mutation_id] = (client_id, copy.deepcopy(result))
        self.state.by_seq[(client_id, result.seq)] = result.mutation_id

    def set_last_seq(self, client_id: str, seq: int) -> None:
        self.state.last_seq[client_id] = seq

    def park(self, client_id: str, mutation: Mutation, context: dict, waiting_for: list[str]) -> None:
        self.state.parked[mutation.id] = Parked(client_id, mutation, dict(context), list(waiting_for))

    def claim_parked(self, mutation_id: str) -> Parked | None:
        return self.state.parked.get(mutation_id)

    def unpark(self, mutation_id: str) -> None:
        self.state.parked.pop(mutation_id, None)

    def dead_letter(self, client_id: str, mutation: Mutation, trace_id: str, error: str) -> None:
        self.state.dead_letters.append({"client_id": client_id, "mutation": mutation.as_dict(), "trace_id": trace_id,
                                        "error": error})

    def commit(self) -> None:
        if self.store.rng is not None and self.store.rng.random() < self.store.transient:
            raise TransientFault("database is locked (injected)")
        self.committed = True

    # --- NumberBlockTx ---
    def highest_leased(self, unit_id: int, doc_type: str, year: int) -> int | None:
        ends = [b.end for b in self.state.blocks if (b.unit_id, b.doc_type, b.year) == (unit_id, doc_type, year)]
        return max(ends) if ends else None

    def add_block(self, unit_id, doc_type, year, start, end, device_id, officer_id) -> NumberBlock:
        block = NumberBlock(len(self.state.blocks) + 1, unit_id, doc_type, year, start, end, device_id, officer_id)
        self.state.blocks.append(block)
        return block

    def get_block(self, block_id: int) -> NumberBlock | None:
        return next((b for b in self.state.blocks if b.id == block_id), None)

    def number_used(self, unit_id: int, doc_type: str, year: int, number: int) -> bool:
        return (unit_id, doc_type, year, number) in self.state.used_numbers

    def mark_number_used(self, block: NumberBlock, number: int, document_id: str) -> None:
        key = (block.unit_id, block.doc_type, block.year, number)
        if key in self.state.used_numbers:  # the unique-constraint backstop
            raise Rejected("number-already-used", f"编号 {number} 已被使用", {"number": number})
        self.state.used_numbers[key] = document_id

    # --- the field-record domain ---
    def publish(self, entity_id: str) -> None:
        entity = self.state.entities[entity_id]
        self.state.changes.append({"seq": len(self.state.changes) + 1, "entity_id": entity_id,
                                   "version": entity["version"], "fields": copy.deepcopy(entity["fields"])})

    def add_conflict(self, record: ConflictRecord, mutation_id: str, client_id: str) -> None:
        self.state.conflicts.append({"id": len(self.state.conflicts) + 1, "mutation_id": mutation_id,
                                     "client_id": client_id, "record": record, "resolution": None})


class InMemoryStore:
    def __init__(self, transient: float = 0.0, seed: int | None = None):
        self.state = MemoryState()
        self.transient = transient
        self.rng = random.Random(seed) if transient else None
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[MemoryTx]:
        with self._lock:
            snapshot = copy.deepcopy(self.state)
            tx = MemoryTx(self)
            try:
                yield tx
            finally:
                if not tx.committed:
                    self.state = snapshot

    def parked_for(self, keys: Iterable[str] | None, client_id: str | None = None) -> list[Parked]:
        with self._lock:
            wanted = None if keys is None else set(keys)
            found = [p for p in self.state.parked.values()
                     if wanted is None or wanted & set(p.waiting_for) or p.client_id == client_id]
            return sorted(copy.deepcopy(found), key=lambda p: (p.client_id, p.mutation.seq))

    def changes_after(self, cookie: int, limit: int = 100) -> tuple[list[dict[str, Any]], int, bool]:
        with self._lock:
            page = self.state.changes[cookie:cookie + limit]
            return copy.deepcopy(page), cookie + len(page), cookie + len(page) < len(self.state.changes)


def apply_record_mutation(tx: MemoryTx, client_id: str, m: Mutation, context: dict) -> Outcome:
    """``record.create {id, fields}`` / ``record.update {id, base_version, base, changes}`` with the real merge."""
    args = m.args
    if m.name == "record.create":
        if args["id"] in tx.state.entities:
            raise Rejected("entity-exists", "记录已存在")
        tx.state.entities[args["id"]] = {"version": 1, "fields": dict(args.get("fields", {}))}
        tx.publish(args["id"])
        tx.state.applied.append(m.id)
        return Outcome(Status.APPLIED, entity_refs=[{"type": "record", "id": args["id"]}])
    if m.name == "record.update":
        entity = tx.state.entities.get(args["id"])
        if entity is None:
            raise Waiting([missing_entity("record", args["id"])])
        if set(args["changes"]) - set(args["base"]):
            raise Rejected("base-missing", "修改的每个字段都必须附带修改前的值")
        result = merge.three_way(args["base"], entity["fields"], args["changes"], args.get("base_version"),
                                 entity["version"])
        for conflict in result.conflicts:
            tx.add_conflict(ConflictRecord("record", args["id"], conflict.field, conflict.base, conflict.server,
                                           conflict.device), m.id, client_id)
        if result.updates:
            entity["fields"].update(result.updates)
            entity["version"] += 1
            tx.publish(args["id"])
        tx.state.applied.append(m.id)
        return Outcome(result.status, code="field-conflict" if result.conflicts else None,
                       entity_refs=[{"type": "record", "id": args["id"], "version": entity["version"]}],
                       details={"conflicts": [c.field for c in result.conflicts]} if result.conflicts else {})
    raise Rejected("unknown-mutation", f"未知的变更类型：{m.name}")
