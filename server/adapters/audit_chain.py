"""Hash-chained audit log: each entry holds the hash of the previous entry of its chain.

Chains are per unit so that writers of different units do not serialise on one row.
Editing any stored entry (or deleting one) breaks the chain at that point; ``verify`` finds it.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from server.adapters.models import AuditEntry, AuditHead
from server.domain.timeutil import utcnow

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


_SCALARS = (str, int, float, bool, type(None))


class _NotPlain(Exception):
    pass


def _plain_copy(value: Any) -> Any:
    # Scalars are tested inline: a payload is mostly scalars, and a call per value would double the cost.
    kind = type(value)
    if kind is dict:
        return {k if type(k) is str else _refuse(): v if type(v) in _SCALARS else _plain_copy(v)
                for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _SCALARS else _plain_copy(v) for v in value]
    if kind in _SCALARS:
        return value
    raise _NotPlain  # datetimes, decimals, tuples, subclasses: the JSON round trip decides what they become


def _refuse() -> str:
    raise _NotPlain


def as_stored(value: Any) -> Any:
    """A copy of ``value`` as the database's JSON column will give it back: dates and decimals become strings,
    tuples lists. Plain JSON (most payloads) is copied directly, without the round trip through text; a copy
    either way, so a caller changing its dict afterwards cannot change what was hashed."""
    try:
        return _plain_copy(value)
    except _NotPlain:
        return json.loads(canonical(value))


def entry_hash(prev_hash: str, chain: int, seq: int, actor_id: int | None, device_id: str | None, action: str,
               entity_type: str, entity_id: str, data: dict, at: datetime) -> str:
    body = canonical([prev_hash, chain, seq, actor_id, device_id, action, entity_type, entity_id, data,
                      at.isoformat(timespec="microseconds")])
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class Pending:
    """An entry waiting for its place in the chain (``server.adapters.journal`` writes it at commit)."""

    chain: int
    actor_id: int | None
    device_id: str | None
    action: str
    entity_type: str
    entity_id: str
    data: Any
    at: datetime


def pending(*, chain: int, actor_id: int | None, device_id: str | None, action: str, entity_type: str,
            entity_id: str | int, data: dict) -> Pending:
    # Round-trip through JSON so the hash covers exactly what the database will store.
    return Pending(chain, actor_id or None, device_id, action, entity_type, str(entity_id),
                   as_stored(data), utcnow())


def append_many(session: Session, entries: list[Pending]) -> None:
    """Chain and insert ``entries`` (in their order within each chain). Heads are locked in ascending chain
    order, so two writers touching the same chains cannot deadlock."""
    by_chain: dict[int, list[Pending]] = {}
    for entry in entries:
        by_chain.setdefault(entry.chain, []).append(entry)
    rows: list[dict[str, Any]] = []
    for chain in sorted(by_chain):
        seq, last_hash = _lock_head(session, chain)
        for e in by_chain[chain]:
            seq += 1
            digest = entry_hash(last_hash, chain, seq, e.actor_id, e.device_id, e.action, e.entity_type, e.entity_id,
                                e.data, e.at)
            rows.append({"chain": chain, "seq": seq, "actor_id": e.actor_id, "device_id": e.device_id,
                         "action": e.action, "entity_type": e.entity_type, "entity_id": e.entity_id, "data": e.data,
                         "at": e.at, "prev_hash": last_hash, "hash": digest})
            last_hash = digest
        session.connection().execute(update(AuditHead.__table__).where(AuditHead.__table__.c.chain == chain)
                                     .values(last_seq=seq, last_hash=last_hash))
    session.connection().execute(insert(AuditEntry.__table__), rows)


def _lock_head(session: Session, chain: int) -> tuple[int, str]:
    heads = AuditHead.__table__
    locked = select(heads.c.last_seq, heads.c.last_hash).where(heads.c.chain == chain).with_for_update()
    row = session.execute(locked).first()
    if row is None:  # a new chain: two first writers must not both create its head
        dialect = session.get_bind().dialect.name
        upsert = {"postgresql": pg_insert, "sqlite": sqlite_insert}.get(dialect)
        if upsert is None:
            session.execute(insert(heads).values(chain=chain, last_seq=0, last_hash=GENESIS))
            return 0, GENESIS
        session.execute(upsert(heads).values(chain=chain, last_seq=0, last_hash=GENESIS)
                        .on_conflict_do_nothing(index_elements=["chain"]))
        row = session.execute(locked).first()
    return row.last_seq, row.last_hash


@dataclass(frozen=True)
class Break:
    chain: int
    seq: int
    entry_id: int
    reason: str


def verify(session: Session, chains: Iterable[int] | None = None) -> list[Break]:
    """Recompute every chain; return the first broken link of each broken chain (empty list = intact)."""
    heads = {h.chain: h for h in session.scalars(select(AuditHead))}
    wanted = sorted(heads) if chains is None else sorted(chains)
    breaks: list[Break] = []
    for chain in wanted:
        prev, expected_seq, found = GENESIS, 1, None
        rows = session.execute(
            select(AuditEntry).where(AuditEntry.chain == chain).order_by(AuditEntry.seq)
            .execution_options(yield_per=1000)
        ).scalars()
        for row in rows:
            if row.seq != expected_seq:
                found = Break(chain, expected_seq, row.id, f"缺少第 {expected_seq} 条审计记录（可能被删除）")
                break
            if row.prev_hash != prev:
                found = Break(chain, row.seq, row.id, "前一条记录的哈希不匹配（链被篡改）")
                break
            digest = entry_hash(prev, chain, row.seq, row.actor_id, row.device_id, row.action, row.entity_type,
                                row.entity_id, row.data, row.at)
            if digest != row.hash:
                found = Break(chain, row.seq, row.id, "记录内容与哈希不符（记录被修改）")
                break
            prev, expected_seq = row.hash, expected_seq + 1
        if found is None and chain in heads and (heads[chain].last_seq != expected_seq - 1 or heads[chain].last_hash != prev):
            found = Break(chain, expected_seq, 0, "链尾与记录不一致（末尾记录被删除或链头被修改）")
        if found:
            breaks.append(found)
    return breaks
