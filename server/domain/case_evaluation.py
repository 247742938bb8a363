"""案卷评查 (seed 004): legal reviewers evaluate a random sample of at least 10 % of a period's closed cases.

The sample is drawn from the sorted case ids with a recorded seed, so anyone can redraw it from the stored
population and seed and see that nobody picked the cases. Pure rules; use cases in ``server.services.case_evaluation``.
"""
from __future__ import annotations

import math
import random
from typing import Iterable

from server.domain.errors import DomainError

MIN_RATIO = 0.10
GRADES = {"excellent": "优秀", "pass": "合格", "fail": "不合格"}
CLOSED_STATUSES = ("decided", "closed")


class EvaluationError(DomainError):
    status = 422


def sample_size(population: int, ratio: float) -> int:
    """At least ``ratio`` of the population, rounded up; one case at least when there is any."""
    if ratio < MIN_RATIO or ratio > 1:
        raise EvaluationError("evaluation-ratio-invalid", f"抽查比例须在 {MIN_RATIO:.0%} 至 100% 之间（案卷评查不少于10%）",
                              {"ratio": ratio, "min": MIN_RATIO})
    if population <= 0:
        raise EvaluationError("evaluation-population-empty", "该期间内没有已办结的案件可供抽查")
    return max(1, math.ceil(population * ratio - 1e-9))


def draw(case_ids: Iterable[str], ratio: float, seed: int) -> list[str]:
    """The sampled ids, reproducible from (population, ratio, seed)."""
    population = sorted(set(case_ids))
    return sorted(random.Random(seed).sample(population, sample_size(len(population), ratio)))


def validate_grade(grade: str, findings: str) -> None:
    if grade not in GRADES:
        raise EvaluationError("evaluation-grade-invalid", "评查结论只能是优秀、合格或不合格", {"allowed": list(GRADES)})
    if grade == "fail" and len((findings or "").strip()) < 4:
        raise EvaluationError("evaluation-findings-required", "评为不合格的案卷须写明存在的问题")
