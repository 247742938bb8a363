"""领导带班巡查 over HTTP: points and posters, roster CSV, online check-in, patrol log, compliance."""
from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from geopy.distance import distance as geo_distance
from sqlalchemy import select

from server.adapters import signing
from server.adapters.models import DutyShift, PatrolPoint
from server.domain.timeutil import SHANGHAI
from tests import factories

# The demo roster covers yesterday to six days ahead: days the tests write their own shifts on lie beyond it.
FREE = datetime.now(SHANGHAI).date() + timedelta(days=90)
D1, D2, D3 = (FREE + timedelta(days=n) for n in range(3))


def shift_now(client, headers, db_session) -> DutyShift:
    """A shift led by 刘带班 covering the real clock (the REST check-in is judged at server time): the demo's
    白班 in the daytime, else one added for the test."""
    now = datetime.now(timezone.utc)
    leader = factories.officer(db_session, "leader_dd01")
    found = db_session.scalar(select(DutyShift).where(DutyShift.leader_id == leader.id, DutyShift.starts_at <= now,
                                                      DutyShift.ends_at > now + timedelta(minutes=5)))
    if found is not None:
        return found
    start = datetime.now(SHANGHAI) - timedelta(hours=1)
    # Near the ends of the demo 白班 (08:00/20:00) the added window would overlap it, which the roster rightly
    # refuses for one leader: clear the leader's shifts in that window so the test does not depend on the hour.
    for clash in db_session.scalars(select(DutyShift).where(
            DutyShift.leader_id == leader.id, DutyShift.starts_at < now + timedelta(hours=2),
            DutyShift.ends_at > now - timedelta(hours=1))):
        db_session.delete(clash)
    db_session.commit()
    resp = client.put("/api/patrol/roster", headers=headers, json={
        "unit_id": factories.unit(db_session, "DD01").id, "duty_date": start.date().isoformat(), "shift": "临时巡查",
        "start": start.strftime("%H:%M"), "end": (start + timedelta(hours=3)).strftime("%H:%M"),
        "leader_id": factories.officer(db_session, "leader_dd01").id, "officer_ids": []})
    assert resp.status_code == 200, resp.get_json()
    return db_session.get(DutyShift, resp.get_json()["id"])


def checkin_body(point, qr, at, meters_north=0.0, accuracy=8.0, cid=None):
    dest = geo_distance(meters=meters_north).destination((point.lat, point.lon), bearing=0)
    return {"id": cid or str(uuid.uuid4()), "point_qr": qr, "at": at.isoformat(),
            "gps": {"lat": dest.latitude, "lon": dest.longitude, "accuracy_m": accuracy, "source": "gps",
                    "device_time": at.isoformat()}}


def point_and_qr(client, headers, db_session):
    point = db_session.scalar(select(PatrolPoint).where(PatrolPoint.name == "兴安北路货运车辆检查点"))
    return point, client.get(f"/api/patrol/points/{point.id}/qr", headers=headers).get_json()["qr"]


def test_leader_creates_a_point_and_prints_its_poster(client, login, db_session):
    headers = login("leader_dd01")
    unit = factories.unit(db_session, "DD01")
    resp = client.post("/api/patrol/points", headers=headers,
                       json={"unit_id": unit.id, "name": "新华大街路口", "lat": 40.85, "lon": 111.67, "radius_m": 120})
    assert resp.status_code == 201, resp.get_json()
    poster = client.get(f"/api/patrol/points/{resp.get_json()['id']}/poster.svg", headers=headers)
    assert poster.status_code == 200 and poster.mimetype == "image/svg+xml"
    text = poster.get_data(as_text=True)
    assert "新华大街路口" in text and "120 米" in text and 'class="segno"' in text


def scan_poster(svg: str, tmp_path: Path) -> str:
    """Print the poster as a browser would (headless Chromium, A4 at 96 dpi) and read its QR with the vendored
    jsQR the phone uses: the text a camera would get from the wall."""
    from PIL import Image

    (tmp_path / "poster.svg").write_text(svg, encoding="utf-8")
    subprocess.run([shutil.which("chromium"), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}",
                    f"--screenshot={tmp_path / 'poster.png'}", "--window-size=794,1123",
                    (tmp_path / "poster.svg").as_uri()], check=True, capture_output=True, timeout=60)
    page = Image.open(tmp_path / "poster.png").convert("RGBA")
    (tmp_path / "poster.rgba").write_bytes(page.tobytes())
    root = Path(__file__).resolve().parents[2]
    return subprocess.run(["node", str(root / "tests/js/decode_qr.cjs"), str(tmp_path / "poster.rgba"),
                           str(page.width), str(page.height)], capture_output=True, text=True, timeout=60,
                          check=True).stdout


