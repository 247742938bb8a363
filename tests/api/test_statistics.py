"""年度执法统计 from stored records, per unit of the caller's subtree, as JSON and CSV."""
from __future__ import annotations

import csv
import io

import pytest

from server.domain.timeutil import local_today
from tests import factories
from tests.api.test_legal_review import ALL_OK, OPINION, decide
from tests.documents_helpers import Runner, make_inspection


@pytest.fixture
def year_of_work(app, demo, db_session, client, login):
    """新城区大队: a commitment letter, an on-the-spot fine of 200 yuan, an ordinary case fined 10,000 yuan after
    its review; 赛罕区大队: one inspection."""
    runner = Runner(app, db_session)
    minor = make_inspection(db_session)
    letter, _ = runner.issue("zhangwei", minor, "commitment_letter", "minor_exempt",
                             fields={"harm": "none", "corrected_on_spot": True, "first_violation": True,
                                     "correction_days": 7, "correction": "清理遗洒物并加盖篷布"})
    assert any(r["type"] == "followup" for r in letter.entity_refs)
    spot = make_inspection(db_session, code="DLYS-64-JIASHIYUAN")
    runner.issue("zhangwei", spot, "on_spot_decision", "simple",
                 fields={"harm": "none", "corrected_on_spot": True, "first_violation": True})
    heavy = make_inspection(db_session, code="GLF-76-4-TIELUN")
    ordinary = {"harm": "serious", "corrected_on_spot": True, "first_violation": True}
    notice, _ = runner.issue("zhangwei", heavy, "violation_notice", "ordinary", fields=ordinary)
    case_id = next(r["id"] for r in notice.entity_refs if r["type"] == "case")
    review = client.post(f"/api/cases/{case_id}/reviews", json={}, headers=login("zhangwei")).get_json()
    decide(client, login("reviewer"), review, result="approved", opinion=OPINION, checks=ALL_OK)
    runner.issue("zhangwei", heavy, "penalty_decision", "ordinary", fields=ordinary)
    factories.inspection(db_session, "DD02", "wangqiang")


def test_the_detachment_sees_each_brigade_and_the_total(client, login, year_of_work):
    report = client.get(f"/api/statistics/annual?year={local_today().year}", headers=login("leader")).get_json()
    rows = {r["unit_code"]: r for r in report["units"]}
    assert set(rows) == {"ZD01", "DD01", "DD02"}
    dd01 = rows["DD01"]
    assert (dd01["inspections"], dd01["cases_minor_exempt"], dd01["cases_simple"], dd01["cases_ordinary"]) == (3, 1, 1, 1)
    assert (dd01["doc_commitment_letter"], dd01["doc_on_spot_decision"], dd01["doc_violation_notice"],
            dd01["doc_penalty_decision"]) == (1, 1, 1, 1)
    assert dd01["fines_fen"] == 20000 + 1000000  # decisions only: the notice's intended fine is not a fine
    assert (dd01["followups_open"], dd01["reviews_approved"], dd01["decisions_unpublished"]) == (1, 1, 2)
    assert rows["DD02"]["inspections"] == 1 and rows["DD02"]["fines_fen"] == 0
    assert report["total"]["inspections"] == 4 and report["total"]["unit_name"] == "合计"
    assert [c["label"] for c in report["columns"]][:3] == ["单位代码", "单位", "现场检查（次）"]


def test_a_brigade_leader_sees_only_the_brigade_and_officers_see_nothing(client, login, year_of_work):
    rows = client.get("/api/statistics/annual", headers=login("leader_dd01")).get_json()["units"]
    assert [r["unit_code"] for r in rows] == ["DD01"]
    assert client.get("/api/statistics/annual", headers=login("zhangwei")).status_code == 403


def test_another_year_is_empty_and_a_silly_year_is_refused(client, login, year_of_work):
    last = client.get(f"/api/statistics/annual?year={local_today().year - 1}", headers=login("leader")).get_json()
    assert last["total"]["inspections"] == 0 and last["total"]["fines_fen"] == 0
    bad = client.get("/api/statistics/annual?year=1999", headers=login("leader"))
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "year-invalid"


def test_the_csv_opens_in_a_spreadsheet_with_chinese_headers(client, login, year_of_work):
    resp = client.get("/api/statistics/annual?format=csv", headers=login("reviewer"))
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    text = resp.get_data(as_text=True)
    assert text.startswith("\ufeff单位代码,单位,现场检查（次）")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[-1][1] == "合计" and rows[-1][2] == "4" and len(rows) == 1 + 3 + 1
