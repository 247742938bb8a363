"""法制审核 rules without IO: what needs review, what a written opinion must hold, and the case table's gate."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from server.domain import legal_review as rules
from server.domain.errors import DomainError
from server.services.cases import CASE_TRANSITIONS
from sync import Rejected

ALL_OK = {key: "ok" for key in rules.ITEM_KEYS}


def test_every_ordinary_decision_is_reviewed_and_simple_or_exempt_ones_are_not():
    assert rules.review_required("ordinary")
    assert not rules.review_required("simple") and not rules.review_required("minor_exempt")


@pytest.mark.parametrize("status", ["notice_issued", "statement_recorded", "review_pending", "review_returned"])
def test_no_ordinary_decision_before_the_review_passed(status):
    with pytest.raises(DomainError) as refused:
        rules.ensure_decidable("ordinary", status)
    assert refused.value.code == "legal-review-required"
    rules.ensure_decidable("ordinary", "review_approved")
    rules.ensure_decidable("simple", "open")


def test_the_case_table_only_decides_an_ordinary_case_after_approval():
    for status in ("notice_issued", "statement_recorded", "review_pending", "review_returned"):
        with pytest.raises(Rejected) as refused:
            CASE_TRANSITIONS.apply(status, "decide")
        assert refused.value.code == "transition-not-allowed"
    assert CASE_TRANSITIONS.apply("review_approved", "decide") == "decided"
    assert CASE_TRANSITIONS.apply("open", "decide") == "decided"  # 简易程序
    # returned → fix and resubmit, or notify the party again when the intended penalty changed
    assert set(CASE_TRANSITIONS.allowed_from("review_returned")) == {"submit_review", "issue_notice"}


def test_the_handling_officers_cannot_review():
    with pytest.raises(DomainError) as refused:
        rules.ensure_reviewer_is_not_handling(7, {7, 8})
    assert refused.value.code == "review-own-case" and refused.value.status == 403
    rules.ensure_reviewer_is_not_handling(9, {7, 8})


@pytest.mark.parametrize("result, opinion, checks, code", [
    ("maybe", "意见充分", ALL_OK, "review-result-invalid"),
    ("approved", "意见充分", {**ALL_OK, "extra": "ok"}, "review-checks-incomplete"),
    ("approved", "短", ALL_OK, "review-opinion-required"),
    ("approved", "意见充分", {**ALL_OK, "referral": "problem"}, "review-approval-has-problems"),
    ("returned", "意见充分", ALL_OK, "review-return-needs-problem"),
])
def test_an_opinion_must_cover_every_item_and_agree_with_its_result(result, opinion, checks, code):
    with pytest.raises(DomainError) as refused:
        rules.validate_opinion(result, opinion, checks)
    assert refused.value.code == code and refused.value.message


def test_a_consistent_opinion_passes():
    rules.validate_opinion("approved", "事实清楚，程序合法", ALL_OK)
    rules.validate_opinion("returned", "证据不足，请补充", {**ALL_OK, "facts": "problem"})


VECTORS = json.loads((Path(__file__).resolve().parents[1] / "vectors/legal_review.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", VECTORS["cases"], ids=[c["name"] for c in VECTORS["cases"]])
def test_the_decision_gate_on_the_shared_vectors(case):
    args = (case["deciding"], case["procedure"], case["case_procedure"], case["case_status"])
    if case["blocked"]:
        with pytest.raises(DomainError) as refused:
            rules.ensure_decision_allowed(*args)
        assert refused.value.code == "legal-review-required"
    else:
        rules.ensure_decision_allowed(*args)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_phone_gate_passes_the_same_vectors():
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(["node", "--test", str(root / "tests/js/legal_review.test.mjs")], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"# pass {len(VECTORS['cases'])}" in proc.stdout
