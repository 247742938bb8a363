"""首违不罚 / 简易程序 / 普通程序: which procedure a violation allows, and why (说理式执法).

Pure and deterministic on plain dicts so the PWA runs the same rules offline
(``pwa/js/domain/eligibility.js``); both are tested against ``tests/vectors/eligibility.json``.
Change one, change the other and the vectors.

Law applied:
- 《行政处罚法》第三十三条第一款: first violation, slight harm, corrected in time → may be exempt.
- 交法发〔2021〕115号: the national list of exemptable road-transport items (catalog ``minor_exemption``).
- 《行政处罚法》第五十一条: on-the-spot decision only for ≤200 yuan (person) / ≤3000 yuan (organisation)
  or a warning.
"""
from __future__ import annotations

from typing import Any

MINOR_EXEMPT = "minor_exempt"
SIMPLE = "simple"
ORDINARY = "ordinary"
PROCEDURE_NAMES = {MINOR_EXEMPT: "不予处罚（告知承诺）", SIMPLE: "简易程序（当场处罚）", ORDINARY: "普通程序"}

# 行政处罚法 art. 51, in fen.
SIMPLE_LIMIT_FEN = {"person": 20000, "organisation": 300000}
HARM_LEVELS = ("none", "slight", "serious")


def yuan(fen: int) -> str:
    """Money for documents: 200元 / 1500.50元 (fen in, never floats in storage)."""
    whole, cents = divmod(int(fen), 100)
    return f"{whole}元" if cents == 0 else f"{whole}.{cents:02d}元"


def _reason(reasons: list[dict[str, str]], code: str, text: str) -> None:
    reasons.append({"code": code, "text": text})