@pytest.mark.skipif(shutil.which("node") is None or shutil.which("chromium") is None, reason="needs node and chromium")
def test_the_printed_poster_scans_to_the_signed_point_token_the_checkin_accepts(client, login, db_session, tmp_path):
    headers = login("leader_dd01")
    point, qr = point_and_qr(client, headers, db_session)
    poster = client.get(f"/api/patrol/points/{point.id}/poster.svg", headers=headers)
    scanned = scan_poster(poster.get_data(as_text=True), tmp_path)
    assert scanned == qr
    key = signing.public_key_b64(signing.load_or_create_ed25519(db_session))
    assert signing.verify_payload(key, scanned) == {"k": "patrol_point", "id": point.id, "u": point.unit_id,
                                                    "n": "兴安北路货运车辆检查点"}
    shift_now(client, headers, db_session)
    at = datetime.now(timezone.utc) - timedelta(minutes=2)
    ok = client.post("/api/patrol/checkins", json=checkin_body(point, scanned, at, meters_north=20), headers=headers)
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["status"] == "accepted" and ok.get_json()["point_id"] == point.id
    # A copy edited to name another point keeps the signature of this one: refused, and nothing is stored.
    other = db_session.scalar(select(PatrolPoint).where(PatrolPoint.unit_id == point.unit_id, PatrolPoint.id != point.id))
    prefix, body, signature = scanned.split(".")
    payload = json.loads(signing.unb64u(body))
    forged = ".".join([prefix, signing.b64u(json.dumps(dict(payload, id=other.id), ensure_ascii=False, sort_keys=True,
                                                       separators=(",", ":")).encode()), signature])
    resp = client.post("/api/patrol/checkins", json=checkin_body(other, forged, at), headers=headers)
    err = resp.get_json()["error"]
    assert resp.status_code == 422 and err["code"] == "point-qr-invalid"
    assert err["message"] == "巡查点二维码无效或签名校验失败，请扫描张贴的正式二维码"
    log = client.get("/api/patrol/checkins", headers=headers).get_json()
    assert [c["id"] for c in log] == [ok.get_json()["id"]]


def test_officer_cannot_create_points_and_other_brigades_points_are_hidden(client, login, db_session):
    unit = factories.unit(db_session, "DD01")
    resp = client.post("/api/patrol/points", headers=login("zhangwei"),
                       json={"unit_id": unit.id, "name": "x", "lat": 40.8, "lon": 111.6})
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
    names = {p["name"] for p in client.get("/api/patrol/points", headers=login("wangqiang")).get_json()}
    assert "金桥开发区物流园门口" in names and "兴安北路货运车辆检查点" not in names
    assert "呼和浩特公路客运枢纽站" in names  # the 支队's points are everyone's


def test_online_checkin_inside_radius_then_replay_then_outside(client, login, db_session, app):
    headers = login("leader_dd01")
    point, qr = point_and_qr(client, headers, db_session)
    shift_now(client, headers, db_session)
    at = datetime.now(timezone.utc) - timedelta(minutes=2)
    body = checkin_body(point, qr, at, meters_north=40)
    first = client.post("/api/patrol/checkins", json=body, headers=headers)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["status"] == "accepted" and first.get_json()["as_leader"] is True
    replay = client.post("/api/patrol/checkins", json=body, headers=headers)
    assert replay.status_code == 200 and replay.get_json()["id"] == body["id"]
    far = client.post("/api/patrol/checkins", json=checkin_body(point, qr, at, meters_north=point.radius_m + 300),
                      headers=headers)
    err = far.get_json()["error"]
    assert far.status_code == 422 and err["code"] == "checkin-outside-radius" and "450 米" in err["message"]
    log = client.get("/api/patrol/checkins", headers=headers).get_json()
    assert [c["id"] for c in log] == [body["id"]] and log[0]["point_name"] == point.name


