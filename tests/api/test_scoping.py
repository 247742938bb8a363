"""Per-unit scoping in the service layer: own unit and descendants visible, siblings invisible (404)."""
from tests import factories


def test_officer_of_one_brigade_gets_404_for_the_other_brigades_inspection(client, demo, login, db_session):
    theirs = factories.inspection(db_session, "DD02", "wangqiang")
    ours = factories.inspection(db_session, "DD01", "zhangwei")
    headers = login("zhangwei")
    resp = client.get(f"/api/inspections/{theirs.id}", headers=headers)
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not-found"
    assert client.get(f"/api/inspections/{ours.id}", headers=headers).status_code == 200
    listed = [row["id"] for row in client.get("/api/inspections", headers=headers).get_json()]
    assert listed == [ours.id]


def test_leader_of_the_detachment_sees_both_brigades(client, demo, login, db_session):
    a = factories.inspection(db_session, "DD01", "zhangwei")
    b = factories.inspection(db_session, "DD02", "wangqiang")
    headers = login("leader")
    for row in (a, b):
        resp = client.get(f"/api/inspections/{row.id}", headers=headers)
        assert resp.status_code == 200
        assert resp.headers["ETag"] == '"1"'
    assert {r["id"] for r in client.get("/api/inspections", headers=headers).get_json()} == {a.id, b.id}


def test_brigade_admin_scope_applies_to_admin_endpoints(client, demo, login, db_session):
    zd = factories.unit(db_session, "ZD01")
    dd02 = factories.unit(db_session, "DD02")
    # An admin of the detachment creates a brigade admin in DD01.
    created = client.post("/api/admin/officers", headers=login("admin"), json={
        "unit_id": factories.unit(db_session, "DD01").id, "username": "dd01admin", "full_name": "大队管理员",
        "password": "roadside-demo-2026", "roles": ["admin"]})
    assert created.status_code == 201
    headers = login("dd01admin")
    units = {u["code"] for u in client.get("/api/admin/units", headers=headers).get_json()}
    assert units == {"DD01"}
    sunyu = factories.officer(db_session, "sunyu")
    resp = client.patch(f"/api/admin/officers/{sunyu.id}", json={"active": False}, headers=headers)
    assert resp.status_code == 404
    resp = client.post("/api/admin/units", headers=headers, json={
        "code": "ZD-X", "name": "越权单位", "level": "squad", "parent_id": zd.id, "doc_prefix": "X"})
    assert resp.status_code == 404
    resp = client.patch(f"/api/admin/units/{dd02.id}", json={"name": "改名"}, headers=headers)
    assert resp.status_code == 404


def test_officer_role_cannot_use_admin_writes(client, demo, login, db_session):
    resp = client.post("/api/admin/officers", headers=login("zhangwei"), json={
        "unit_id": factories.unit(db_session, "DD01").id, "username": "sneaky", "full_name": "x",
        "password": "roadside-demo-2026", "roles": ["officer"]})
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "forbidden"
