"""事后公示 masking without IO (法释〔2016〕19号 convention)."""
from __future__ import annotations

import pytest

from server.domain.publication import REMOVED, mask_name, redact


@pytest.mark.parametrize("name, masked", [("刘某军", "刘某"), ("王强", "王某"), ("欧阳明华", "欧阳某"), ("", "")])
def test_a_person_is_named_by_surname_and_mou(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize("private", [
    "150102198805123456", "15010219880512345X", "13800000001", "0471-6000001", "6222021234567890123",
    "蒙A12345", "京A·D1234F", "蒙AF1234挂",
])
def test_private_details_in_free_text_are_removed(private):
    out = redact(f"经查，{private}。")
    assert private not in out and REMOVED in out


def test_known_values_go_before_the_patterns_and_names_are_masked_everywhere():
    text = "王强与王强之妻居住于新城区兴安北路1号，车辆登记在王强名下"
    out = redact(text, persons=["王强"], removed=["新城区兴安北路1号"])
    assert out == f"王某与王某之妻居住于{REMOVED}，车辆登记在王某名下"


def test_ordinary_numbers_and_amounts_stay():
    text = "罚款人民币2000元，G6京藏高速K520+300处，2026年12月1日"
    assert redact(text) == text
