"""法制审核 — legal review of an ordinary-procedure decision before it is made.

The sources (seeds 000 art. 22, 002, 003) require that a 重大执法决定 is reviewed by the legal-review post before
it is made, that an unreviewed or rejected one is not made, and that the handling office studies the written
opinion, fixes what it names and submits again. Which decisions count as 重大 is each unit's 目录清单; we review
every ordinary-procedure (普通程序) decision, a superset of any such list, because a reviewer can pass a plain case
in a minute while a missed review voids the decision. Pure rules; the use cases are in
``server.services.legal_review``.
"""
from __future__ import annotations

from typing import Mapping

from server.domain.errors import DomainError

# What the reviewer checks (000 art. 22), in the order of the written opinion.
REVIEW_ITEMS: tuple[tuple[str, str], ...] = (
    ("subject", "执法主体是否合法"),
    ("authority", "是否超越执法权限"),
    ("procedure", "执法程序是否合法"),
    ("facts", "事实是否清楚、证据是否确实充分"),
    ("law", "适用法律是否准确"),
    ("discretion", "是否符合裁量基准"),
    ("documents", "执法文书是否规范"),
    ("referral", "是否涉嫌犯罪需移送司法机关"),
)
ITEM_KEYS = tuple(key for key, _ in REVIEW_ITEMS)
ITEM_LABELS = dict(REVIEW_ITEMS)
CHECK_VALUES = ("ok", "problem")
RESULTS = {"approved": "审核通过", "returned": "退回补充（修改后重新报审）"}
MIN_OPINION_CHARS = 4


class ReviewError(DomainError):
    status = 422


def review_required(procedure: str) -> bool:
    return procedure == "ordinary"


def ensure_decidable(procedure: str, status: str) -> None:
    """No decision in an ordinary case before the review passed (未经审核或审核未通过的，不得作出决定)."""
    if review_required(procedure) and status != "review_approved":
        raise ReviewError("legal-review-required", "普通程序案件须经法制审核通过后方可作出决定，请先报送法制审核",
                          {"status": status})


def ensure_decision_allowed(deciding: bool, procedure: str, case_procedure: str | None, case_status: str | None) -> None:
    """The check a document makes (ported to ``pwa/js/domain/legal_review.js``; shared vectors in
    ``tests/vectors/legal_review.json``): a deciding document for an inspection without a case would open one at
    ``open``, so an ordinary-procedure decision with no case is refused as well."""
    if deciding:
        ensure_decidable(case_procedure or procedure, case_status or "open")


def ensure_reviewer_is_not_handling(reviewer_id: int, handling_officer_ids: set[int]) -> None:
    """审核与办案分离: an officer who handled the case cannot review it."""
    if reviewer_id in handling_officer_ids:
        raise ReviewError("review-own-case", "您是本案的承办执法人员，不能审核本案（审核与办案须分离）", status=403)


def validate_opinion(result: str, opinion: str, checks: Mapping[str, str]) -> None:
    """A written opinion covering every item; an approval cannot name a problem, a return must name one."""
    if result not in RESULTS:
        raise ReviewError("review-result-invalid", "审核结论只能是“审核通过”或“退回补充”", {"allowed": list(RESULTS)})
    missing = [ITEM_LABELS[k] for k in ITEM_KEYS if k not in checks]
    unknown = sorted(set(checks) - set(ITEM_KEYS))
    bad = sorted(k for k, v in checks.items() if k in ITEM_LABELS and v not in CHECK_VALUES)
    if missing or unknown or bad:
        raise ReviewError("review-checks-incomplete", "审核意见须逐项给出结论：" + "、".join(missing or unknown or bad),
                          {"missing": missing, "unknown": unknown, "invalid": bad})
    if len((opinion or "").strip()) < MIN_OPINION_CHARS:
        raise ReviewError("review-opinion-required", "请填写书面审核意见", {"min_chars": MIN_OPINION_CHARS})
    problems = [ITEM_LABELS[k] for k in ITEM_KEYS if checks[k] == "problem"]
    if result == "approved" and problems:
        raise ReviewError("review-approval-has-problems", "存在问题的审核事项不能审核通过：" + "、".join(problems),
                          {"problems": problems})
    if result == "returned" and not problems:
        raise ReviewError("review-return-needs-problem", "退回补充时须指出存在问题的审核事项，以便承办人员修改")
