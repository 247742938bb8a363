"""Ports the sync engine needs from a store (Cosmic Python: the core talks to protocols, adapters implement them).

``server/adapters/sync_store.py`` implements them on SQLAlchemy; ``sync.memory`` in memory for unit tests.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ContextManager, Iterable, Protocol

from sync.log import Mutation
from sync.numbers import NumberBlock


@dataclass
class StoredResult:
    """What a client gets back for one mutation, now and on every replay."""

    mutation_id: str
    seq: int
    name: str
    status: str
    code: str | None = None
    message: str | None = None
    entity_refs: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.mutation_id, "seq": self.seq, "name": self.name, "status": self.status,
                               "entity_refs": self.entity_refs}
        if self.code:
            out["code"] = self.code
        if self.message:
            out["message"] = self.message
        if self.details:
            out["details"] = self.details
        return out


@dataclass
class Parked:
    client_id: str
    mutation: Mutation
    context: dict[str, Any]
    waiting_for: list[str]


class SyncTx(Protocol):
    """One transaction. Leaving it without ``commit`` rolls back everything done through it."""

    def savepoint(self) -> ContextManager[None]:
        """A nested transaction: an exception leaving the block undoes exactly what was done inside it."""

    def lock_client(self, client_id: str) -> int:
        """``last_seq`` of the client, locked until the transaction ends (concurrent pushes serialise)."""

    def stored_result(self, client_id: str, seq: int) -> StoredResult | None: ...

    def mutation_recorded(self, mutation_id: str) -> bool: ...

    def recorded_among(self, mutation_ids: list[str]) -> set[str]:
        """Which of ``mutation_ids`` already have a result (one lookup for a whole group)."""

    def save_result(self, client_id: str, result: StoredResult) -> None:
        """Insert, or replace the result of the same mutation id (a parked mutation settling). Writes made
        before it must reach the store by the time it returns, so their constraint failures surface here."""

    def set_last_seq(self, client_id: str, seq: int) -> None: ...

    def park(self, client_id: str, mutation: Mutation, context: dict[str, Any], waiting_for: list[str]) -> None: ...

    def claim_parked(self, mutation_id: str) -> Parked | None:
        """The parked mutation, locked; ``None`` if another worker settled it meanwhile."""

    def unpark(self, mutation_id: str) -> None: ...

    def dead_letter(self, client_id: str, mutation: Mutation, trace_id: str, error: str) -> None: ...

    def commit(self) -> None: ...


class SyncStore(Protocol):
    def transaction(self) -> ContextManager[SyncTx]: ...

    def parked_for(self, keys: Iterable[str] | None, client_id: str | None = None) -> list[Parked]:
        """Parked mutations waiting for any of ``keys`` (all when ``None``) or parked by ``client_id``,
        ordered by client then seq."""


class NumberBlockTx(Protocol):
    """Number-block leasing inside a transaction (the adapter serialises leases per unit)."""

    def highest_leased(self, unit_id: int, doc_type: str, year: int) -> int | None: ...

    def add_block(self, unit_id: int, doc_type: str, year: int, start: int, end: int, device_id: str,
                  officer_id: int) -> NumberBlock: ...

    def get_block(self, block_id: int) -> NumberBlock | None: ...

    def number_used(self, unit_id: int, doc_type: str, year: int, number: int) -> bool: ...

    def mark_number_used(self, block: NumberBlock, number: int, document_id: str) -> None: ...
