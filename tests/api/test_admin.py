"""Admins manage units, officers, certificates, training and the versioned catalog."""
from datetime import date

from tests import factories


def test_admin_creates_unit_below_own_and_path_is_maintained(client, demo, login, db_session):
    dd01 = factories.unit(db_session, "DD01")
    resp = client.post("/api/admin/units", headers=login("admin"), json={
        "code": "ZHD011", "name": "新城区第一中队", "level": "squad", "parent_id": dd01.id, "doc_prefix": "呼交执新一",
        "center_lat": 40.87, "center_lon": 111.67, "radius_m": 5000})
    assert resp.status_code == 201
    assert resp.get_json()["path"] == f"{dd01.path}{resp.get_json()['id']}/"
    duplicate = client.post("/api/admin/units", headers=login("admin"), json={
        "code": "ZHD011", "name": "重复", "level": "squad", "parent_id": dd01.id, "doc_prefix": "X"})
    assert duplicate.status_code == 409 and duplicate.get_json()["error"]["code"] == "unit-code-taken"


def test_suspending_a_certificate_stops_the_officer_from_enforcing(client, demo, login, db_session):
    lina = factories.officer(db_session, "lina")
    headers = login("admin")
    body = {"number": "15010102", "issuing_authority": "内蒙古自治区交通运输厅", "valid_from": "2025-01-01",
            "valid_until": "2028-12-31", "status": "suspended", "status_reason": "年度考核不合格"}
    url = f"/api/admin/officers/{lina.id}/certificate"
    missing = client.put(url, headers=headers, json=body)
    assert (missing.status_code, missing.get_json()["error"]["code"]) == (428, "if-match-required")
    stale = client.put(url, headers={**headers, "If-Match": '"7"'}, json=body)
    assert (stale.status_code, stale.get_json()["error"]["details"]["current_version"]) == (412, 1)
    resp = client.put(url, headers={**headers, "If-Match": '"1"'}, json=body)
    assert resp.status_code == 200 and resp.headers["ETag"] == '"2"'
    profile = client.get(f"/api/officers/{lina.id}/profile", headers=headers).get_json()
    assert profile["state"] == "suspended" and profile["may_enforce"] is False


def test_training_hours_are_summed_against_the_unit_requirement(client, demo, login, db_session):
    lina = factories.officer(db_session, "lina")
    headers = login("admin")
    year = date.today().year
    client.post(f"/api/admin/officers/{lina.id}/training", headers=headers,
                json={"year": year, "kind": "legal", "hours": 45})
    resp = client.post(f"/api/admin/officers/{lina.id}/training", headers=headers,
                       json={"year": year, "kind": "professional", "hours": 40})
    body = resp.get_json()
    assert (body["total_hours"], body["legal_hours"], body["required_hours"], body["met"]) == (85, 45, 90, False)


def test_catalog_edit_keeps_the_old_version(client, demo, login):
    headers = login("admin")
    before = client.get("/api/catalog", headers=headers).get_json()
    assert len(before) >= 3
    code = before[0]["code"]
    resp = client.put(f"/api/catalog/{code}", headers=headers, json={"max_fine_fen": 400000})
    assert resp.status_code == 200 and resp.get_json()["version"] == 2
    versions = client.get(f"/api/catalog/{code}", headers=headers).get_json()
    assert [(v["version"], v["is_current"]) for v in versions] == [(1, False), (2, True)]
    assert versions[0]["max_fine_fen"] == before[0]["max_fine_fen"]
    assert versions[1]["max_fine_fen"] == 400000
    assert versions[1]["penalty_text"] == versions[0]["penalty_text"]


def test_officer_cannot_edit_catalog(client, demo, login):
    resp = client.put("/api/catalog/GL-69-TUOXING", headers=login("zhangwei"), json={"max_fine_fen": 1})
    assert resp.status_code == 403


def test_admin_lists_devices_of_own_subtree(client, demo, login):
    login("zhangwei", device_id="dev-zhangwei-1")
    rows = client.get("/api/admin/devices", headers=login("admin")).get_json()
    assert "dev-zhangwei-1" in {r["id"] for r in rows}
