"""Document number blocks (文书编号号段): leased online per device, used offline, checked on push.

``use_leased_number`` is what a handler (``document.issue``) calls inside its transaction: it refuses
a number outside the device's block or already used (``sync.Rejected``, recorded as the mutation's result)
and records the use, so a second use of the same number can never commit.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from server.adapters.models import NumberBlock as BlockRow
from server.adapters.models import NumberUse, Unit
from server.domain.actor import Actor
from server.domain.errors import ConflictError
from server.domain.documents import DOC_TYPES
from server.domain.timeutil import local_today
from server.services.scope import get_unit_in_scope
from server.services.uow import UnitOfWork
from sync import Rejected
from sync.numbers import DEFAULT_BLOCK_SIZE, NumberBlock, check_number, next_block


def _view(row: BlockRow) -> NumberBlock:
    return NumberBlock(row.id, row.unit_id, row.doc_type, row.year, row.start, row.end, row.device_id, row.officer_id)


def lease_block(uow: UnitOfWork, actor: Actor, *, doc_type: str, year: int | None = None, size: int | None = None,
                unit_id: int | None = None, now: datetime | None = None) -> NumberBlock:
    """Lease the next free range for the actor's device. Serialised per unit by locking the unit row."""
    if doc_type not in DOC_TYPES:
        raise Rejected("doc-type-unknown", f"未知的文书种类：{doc_type}", {"allowed": sorted(DOC_TYPES)})
    if not actor.device_id:
        raise Rejected("device-required", "只有登记的设备可以领取文书编号号段")
    year = year or local_today(now).year
    unit_id = unit_id or actor.unit_id
    # SQLite has no row locks: two leases can read the same highest number. The unique key on
    # (unit, doc type, year, start) refuses the loser, which re-reads and takes the next range.
    for attempt in range(5):
        try:
            return _lease_once(uow, actor, doc_type=doc_type, year=year, size=size, unit_id=unit_id)
        except IntegrityError:
            uow.rollback()
    raise ConflictError("number-block-busy", "文书编号号段正在被其他设备领取，请稍后重试")


def _lease_once(uow: UnitOfWork, actor: Actor, *, doc_type: str, year: int, size: int | None,
                unit_id: int) -> NumberBlock:
    with uow:
        get_unit_in_scope(uow.session, unit_id, actor)
        uow.session.execute(select(Unit.id).where(Unit.id == unit_id).with_for_update())
        highest = uow.session.scalar(select(func.max(BlockRow.end)).where(
            BlockRow.unit_id == unit_id, BlockRow.doc_type == doc_type, BlockRow.year == year))
        start, end = next_block(highest, size or DEFAULT_BLOCK_SIZE)
        row = BlockRow(unit_id=unit_id, doc_type=doc_type, year=year, start=start, end=end,
                       device_id=actor.device_id, officer_id=actor.officer_id)
        uow.session.add(row)
        uow.session.flush()
        uow.record(actor, "number_block.lease", "number_block", row.id,
                   {"doc_type": doc_type, "year": year, "start": start, "end": end, "device_id": actor.device_id},
                   unit_id=unit_id, publish=False)
        uow.commit()
        return _view(row)


def check_leased_number(uow: UnitOfWork, *, device_id: str, unit_id: int, doc_type: str, year: int, block_id: int,
                        number: int) -> NumberBlock:
    """Is ``number`` inside a block leased to ``device_id`` for (unit, doc type, year), and unused? Read-only."""
    row = uow.session.get(BlockRow, block_id)
    block = _view(row) if row else None
    used = uow.session.scalar(select(NumberUse.id).where(
        NumberUse.unit_id == unit_id, NumberUse.doc_type == doc_type, NumberUse.year == year,
        NumberUse.number == number)) is not None
    check_number(block, device_id=device_id, unit_id=unit_id, doc_type=doc_type, year=year, number=number, used=used)
    return block


def use_leased_number(uow: UnitOfWork, *, device_id: str, unit_id: int, doc_type: str, year: int, block_id: int,
                      number: int, document_id: str) -> NumberBlock:
    """``check_leased_number`` + record the use, inside the caller's transaction (the caller commits).

    Raises ``sync.Rejected`` (number-block-unknown / -not-yours / -mismatch, number-outside-block,
    number-already-used). A concurrent use of the same number loses on the unique key and gets the same
    ``number-already-used`` refusal (the savepoint keeps the caller's transaction usable).
    """
    block = check_leased_number(uow, device_id=device_id, unit_id=unit_id, doc_type=doc_type, year=year,
                                block_id=block_id, number=number)
    try:
        with uow.session.begin_nested():
            uow.session.add(NumberUse(block_id=block.id, unit_id=unit_id, doc_type=doc_type, year=year,
                                      number=number, document_id=document_id))
    except IntegrityError:
        raise Rejected("number-already-used", f"编号 {number} 已被使用", {"number": number}) from None
    return block
