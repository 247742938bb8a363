"""Document numbers (文书编号) and which document the chosen procedure allows — pure rules, no database."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.domain import eligibility
from server.domain.documents import DOC_TYPES, ensure_procedure_allows, format_number
from server.domain.errors import DomainError

CATALOG = {e["code"]: e for e in json.loads(
    (Path(__file__).resolve().parents[2] / "server/seeds/catalog.json").read_text(encoding="utf-8"))}


def test_number_is_prefix_type_year_and_four_digit_sequence():
    assert format_number("呼交执新", "commitment_letter", 2026, 12) == "呼交执新承诺〔2026〕0012号"
    assert format_number("呼交执", "on_spot_decision", 2027, 12345) == "呼交执当罚〔2027〕12345号"
    assert len({abbr for _, abbr in DOC_TYPES.values()}) == len(DOC_TYPES)  # numbers never collide across types


@pytest.mark.parametrize("doc_type, seq, code", [("invoice", 1, "doc-type-unknown"), ("commitment_letter", 0, "number-invalid")])
def test_bad_numbers_are_refused(doc_type, seq, code):
    with pytest.raises(DomainError) as err:
        format_number("呼交执", doc_type, 2026, seq)
    assert err.value.code == code


def _decide(code, **facts):
    base = {"first_violation": True, "harm": "none", "corrected_on_spot": True, "party_kind": "person"}
    return eligibility.decide(CATALOG[code], {**base, **facts}, [])


def test_exempt_case_allows_commitment_and_no_penalty_but_not_an_on_the_spot_fine():
    decision = _decide("GL-69-TUOXING")
    for doc_type in ("commitment_letter", "no_penalty_decision", "correction_notice", "on_site_record"):
        ensure_procedure_allows("minor_exempt", doc_type, decision, "person")
    with pytest.raises(DomainError) as err:
        ensure_procedure_allows("minor_exempt", "on_spot_decision", decision, "person")
    assert err.value.code == "doc-type-not-allowed-for-procedure"


def test_never_exempt_item_names_the_legal_reason():
    with pytest.raises(DomainError) as err:
        ensure_procedure_allows("minor_exempt", "commitment_letter", _decide("DLYS-64-JIASHIYUAN"), "person")
    assert err.value.code == "never-exempt-violation" and "运输安全" in err.value.message


def test_repeat_offender_is_told_why_the_exemption_does_not_apply():
    with pytest.raises(DomainError) as err:
        ensure_procedure_allows("minor_exempt", "commitment_letter", _decide("GL-69-TUOXING", first_violation=False), "person")
    assert err.value.code == "not-eligible-for-exemption" and "首违不罚仅适用于初次违法" in err.value.message


def test_on_the_spot_limit_depends_on_who_the_party_is():
    person = _decide("DLYS-68-2-YANGSA", party_kind="person", harm="slight")
    with pytest.raises(DomainError) as err:
        ensure_procedure_allows("simple", "on_spot_decision", person, "person")
    assert err.value.code == "fine-above-simple-limit" and err.value.details["limit_fen"] == 20000
    company = _decide("DLYS-68-2-YANGSA", party_kind="organisation", harm="slight")
    ensure_procedure_allows("simple", "on_spot_decision", company, "organisation")


def test_an_on_the_spot_refusal_names_the_real_reason_not_the_limit():
    below_range = _decide("DLYS-68-2-YANGSA", party_kind="person", harm="slight", proposed_fine_fen=20000)
    with pytest.raises(DomainError) as err:  # 200 yuan is within art. 51, but below this item's 1000-yuan minimum
        ensure_procedure_allows("simple", "on_spot_decision", below_range, "person")
    assert err.value.code == "fine-outside-statutory-range" and "法定幅度" in err.value.message
    out_of_band = _decide("GL-69-TUOXING", first_violation=False, harm="slight", corrected_on_spot=True,
                          proposed_fine_fen=20000)
    with pytest.raises(DomainError) as err:  # within the limit, but outside the discretion band for a repeat
        ensure_procedure_allows("simple", "on_spot_decision", out_of_band, "person")
    assert err.value.code == "simple-procedure-not-allowed" and "裁量等级" in err.value.message
    assert "200元以下" not in err.value.message
