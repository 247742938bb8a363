"""执法文书: document types, numbers, which procedure allows which document, and the render context.

``build_context`` is pure and ported to ``pwa/js/documents/context.js`` so a document issued offline on the
phone and the server's rendering of the same data are word for word the same (checked by a parity test).
Templates (``server/templates/documents``) only lay the context out; every legal sentence that depends on
data is assembled here.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from server.domain.eligibility import MINOR_EXEMPT, ORDINARY, SIMPLE, SIMPLE_LIMIT_FEN, yuan
from server.domain.errors import DomainError

# doc_type -> (title, number abbreviation)
DOC_TYPES: dict[str, tuple[str, str]] = {
    "on_site_record": ("现场笔录", "笔"),
    "violation_notice": ("违法行为通知书", "违通"),
    "on_spot_decision": ("当场行政处罚决定书", "当罚"),
    "correction_notice": ("责令改正违法行为通知书", "责改"),
    "commitment_letter": ("交通运输轻微违法行为免予处罚告知承诺书", "承诺"),
    "no_penalty_decision": ("不予行政处罚决定书", "不罚"),
    "penalty_decision": ("行政处罚决定书", "罚决"),  # 普通程序 (art. 59), only after 法制审核 (domain.legal_review)
}
# Which documents each procedure may produce.
PROCEDURE_DOCS: dict[str, set[str]] = {
    MINOR_EXEMPT: {"on_site_record", "commitment_letter", "no_penalty_decision", "correction_notice"},
    SIMPLE: {"on_site_record", "on_spot_decision", "correction_notice"},
    ORDINARY: {"on_site_record", "violation_notice", "correction_notice", "penalty_decision"},
}
SIGNER_ROLES = ("party", "officer", "second_officer", "witness")
PARTY_KIND_NAMES = {"person": "公民", "organisation": "法人或者其他组织"}

# 行政处罚决定 must be published within 7 working days (国办发〔2018〕118号).
PUBLISHABLE_DOC_TYPES = ("on_spot_decision", "penalty_decision")


def format_number(prefix: str, doc_type: str, year: int, seq: int) -> str:
    """呼交执新承诺〔2026〕0012号 — unit prefix + document type + 〔year〕 + sequence."""
    if doc_type not in DOC_TYPES:
        raise DomainError("doc-type-unknown", f"未知的文书种类：{doc_type}")
    if seq < 1:
        raise DomainError("number-invalid", "文书编号必须是正整数")
    return f"{prefix}{DOC_TYPES[doc_type][1]}〔{year}〕{seq:04d}号"


def ensure_procedure_allows(procedure: str, doc_type: str, decision: dict[str, Any], party_kind: str) -> None:
    """Refuse a document the chosen procedure (or the law) does not allow, naming the legal reason."""
    if doc_type not in DOC_TYPES:
        raise DomainError("doc-type-unknown", f"未知的文书种类：{doc_type}")
    if procedure not in decision.get("allowed", []):
        if procedure == MINOR_EXEMPT:
            codes = {r["code"] for r in decision.get("reasons", [])}
            if "never-exempt" in codes:
                raise DomainError("never-exempt-violation", "该违法行为涉及运输安全，属于不得免予处罚的事项，不能签订免予处罚告知承诺书",
                                  {"reasons": decision.get("reasons", [])})
            raise DomainError("not-eligible-for-exemption", "不符合首违不罚条件，不能签订免予处罚告知承诺书：" + "；".join(
                r["text"] for r in decision.get("reasons", []) if r["code"] not in ("first-violation",)),
                {"reasons": decision.get("reasons", [])})
        if procedure == SIMPLE:
            for error in decision.get("errors", []):  # a fine outside the statutory range is wrong in any procedure
                raise DomainError(error["code"], error["text"])
            limit = SIMPLE_LIMIT_FEN.get(party_kind, SIMPLE_LIMIT_FEN["person"])
            fine = decision.get("fine_fen") or 0
            if fine > limit:  # 以下 includes the limit itself: 200 yuan on a person may still be decided on the spot
                raise DomainError("fine-above-simple-limit",
                                  f"当场处罚仅限对{PARTY_KIND_NAMES.get(party_kind, '公民')}处以{yuan(limit)}以下罚款或者警告"
                                  f"（《中华人民共和国行政处罚法》第五十一条），本案拟罚款{yuan(fine)}，应当适用普通程序",
                                  {"fine_fen": fine, "limit_fen": limit})
            raise DomainError("simple-procedure-not-allowed", "不能当场处罚，应当适用普通程序：" + "；".join(
                r["text"] for r in decision.get("reasons", []) if r["code"] not in ("first-violation", "simple-procedure")),
                {"reasons": decision.get("reasons", [])})
        raise DomainError("procedure-not-allowed", "所选程序不适用于本案", {"allowed": decision.get("allowed", [])})
    if doc_type not in PROCEDURE_DOCS[procedure]:
        raise DomainError("doc-type-not-allowed-for-procedure",
                          f"{DOC_TYPES[doc_type][0]}不适用于所选程序",
                          {"procedure": procedure, "doc_type": doc_type})
    for error in decision.get("errors", []):
        raise DomainError(error["code"], error["text"])


# ---- formatting shared with the PWA (keep in step with context.js) ----

def date_cn(iso: str) -> str:
    d = date.fromisoformat(iso[:10])
    return f"{d.year}年{d.month}月{d.day}日"


def local_time_cn(iso_utc: str) -> str:
    """Asia/Shanghai (UTC+8, no DST since 1991) — fixed offset so the phone computes the same text."""
    moment = datetime.fromisoformat(iso_utc.replace("Z", "+00:00")).astimezone(timezone.utc) + timedelta(hours=8)
    return f"{moment.year}年{moment.month}月{moment.day}日{moment.hour:02d}时{moment.minute:02d}分"


def local_date_iso(iso_utc: str) -> str:
    moment = datetime.fromisoformat(iso_utc.replace("Z", "+00:00")).astimezone(timezone.utc) + timedelta(hours=8)
    return moment.date().isoformat()


def _party_rows(party: dict[str, Any], vehicle: dict[str, Any] | None) -> list[list[str]]:
    rows: list[list[str]] = []
    if party.get("kind") == "organisation":
        rows.append(["当事人（单位）", party.get("name") or ""])
        rows.append(["统一社会信用代码", party.get("id_number") or ""])
        rows.append(["法定代表人", party.get("legal_representative") or ""])
    else:
        rows.append(["当事人", party.get("name") or ""])
        rows.append(["身份证件号码", party.get("id_number") or ""])
    rows.append(["住所（地址）", party.get("address") or ""])
    rows.append(["联系电话", party.get("phone") or ""])
    if vehicle:
        rows.append(["车辆号牌", vehicle.get("plate") or ""])  # plate only: the phone may not know the colour
    return rows


SIGNER_NAMES = {"party": "当事人", "officer": "执法人员", "second_officer": "执法人员", "witness": "见证人"}


def signature_lines(signatures: list[dict[str, Any]]) -> list[str]:
    """One line per signature; a refusal is recorded with the witness or video note (拒绝签名)."""
    lines = []
    for sig in signatures:
        who = SIGNER_NAMES.get(sig.get("role") or "", sig.get("role") or "")
        if sig.get("refused"):
            witness = sig.get("witness") or "无"
            note = f"；{sig['note']}" if sig.get("note") else ""
            lines.append(f"{who}拒绝签名（见证人：{witness}{note}）")
        else:
            lines.append(f"{who}已签名（签名记录 {(sig.get('blob_sha256') or '')[:12]}）")
    return lines


def build_context(data: dict[str, Any]) -> dict[str, Any]:
    """Everything a template prints, from plain data (see module docstring)."""
    doc_type = data["doc_type"]
    title = DOC_TYPES[doc_type][0]
    entry = data["catalog"]
    party = data["party"]
    officers = data["officers"]
    decision = data["decision"]
    texts = data["texts"]
    deadlines = data.get("deadlines") or {}
    fine_fen = int(decision.get("fine_fen") or 0)
    party_name = party.get("name") or ""
    violation = entry["name"]
    occurred = local_time_cn(data["occurred_at"])
    issued = local_time_cn(data["issued_at"])
    facts = (data.get("facts") or "").strip() or f"{occurred}，当事人在{data['place']}{violation}。"
    basis = [f"{entry['violated_article']}：{entry['violated_text']}", f"{entry['penalty_article']}：{entry['penalty_text']}"]
    penalty = "警告" if decision.get("warning") else f"罚款人民币{yuan(fine_fen)}"
    body = texts["reconsideration_body"]
    ctx: dict[str, Any] = {
        "doc_type": doc_type, "title": title, "authority": data["unit"]["name"], "number": data["number_text"],
        "party_name": party_name, "party_rows": _party_rows(party, data.get("vehicle")),
        "place": data["place"], "occurred": occurred, "issued": issued, "issued_date": date_cn(local_date_iso(data["issued_at"])),
        "violation": violation, "facts": facts, "evidence": list(data.get("evidence") or []) or ["现场检查情况"],
        "basis": basis, "reasons": [r["text"] for r in decision.get("reasons", [])],
        "catalog_ref": f"{entry['code']}（第{entry['version']}版）", "penalty": penalty,
        "officers": [f"{o['name']}（执法证号：{o['certificate_number']}）" for o in officers],
        "officer_names": "、".join(o["name"] for o in officers),
        "statement": (data.get("statement") or "").strip(), "correction": "", "deadline_warnings": [],
        "rights": [], "remedy": "", "payment": "", "consequence": "", "intended": "", "correction_due": "",
        "penalty_article": entry["penalty_article"], "signature_lines": signature_lines(data.get("signatures") or []),
    }
    for d in deadlines.values():
        ctx["deadline_warnings"].extend(d.get("warnings") or [])

    if doc_type == "violation_notice":
        hearing = fine_fen >= int(texts["hearing_threshold_fen"].get(party.get("kind") or "person", 0))
        statement_due = date_cn(deadlines["statement"]["due"])
        ctx["rights"].append(f"根据《中华人民共和国行政处罚法》第四十四条、第四十五条，你（单位）有权进行陈述和申辩。"
                             f"如需陈述、申辩，请于{statement_due}前向本机关提出；逾期视为放弃。")
        if hearing:
            ctx["rights"].append(f"根据《中华人民共和国行政处罚法》第六十三条、第六十四条，你（单位）有权要求听证。"
                                 f"如要求听证，应当在收到本通知书后五个工作日内（{date_cn(deadlines['hearing']['due'])}前）提出；逾期视为放弃。")
        ctx["intended"] = f"本机关拟对你（单位）作出如下行政处罚：{penalty}。"
    elif doc_type in ("on_spot_decision", "penalty_decision"):
        if doc_type == "on_spot_decision":
            ctx["rights"].append("执法人员已当场告知你（单位）拟作出行政处罚的事实、理由、依据及依法享有的陈述、申辩权利，并听取了陈述和申辩。")
        else:  # art. 44/45, 62: told before deciding, the statement heard; the review passed (server guard)
            ctx["rights"].append("本机关在作出本决定前，已依法告知你（单位）拟作出行政处罚的事实、理由、依据及依法享有的陈述、申辩、听证权利。")
            ctx["rights"].append(f"你（单位）的陈述、申辩意见：{ctx['statement'].rstrip('。')}。本机关已对陈述、申辩意见进行复核。"
                                 if ctx["statement"]
                                 else "你（单位）在规定期限内未提出陈述、申辩意见，也未要求听证。")
            ctx["rights"].append("本案已经本机关法制审核。")
        if not decision.get("warning"):
            ctx["payment"] = (f"请于收到本决定书之日起十五日内（{date_cn(deadlines['payment']['due'])}前）到指定银行或者通过电子支付系统缴纳罚款。"
                              "逾期不缴纳罚款的，每日按罚款数额的百分之三加处罚款，加处罚款的数额不超过罚款的数额（《中华人民共和国行政处罚法》第六十七条、第七十二条）。")
        if doc_type == "on_spot_decision":
            # 行政复议法 (2023) art. 23: on-the-spot penalties go to 复议 first; never the old "60日/6个月" choice.
            ctx["remedy"] = (f"如不服本决定，应当自收到本决定书之日起六十日内向{body}申请行政复议；对行政复议决定不服的，"
                             "可以自收到行政复议决定书之日起十五日内依法向人民法院提起行政诉讼（《中华人民共和国行政复议法》第二十三条第一款第（一）项）。"
                             "行政复议期间，本决定不停止执行。")
        else:
            ctx["remedy"] = (f"如不服本决定，可以自收到本决定书之日起六十日内向{body}申请行政复议，"
                             "或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。"
                             "行政复议或者行政诉讼期间，本决定不停止执行（《中华人民共和国行政处罚法》第七十三条）。")
    elif doc_type == "no_penalty_decision":
        ctx["remedy"] = (f"如不服本决定，可以自收到本决定书之日起六十日内向{body}申请行政复议，"
                         "或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。")
    elif doc_type in ("correction_notice", "commitment_letter"):
        due = deadlines.get("correction", {}).get("due") or local_date_iso(data["issued_at"])
        requirement = (data.get("correction") or "").strip() or "停止违法行为并消除影响"
        ctx["correction"] = f"{requirement}，改正期限至{date_cn(due)}。"
        ctx["correction_due"] = date_cn(due)
        if doc_type == "commitment_letter":
            ctx["consequence"] = texts["commitment_consequence"]
        else:
            ctx["consequence"] = f"逾期不改正的，本机关将依照{entry['penalty_article']}的规定依法处理。"
    return ctx