def decide(entry: dict[str, Any], facts: dict[str, Any], history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Decide the procedure for one violation.

    entry: catalog entry (code, never_exempt, minor_exemption, min/max_fine_fen, warning_allowed, discretion_bands)
    facts: first_violation (bool|None: the officer's own finding), harm ('none'|'slight'|'serious'),
           corrected_on_spot (bool), party_kind ('person'|'organisation'), proposed_fine_fen (int|None),
           warning (bool: the officer proposes a warning instead of a fine)
    history: the party's earlier violations known to whoever decides: [{catalog_code, ...}]
    """
    history = history or []
    reasons: list[dict[str, str]] = []
    harm = facts.get("harm") or "none"
    if harm not in HARM_LEVELS:
        raise ValueError(f"harm must be one of {HARM_LEVELS}")
    party_kind = facts.get("party_kind") or "person"
    corrected = bool(facts.get("corrected_on_spot"))
    prior = [h for h in history if h.get("catalog_code") == entry["code"]]

    if prior:
        first_time = False
        _reason(reasons, "prior-violation", f"当事人此前已有{len(prior)}次同类违法记录，不属于初次违法")
    elif facts.get("first_violation") is False:
        first_time = False
        _reason(reasons, "not-first-violation", "经执法人员核查，当事人不属于初次违法")
    else:
        first_time = True
        _reason(reasons, "first-violation", "经核查，未发现当事人同类违法记录，属于初次违法")

    exemption = entry.get("minor_exemption") or None
    correction_days = int(exemption.get("correction_days") or 0) if exemption else 0
    minor_ok = False
    if entry.get("never_exempt"):
        _reason(reasons, "never-exempt", "该违法行为涉及运输安全，属于不得免予处罚的事项")
    elif not exemption:
        _reason(reasons, "not-on-minor-list", "该违法行为不在《交通运输行政执法领域轻微违法行为免予处罚事项清单》内")
    elif not first_time:
        _reason(reasons, "minor-needs-first", "首违不罚仅适用于初次违法")
    elif harm == "serious":
        _reason(reasons, "harm-not-slight", "违法行为的危害后果不属轻微，不适用首违不罚")
    elif not corrected and correction_days == 0:
        _reason(reasons, "not-corrected", "当事人未当场改正，不符合免予处罚条件")
    else:
        minor_ok = True
        conditions = "、".join(exemption.get("conditions") or [])
        _reason(reasons, "minor-exempt",
                f"符合《中华人民共和国行政处罚法》第三十三条第一款及{exemption.get('list') or '免罚清单'}规定的"
                f"首违不罚条件（{conditions}），依法不予行政处罚，并对当事人进行教育")
        if not corrected:
            _reason(reasons, "correction-promised", f"当事人承诺于{correction_days}日内改正违法行为")

    result: dict[str, Any] = {"first_time": first_time, "correction_days": correction_days, "reasons": reasons,
                              "warning": False, "band_tier": None, "errors": []}
    if minor_ok:
        result.update(outcome=MINOR_EXEMPT, allowed=[MINOR_EXEMPT, ORDINARY], fine_fen=0, band_tier=0)
        return result

    # Discretion band (裁量基准): repeat, serious harm or no correction → the upper band.
    bands = sorted((b for b in entry.get("discretion_bands") or [] if int(b.get("max_fen") or 0) > 0),
                   key=lambda b: int(b.get("tier") or 0))
    aggravated = (not first_time) or harm == "serious" or not corrected
    wanted_tier = 2 if aggravated else 1
    band = None
    for candidate in bands:
        if int(candidate.get("tier") or 0) <= wanted_tier:
            band = candidate
    if band is None and bands:
        band = bands[0]
    if band is not None:
        result["band_tier"] = int(band.get("tier") or 0)
        _reason(reasons, "discretion-band",
                f"裁量等级：{band['level']}（{band['condition']}），{band['reason']}；"
                f"该等级罚款幅度为{yuan(band['min_fen'])}至{yuan(band['max_fen'])}")

    if facts.get("warning"):
        if entry.get("warning_allowed"):
            result.update(outcome=SIMPLE, allowed=[SIMPLE, ORDINARY], fine_fen=0, warning=True)
            _reason(reasons, "warning", "依法给予警告，可以当场作出行政处罚决定（《中华人民共和国行政处罚法》第五十一条）")
            return result
        result["errors"].append({"code": "warning-not-allowed", "text": "该违法行为的罚则没有规定警告，不能给予警告"})

    proposed = facts.get("proposed_fine_fen")
    fine = int(proposed) if proposed is not None else int(band["min_fen"] if band else entry.get("min_fine_fen") or 0)
    result["fine_fen"] = fine
    if fine < int(entry.get("min_fine_fen") or 0) or fine > int(entry.get("max_fine_fen") or 0):
        result["errors"].append({"code": "fine-outside-statutory-range",
                                 "text": f"罚款{yuan(fine)}超出法定幅度（{yuan(entry.get('min_fine_fen') or 0)}至"
                                         f"{yuan(entry.get('max_fine_fen') or 0)}）"})
    out_of_band = band is not None and not (int(band["min_fen"]) <= fine <= int(band["max_fen"]))
    if out_of_band:
        _reason(reasons, "fine-outside-band", "拟罚款数额超出对应裁量等级，应在普通程序中说明理由并经法制审核")

    limit = SIMPLE_LIMIT_FEN.get(party_kind, SIMPLE_LIMIT_FEN["person"])
    who = "公民" if party_kind == "person" else "法人或者其他组织"
    if fine <= limit and not out_of_band:
        result.update(outcome=SIMPLE, allowed=[SIMPLE, ORDINARY])
        _reason(reasons, "simple-procedure",
                f"违法事实确凿并有法定依据，对{who}处以{yuan(fine)}罚款，未超过《中华人民共和国行政处罚法》"
                f"第五十一条规定的当场处罚限额（{yuan(limit)}），可以适用简易程序当场作出行政处罚决定")
    else:
        result.update(outcome=ORDINARY, allowed=[ORDINARY])
        if fine > limit:
            _reason(reasons, "above-simple-limit",
                    f"拟对{who}处以{yuan(fine)}罚款，超过《中华人民共和国行政处罚法》第五十一条规定的当场处罚限额"
                    f"（{yuan(limit)}），应当适用普通程序")
    return result
