"""patrol.checkin queued offline and pushed through POST /api/sync/push: refusals are recorded rejections
with the reason, a replayed check-in is counted once, and replaying the batch changes nothing."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from geopy.distance import distance as geo_distance
from sqlalchemy import func, select

from server.adapters.models import PatrolCheckin, PatrolPoint
from tests.sync_helpers import mutation


def checkin_args(point, qr, *, meters_north=0.0, accuracy=8.0, cid=None):
    at = datetime.now(timezone.utc) - timedelta(minutes=3)
    dest = geo_distance(meters=meters_north).destination((point.lat, point.lon), bearing=0)
    return {"id": cid or str(uuid.uuid4()), "point_qr": qr, "at": at.isoformat(),
            "gps": {"lat": dest.latitude, "lon": dest.longitude, "accuracy_m": accuracy, "source": "gps",
                    "device_time": at.isoformat()}}


def test_checkins_pushed_through_sync(client, login, db_session):
    headers = login("leader_dd01")
    point = db_session.scalar(select(PatrolPoint).where(PatrolPoint.name == "兴安北路货运车辆检查点"))
    qr = client.get(f"/api/patrol/points/{point.id}/qr", headers=headers).get_json()["qr"]
    inside = checkin_args(point, qr, meters_north=30)
    forged = qr[:-3] + ("AAA" if not qr.endswith("AAA") else "BBB")
    batch = [mutation(1, "patrol.checkin", inside),
             mutation(2, "patrol.checkin", checkin_args(point, qr, meters_north=point.radius_m + 300)),
             mutation(3, "patrol.checkin", checkin_args(point, qr, accuracy=150)),
             mutation(4, "patrol.checkin", inside),  # the phone queued the same check-in twice
             mutation(5, "patrol.checkin", checkin_args(point, forged)),
             mutation(6, "patrol.checkin", {**checkin_args(point, qr), "gps": {"lat": "north"}})]
    resp = client.post("/api/sync/push", json={"client_id": "c-leader", "mutations": batch}, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    results = resp.get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected", "applied", "rejected", "rejected"]
    assert results[0]["entity_refs"] == [{"type": "patrol_checkin", "id": inside["id"]}]
    assert results[1]["code"] == "checkin-outside-radius" and "450 米" in results[1]["message"]
    assert results[2]["code"] == "checkin-accuracy-too-low" and "150 米" in results[2]["message"]
    assert results[3]["details"]["replayed"] is True
    assert results[4]["code"] == "point-qr-invalid"
    assert results[5]["code"] == "invalid-args"
    assert db_session.scalar(select(func.count()).select_from(PatrolCheckin)) == 1

    again = client.post("/api/sync/push", json={"client_id": "c-leader", "mutations": batch}, headers=headers)
    assert again.get_json()["results"] == results
    assert db_session.scalar(select(func.count()).select_from(PatrolCheckin)) == 1


def test_checkin_with_a_photo_waits_for_the_upload_then_applies(client, login, db_session):
    import hashlib
    import io

    from PIL import Image

    headers = login("leader_dd01")
    point = db_session.scalar(select(PatrolPoint).where(PatrolPoint.name == "兴安北路货运车辆检查点"))
    qr = client.get(f"/api/patrol/points/{point.id}/qr", headers=headers).get_json()["qr"]
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 90, 160)).save(buf, "JPEG")
    photo = buf.getvalue()
    digest = hashlib.sha256(photo).hexdigest()
    args = {**checkin_args(point, qr), "photo_sha256": digest}
    resp = client.post("/api/sync/push", headers=headers,
                       json={"client_id": "c-photo", "mutations": [mutation(1, "patrol.checkin", args)]})
    assert resp.get_json()["results"][0]["status"] == "waiting"
    assert db_session.scalar(select(func.count()).select_from(PatrolCheckin)) == 0
    upload = client.put(f"/api/blobs/{digest}", data=photo, headers={**headers, "Content-Type": "image/jpeg"})
    assert upload.status_code in (200, 201), upload.get_json()
    db_session.rollback()
    row = db_session.get(PatrolCheckin, args["id"])
    assert row is not None and row.photo_sha256 == digest
