"""事后公示 — the masked text of a penalty decision for the government website (国办发〔2018〕118号: within 7 working
days). Masking follows the 法释〔2016〕19号 convention the domain sheet names: a natural person as surname + 某;
ID-card numbers, phone numbers, bank accounts, addresses and plates removed; organisations stay named (their
legal representative is a person and is masked). Pure functions over the document's stored data and context.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

REMOVED = "×××"
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
                     "令狐", "夏侯", "独孤", "西门", "南宫", "端木", "轩辕", "呼延")

# Patterns for what free text (the officer's facts, a statement) may hold beyond the known party fields.
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                      r"(?![0-9A-Za-z])")
_BANK_ACCOUNT = re.compile(r"(?<!\d)\d{16,19}(?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-\d{7,8}(?!\d)")
_PLATE = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][·•]?"
                    r"[A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警]")
PATTERNS = (_ID_CARD, _BANK_ACCOUNT, _MOBILE, _LANDLINE, _PLATE)


def mask_name(name: str) -> str:
    """刘某军 → 刘某; 欧阳明 → 欧阳某. An empty name stays empty."""
    name = (name or "").strip()
    if not name:
        return ""
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES else name[0]
    return surname + "某"


def redact(text: str, *, persons: Iterable[str] = (), removed: Iterable[str] = ()) -> str:
    """``text`` with each person's name masked, each known private value removed, then every pattern removed."""
    out = text or ""
    for value in sorted({v for v in removed if v and len(v) >= 2}, key=len, reverse=True):
        out = out.replace(value, REMOVED)
    for name in sorted({p for p in persons if p}, key=len, reverse=True):
        out = out.replace(name, mask_name(name))
    for pattern in PATTERNS:
        out = pattern.sub(REMOVED, out)
    return out


def publication_record(data: Mapping[str, Any], ctx: Mapping[str, Any]) -> dict[str, Any]:
    """The 公示 fields of one decision: number, party, violation, facts, basis, penalty, authority, date."""
    party = data.get("party") or {}
    vehicle = data.get("vehicle") or {}
    person = party.get("kind") != "organisation"
    persons = [party.get("name") if person else None, party.get("legal_representative")]
    removed = [party.get("id_number") if person else None, party.get("phone"), party.get("address"), vehicle.get("plate")]

    def clean(value: str) -> str:
        return redact(value, persons=persons, removed=removed)

    return {
        "title": f"{ctx['authority']}行政处罚决定信息公示",
        "number": ctx["number"],
        "party": mask_name(party.get("name", "")) if person else party.get("name", ""),
        "party_kind": "自然人" if person else "法人或者其他组织",
        "credit_code": None if person else party.get("id_number"),  # 统一社会信用代码 is public for organisations
        "violation": ctx["violation"],
        "facts": clean(ctx["facts"]),
        "basis": [clean(b) for b in ctx["basis"]],
        "penalty": ctx["penalty"],
        "authority": ctx["authority"],
        "decided_on": ctx["issued_date"],
    }


def as_text(record: Mapping[str, Any]) -> str:
    """Plain text to paste into the publication system, one labelled line per field."""
    lines = [record["title"], f"行政处罚决定书文号：{record['number']}",
             f"当事人：{record['party']}（{record['party_kind']}）"]
    if record.get("credit_code"):
        lines.append(f"统一社会信用代码：{record['credit_code']}")
    lines += [f"违法行为：{record['violation']}", f"违法事实：{record['facts']}",
              "处罚依据：" + "；".join(record["basis"]), f"处罚内容：{record['penalty']}",
              f"处罚机关：{record['authority']}", f"作出处罚决定日期：{record['decided_on']}"]
    return "\n".join(lines)
