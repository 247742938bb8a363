"""Bad input on write endpoints is a 4xx in the one error shape and writes nothing: no rows, no audit entry,
no change-stream row. Each endpoint's valid body is shown to write, so "nothing changed" can fail."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

import pytest
from sqlalchemy import func, select

from server.adapters.models import AuditEntry, Base, Change, DutyShift, Inspection, ClientState, MutationResult, Unit
from server.domain.timeutil import SHANGHAI
from tests import factories
from tests.api.test_errors import assert_error
from tests.sync_helpers import create_inspection

LIMIT = 4096  # ROADSIDE_MAX_REQUEST_BYTES for this module: small, yet every valid body here fits
FAR_DAY = (datetime.now(SHANGHAI).date() + timedelta(days=120)).isoformat()  # beyond the demo roster


@pytest.fixture
def app_config(app_config, monkeypatch):
    # Through the documented environment variable, not the Flask key, so the setting's wiring is covered too.
    monkeypatch.setenv("ROADSIDE_MAX_REQUEST_BYTES", str(LIMIT))
    return app_config


@dataclass
class Endpoint:
    method: str
    url: str
    user: str
    valid: Callable  # db_session -> a body that is written when sent as is
    written: tuple  # the models a valid body adds rows to
    wrong_types: Callable  # valid body -> the same with wrongly typed fields
    bad_fields: set  # the fields wrong_types breaks


ENDPOINTS = {
    "sync-push": Endpoint(
        "post", "/api/sync/push", "zhangwei",
        lambda s: {"client_id": "c-bad-input", "mutations": [create_inspection(1, factories.officer(s, "lina").id)]},
        (Inspection, ClientState, MutationResult),
        lambda b: {**b, "client_id": 42, "mutations": "not-a-list"},
        {"client_id", "mutations"}),
    "admin-units": Endpoint(
        "post", "/api/admin/units", "admin",
        lambda s: {"code": "ZHD099", "name": "测试中队", "level": "squad", "parent_id": factories.unit(s, "DD01").id,
                   "doc_prefix": "呼交执测", "center_lat": 40.87, "center_lon": 111.67, "radius_m": 5000},
        (Unit,),
        lambda b: {**b, "parent_id": "DD01", "level": "city", "center_lat": 200, "radius_m": "far"},
        {"parent_id", "level", "center_lat", "radius_m"}),
    "patrol-roster": Endpoint(
        "put", "/api/patrol/roster", "leader_dd01",
        lambda s: {"unit_id": factories.unit(s, "DD01").id, "duty_date": FAR_DAY, "shift": "白班", "start": "08:00",
                   "end": "20:00", "leader_id": factories.officer(s, "leader_dd01").id, "officer_ids": []},
        (DutyShift,),
        lambda b: {**b, "duty_date": "tomorrow", "start": "25:99", "leader_id": [1], "officer_ids": ["zhangwei"]},
        {"duty_date", "start", "leader_id", "officer_ids"}),
}


@pytest.fixture(params=list(ENDPOINTS))
def endpoint(request) -> Endpoint:
    return ENDPOINTS[request.param]


def snapshot(db_session) -> dict[str, int]:
    """Row count of every table (the affected ones, audit_entries and changes among them)."""
    db_session.expire_all()
    return {t.name: db_session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def send(client, endpoint: Endpoint, headers, *, data: str | bytes):
    return getattr(client, endpoint.method)(endpoint.url, data=data, headers=headers,
                                            content_type="application/json")


def assert_nothing_written(db_session, before: dict[str, int]) -> None:
    after = snapshot(db_session)
    assert after[AuditEntry.__tablename__] == before[AuditEntry.__tablename__]
    assert after[Change.__tablename__] == before[Change.__tablename__]
    assert after == before


def test_a_valid_body_is_written_so_the_counts_can_tell(client, login, db_session, endpoint):
    headers = login(endpoint.user)
    before = snapshot(db_session)
    resp = send(client, endpoint, headers, data=json.dumps(endpoint.valid(db_session)))
    assert resp.status_code in (200, 201), resp.get_json()
    after = snapshot(db_session)
    for model in (*endpoint.written, AuditEntry, Change):
        assert after[model.__tablename__] > before[model.__tablename__], model.__tablename__


@pytest.mark.parametrize("raw", ["{not json", '{"client_id": "c", "mutations": [', "{'single': 'quotes'}"])
def test_malformed_json_on_a_write_is_400_and_writes_nothing(client, login, db_session, endpoint, raw):
    headers = login(endpoint.user)
    before = snapshot(db_session)
    assert_error(send(client, endpoint, headers, data=raw), 400, "malformed-json")
    assert_nothing_written(db_session, before)


def test_a_valid_body_padded_over_max_request_bytes_is_413_and_writes_nothing(client, login, db_session, endpoint):
    headers = login(endpoint.user)
    body = json.dumps(endpoint.valid(db_session))
    assert len(body.encode()) < LIMIT
    padded = body[:-1] + " " * (LIMIT + 1 - len(body.encode())) + "}"
    assert len(padded.encode()) == LIMIT + 1 and json.loads(padded) == json.loads(body)
    before = snapshot(db_session)
    err = assert_error(send(client, endpoint, headers, data=padded), 413, "payload-too-large")
    assert err["details"]["max_bytes"] == LIMIT
    assert_nothing_written(db_session, before)


def test_wrong_types_are_422_naming_each_field_and_write_nothing(client, login, db_session, endpoint):
    headers = login(endpoint.user)
    body = endpoint.wrong_types(endpoint.valid(db_session))
    before = snapshot(db_session)
    err = assert_error(send(client, endpoint, headers, data=json.dumps(body)), 422, "validation-failed")
    assert set(err["details"]["fields"]) == endpoint.bad_fields
    assert_nothing_written(db_session, before)


def test_an_unknown_field_in_an_otherwise_valid_body_is_422_and_writes_nothing(client, login, db_session, endpoint):
    headers = login(endpoint.user)
    body = {**endpoint.valid(db_session), "force": True}
    before = snapshot(db_session)
    err = assert_error(send(client, endpoint, headers, data=json.dumps(body)), 422, "validation-failed")
    assert err["details"]["fields"] == {"force": ["未知字段"]}
    assert_nothing_written(db_session, before)


@pytest.mark.parametrize("body", [[], "a string", 7, None])
def test_a_body_that_is_not_an_object_is_422_and_writes_nothing(client, login, db_session, endpoint, body):
    headers = login(endpoint.user)
    before = snapshot(db_session)
    assert_error(send(client, endpoint, headers, data=json.dumps(body)), 422, "validation-failed")
    assert_nothing_written(db_session, before)
