"""Every 4xx/5xx has the one shape {"error": {"code", "message", "details"}}, and bad input writes nothing."""
import pytest
from sqlalchemy import func, select

from server.adapters.models import Officer


def assert_error(resp, status, code):
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error"]["message"]), "message must be zh-CN"
    return body["error"]


def test_unknown_path_is_404(client):
    assert_error(client.get("/api/no-such-thing"), 404, "not-found")


def test_wrong_method_is_405_with_allowed_methods(client):
    err = assert_error(client.delete("/api/health"), 405, "method-not-allowed")
    assert "GET" in err["details"]["allowed"]


def test_oversized_body_is_413(client, demo):
    resp = client.post("/api/auth/login", data=b"{" + b" " * (3 * 1024 * 1024) + b"}",
                       content_type="application/json")
    err = assert_error(resp, 413, "payload-too-large")
    assert err["details"]["max_bytes"] == 2 * 1024 * 1024


def test_unexpected_exception_is_500_with_trace_id(app):
    def boom():
        raise RuntimeError("kaboom")

    app.add_url_rule("/api/test-boom", "boom", boom)
    err = assert_error(app.test_client().get("/api/test-boom"), 500, "internal")
    assert len(err["details"]["trace_id"]) == 12
    assert "kaboom" not in err["message"]


def test_malformed_json_is_400(client, demo):
    resp = client.post("/api/auth/login", data="{not json", content_type="application/json")
    assert_error(resp, 400, "malformed-json")


def test_validation_errors_name_each_field(client, demo):
    resp = client.post("/api/auth/login", json={"username": 7, "device_id": "short", "extra": True})
    err = assert_error(resp, 422, "validation-failed")
    fields = err["details"]["fields"]
    assert fields["username"] == ["不是有效的字符串"]
    assert fields["password"] == ["必填字段"]
    assert fields["extra"] == ["未知字段"]
    assert "device_id" in fields


@pytest.mark.parametrize("payload", [
    {"unit_id": "x", "username": "newbie", "full_name": "新人", "password": "long-enough-pw", "roles": ["officer"]},
    {"unit_id": 1, "username": "newbie", "full_name": "新人", "password": "long-enough-pw", "roles": ["boss"]},
    {"unit_id": 1, "username": "newbie", "full_name": "新人", "password": "short", "roles": ["officer"]},
    {"unit_id": 1, "username": "newbie", "full_name": "新人", "password": "long-enough-pw", "roles": ["officer"],
     "salary": 1},
])
def test_bad_admin_input_writes_nothing(client, demo, login, db_session, payload):
    before = db_session.scalar(select(func.count()).select_from(Officer))
    resp = client.post("/api/admin/officers", json=payload, headers=login("admin"))
    assert_error(resp, 422, "validation-failed")
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Officer)) == before


def test_json_array_instead_of_object_is_refused(client, demo):
    resp = client.post("/api/auth/login", json=["zhangwei"])
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "validation-failed"


def test_openapi_document_and_docs_page_are_served(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/auth/login" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    page = client.get("/api/docs")
    assert page.status_code == 200 and "openapi.json" in page.get_data(as_text=True)


def test_health_reports_database_and_version(client):
    body = client.get("/api/health").get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["revision"]
    assert body["version"]
