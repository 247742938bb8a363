"""案卷评查: ≥10 % of the period's closed cases drawn reproducibly, graded by reviewers who did not handle them."""
from __future__ import annotations

import uuid

import pytest

from server.adapters.models import Case
from server.domain import case_evaluation as rules
from server.domain.timeutil import local_today
from tests import factories


def closed_cases(db_session, unit_code: str, officer: str, n: int, status: str = "decided") -> list[str]:
    ids = []
    for _ in range(n):
        insp = factories.inspection(db_session, unit_code, officer)
        case = Case(id=f"case-{uuid.uuid4()}", unit_id=insp.unit_id, inspection_id=insp.id, procedure="simple",
                    status=status, fine_fen=20000)
        db_session.add(case)
        ids.append(case.id)
    db_session.commit()
    return ids


@pytest.fixture
def cases(demo, db_session):
    return {"DD01": closed_cases(db_session, "DD01", "zhangwei", 12), "DD02": closed_cases(db_session, "DD02", "wangqiang", 2),
            "open": closed_cases(db_session, "DD01", "zhangwei", 3, status="open")}


def period():
    today = local_today().isoformat()
    return {"from": today, "to": today}


def test_a_reviewer_draws_ten_percent_reproducibly(client, login, cases):
    resp = client.post("/api/evaluations", json={**period(), "note": "第四季度案卷评查"}, headers=login("reviewer"))
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["population"] == sorted(cases["DD01"] + cases["DD02"])  # closed ones only, whole subtree
    assert body["summary"]["sampled"] == 2  # ceil(14 × 10 %)
    sampled = sorted(i["case_id"] for i in body["items"])
    assert sampled == rules.draw(body["population"], body["ratio"], body["seed"])  # anyone can redraw it
    listed = client.get("/api/evaluations", headers=login("leader")).get_json()
    assert [e["id"] for e in listed] == [body["id"]] and listed[0]["items"][0]["case"]["procedure"] == "simple"


def test_too_small_a_sample_an_empty_period_and_officers_are_refused(client, login, cases):
    low = client.post("/api/evaluations", json={**period(), "ratio": 0.05}, headers=login("reviewer"))
    assert low.status_code == 422 and low.get_json()["error"]["code"] == "evaluation-ratio-invalid"
    last_year = {"from": f"{local_today().year - 1}-01-01", "to": f"{local_today().year - 1}-12-31"}
    empty = client.post("/api/evaluations", json=last_year, headers=login("reviewer"))
    assert empty.status_code == 422 and empty.get_json()["error"]["code"] == "evaluation-population-empty"
    backwards = client.post("/api/evaluations", json={"from": "2026-12-01", "to": "2026-11-01"}, headers=login("reviewer"))
    assert backwards.status_code == 422 and backwards.get_json()["error"]["code"] == "evaluation-period-invalid"
    assert client.post("/api/evaluations", json=period(), headers=login("zhangwei")).status_code == 403
    assert client.get("/api/evaluations", headers=login("reviewer")).get_json() == []  # nothing was written


def test_grading_needs_findings_for_a_fail_and_a_reviewer_who_did_not_handle_the_case(client, login, db_session, cases):
    for username in ("zhangwei", "lina"):  # 新城区大队: the officer of the cases, and a colleague, both reviewers
        factories.officer(db_session, username).roles = ["officer", "legal_reviewer"]
    db_session.commit()
    body = client.post("/api/evaluations", json={**period(), "ratio": 1.0}, headers=login("lina")).get_json()
    item = body["items"][0]
    url = f"/api/evaluations/{body['id']}/items/{item['id']}"
    reviewer = {**login("lina"), "If-Match": '"1"'}

    assert client.post(url, json={"grade": "pass"}, headers=login("lina")).status_code == 428
    silent = client.post(url, json={"grade": "fail"}, headers=reviewer)
    assert silent.status_code == 422 and silent.get_json()["error"]["code"] == "evaluation-findings-required"
    own = client.post(url, json={"grade": "pass"}, headers={**login("zhangwei"), "If-Match": '"1"'})
    assert own.status_code == 403 and own.get_json()["error"]["code"] == "review-own-case"
    graded = client.post(url, json={"grade": "fail", "findings": "询问笔录缺少当事人签名"}, headers=reviewer)
    assert graded.status_code == 200 and graded.get_json()["grade_label"] == "不合格"
    stale = client.post(url, json={"grade": "pass"}, headers=reviewer)
    assert stale.status_code == 412
    summary = client.get(f"/api/evaluations/{body['id']}", headers=login("leader")).get_json()["summary"]
    assert summary == {"sampled": 12, "graded": 1, "excellent": 0, "pass": 0, "fail": 1}  # 100 % of the brigade's


def test_a_brigade_reviewer_draws_from_the_brigade_and_cannot_see_the_detachment_s_draw(client, login, db_session, cases):
    factories.officer(db_session, "wangqiang").roles = ["officer", "legal_reviewer"]
    db_session.commit()
    top = client.post("/api/evaluations", json=period(), headers=login("reviewer")).get_json()
    mine = client.post("/api/evaluations", json=period(), headers=login("wangqiang")).get_json()
    assert mine["population"] == sorted(cases["DD02"]) and mine["summary"]["sampled"] == 1
    assert client.get(f"/api/evaluations/{top['id']}", headers=login("wangqiang")).status_code == 404


@pytest.mark.parametrize("population, expected", [(1, 1), (9, 1), (10, 1), (11, 2), (100, 10), (101, 11)])
def test_the_sample_is_at_least_ten_percent(population, expected):
    assert rules.sample_size(population, 0.1) == expected
