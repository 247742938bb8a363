"""Document number (文书编号) blocks: leased online, issued offline, checked on push.

Numbering is per (unit, doc type, year). A block is a closed range [start, end] leased to one device.
A number is usable by a device when it lies inside a block leased to that device for the same unit,
doc type and year, and has not been used yet. The database unique constraint is the backstop.
"""
from __future__ import annotations

from dataclasses import dataclass

from sync.results import Rejected

DEFAULT_BLOCK_SIZE = 50
MAX_BLOCK_SIZE = 500


@dataclass(frozen=True)
class NumberBlock:
    id: int
    unit_id: int
    doc_type: str
    year: int
    start: int
    end: int
    device_id: str
    officer_id: int

    def __contains__(self, number: int) -> bool:
        return self.start <= number <= self.end


def next_block(highest_leased: int | None, size: int) -> tuple[int, int]:
    """The range the next lease gets: right after the highest number ever leased (never reused)."""
    if not 1 <= size <= MAX_BLOCK_SIZE:
        raise Rejected("block-size-invalid", f"号段大小必须在 1 到 {MAX_BLOCK_SIZE} 之间", {"size": size})
    start = (highest_leased or 0) + 1
    return start, start + size - 1


def check_number(block: NumberBlock | None, *, device_id: str, unit_id: int, doc_type: str, year: int,
                 number: int, used: bool) -> None:
    """Raise ``Rejected`` with a stable code unless the device may issue ``number`` from ``block``."""
    if block is None:
        raise Rejected("number-block-unknown", "文书编号所属号段不存在，请联网重新领取号段")
    if block.device_id != device_id:
        raise Rejected("number-block-not-yours", "该号段不是发给本设备的，不能使用其中的编号",
                       {"block_id": block.id})
    if (block.unit_id, block.doc_type, block.year) != (unit_id, doc_type, year):
        raise Rejected("number-block-mismatch", "号段的单位、文书种类或年度与文书不符",
                       {"block_id": block.id, "block": [block.unit_id, block.doc_type, block.year],
                        "document": [unit_id, doc_type, year]})
    if number not in block:
        raise Rejected("number-outside-block", f"编号 {number} 不在号段 {block.start}–{block.end} 内",
                       {"block_id": block.id, "start": block.start, "end": block.end, "number": number})
    if used:
        raise Rejected("number-already-used", f"编号 {number} 已被使用", {"number": number})