def test_checkin_with_unknown_fields_or_forged_qr_is_refused(client, login, db_session):
    headers = login("leader_dd01")
    point, qr = point_and_qr(client, headers, db_session)
    at = datetime.now(timezone.utc) - timedelta(minutes=2)
    body = checkin_body(point, qr, at)
    body["extra"] = 1
    assert client.post("/api/patrol/checkins", json=body, headers=headers).status_code == 422
    forged = checkin_body(point, qr.replace(qr.split(".")[1], qr.split(".")[1][:-2] + "AA"), at)
    resp = client.post("/api/patrol/checkins", json=forged, headers=headers)
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "point-qr-invalid"


def test_roster_csv_import_all_or_nothing(client, login, db_session):
    headers = login("leader_dd01")
    unit = factories.unit(db_session, "DD01")
    good = f"date,shift,start,end,leader,officers\n{D1},白班,08:00,20:00,leader_dd01,zhangwei;lina\n" \
           f"{D1},夜班,20:00,08:00,leader_dd01,lina\n"
    resp = client.post(f"/api/patrol/roster/import?unit_id={unit.id}", data=good.encode(), headers=headers,
                       content_type="text/csv")
    assert resp.status_code == 201, resp.get_json()
    night = [s for s in resp.get_json() if s["shift"] == "夜班"][0]
    assert night["starts_at"].startswith(f"{D1}T12:00") and night["ends_at"].startswith(f"{D2}T00:00")
    bad = f"date,shift,start,end,leader,officers\n{D2},白班,08:00,20:00,leader_dd01,zhangwei\n" \
          f"{D3},白班,8点,20:00,nobody,zhangwei\n"
    resp = client.post(f"/api/patrol/roster/import?unit_id={unit.id}", data=bad.encode(), headers=headers,
                       content_type="text/csv")
    err = resp.get_json()["error"]
    assert resp.status_code == 422 and err["details"]["line"] == 3
    assert set(err["details"]["fields"]) == {"start", "leader"}
    days = client.get(f"/api/patrol/roster?start={D1}&end={D3}", headers=headers).get_json()
    assert {d["duty_date"] for d in days} == {str(D1)}


def test_roster_refuses_overlapping_shifts_for_one_leader(client, login, db_session):
    headers = login("leader_dd01")
    base = {"unit_id": factories.unit(db_session, "DD01").id, "duty_date": str(D1),
            "leader_id": factories.officer(db_session, "leader_dd01").id, "officer_ids": []}
    assert client.put("/api/patrol/roster", headers=headers,
                      json={**base, "shift": "白班", "start": "08:00", "end": "20:00"}).status_code == 200
    resp = client.put("/api/patrol/roster", headers=headers, json={**base, "shift": "加班", "start": "19:00", "end": "23:00"})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "roster-leader-overlap"
    # editing the same slot is not an overlap with itself
    assert client.put("/api/patrol/roster", headers=headers,
                      json={**base, "shift": "白班", "start": "09:00", "end": "18:00"}).status_code == 200


def test_roster_refuses_a_leader_without_the_leader_role(client, login, db_session):
    unit = factories.unit(db_session, "DD01")
    resp = client.put("/api/patrol/roster", headers=login("leader_dd01"), json={
        "unit_id": unit.id, "duty_date": str(D1), "shift": "白班", "start": "08:00", "end": "20:00",
        "leader_id": factories.officer(db_session, "zhangwei").id, "officer_ids": []})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "roster-leader-role"


def test_compliance_shows_required_and_done_per_leader(client, login, db_session):
    headers = login("leader_dd01")
    point, qr = point_and_qr(client, headers, db_session)
    shift = shift_now(client, headers, db_session)
    resp = client.post("/api/patrol/checkins", headers=headers,
                       json=checkin_body(point, qr, datetime.now(timezone.utc) - timedelta(minutes=1)))
    assert resp.get_json()["shift_id"] == shift.id and resp.get_json()["as_leader"] is True
    rows = client.get(f"/api/patrol/compliance?week={shift.duty_date.isoformat()}",
                      headers=login("leader")).get_json()
    mine = [r for r in rows if r["leader_name"] == "刘带班"][0]
    shifts = mine["shifts"]
    assert mine["per_shift"] == 2 and mine["required"] == max(2 * shifts, 8)
    assert mine["done"] == 1 and mine["met"] is False
    assert client.get("/api/patrol/compliance", headers=login("zhangwei")).status_code == 403
