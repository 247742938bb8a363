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

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.models import AuditEntry, AuditHead
from server.domain.timeutil import utcnow

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, chain: int, seq: int, actor_id: int | None, device_id: str | None, action: str,
               entity_type: str, entity_id: str, data: dict, at: datetime) -> str:
    body = canonical([prev_hash, chain, seq, actor_id, device_id, action, entity_type, entity_id, data,
                      at.isoformat(timespec="microseconds")])
    return hashlib.sha256(body.encode()).hexdigest()


def append(session: Session, *, chain: int, actor_id: int | None, device_id: str | None, action: str,
           entity_type: str, entity_id: str | int, data: dict) -> AuditEntry:
    head = session.execute(
        select(AuditHead).where(AuditHead.chain == chain).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(chain=chain, last_seq=0, last_hash=GENESIS)
        session.add(head)
        session.flush()
    # Round-trip through JSON so the hash covers exactly what the database will store.
    data = json.loads(canonical(data))
    at = utcnow()
    seq = head.last_seq + 1
    digest = entry_hash(head.last_hash, chain, seq, actor_id, device_id, action, entity_type, str(entity_id), data, at)
    entry = AuditEntry(chain=chain, seq=seq, actor_id=actor_id or None, device_id=device_id, action=action,
                       entity_type=entity_type, entity_id=str(entity_id), data=data, at=at,
                       prev_hash=head.last_hash, hash=digest)
    session.add(entry)
    head.last_seq = seq
    head.last_hash = digest
    return entry


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
