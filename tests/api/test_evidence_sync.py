"""evidence.attach / evidence.void through POST /api/sync/push: append-only, waits for its blob, GPS flagged,
integrity alerts reach the conflict inbox, voids hide but never delete, every file read is logged."""
from __future__ import annotations

import hashlib
import io
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import func, select

import factories
from evidence_support import jpeg_bytes, png_bytes
from server.adapters.models import AuditEntry, Blob, Evidence, EvidenceAccess, GpsFix

NOW = datetime.now(timezone.utc).replace(microsecond=0)


class Device:
    """One phone: a login, an outbox client id and its own sequence numbers."""

    def __init__(self, client, login, username):
        self.client, self.device_id = client, f"dev-{uuid.uuid4()}"
        self.headers = login(username, self.device_id)
        self.client_id, self.seq = f"outbox-{uuid.uuid4()}", 0

    def push(self, name, args):
        self.seq += 1
        resp = self.client.post("/api/sync/push", headers=self.headers, json={
            "client_id": self.client_id,
            "mutations": [{"id": str(uuid.uuid4()), "seq": self.seq, "name": name, "args": args,
                           "created_at_device": NOW.isoformat()}]})
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()["results"][0]

    def upload(self, data):
        digest = hashlib.sha256(data).hexdigest()
        resp = self.client.put(f"/api/blobs/{digest}", data=data, headers=self.headers)
        assert resp.status_code in (200, 201), resp.get_json()
        return digest


@pytest.fixture
def inspection(app, demo):
    from server.extensions import db

    with app.app_context():
        return factories.inspection(db.session, "DD01", "zhangwei").id


def gps(lat=40.8650, lon=111.6620, accuracy=12.0, minutes=0):
    return {"lat": lat, "lon": lon, "accuracy_m": accuracy, "source": "gps",
            "device_time": (NOW - timedelta(minutes=minutes)).isoformat()}


def attach_args(inspection_id, data, **extra):
    args = {"id": str(uuid.uuid4()), "inspection_id": inspection_id, "kind": "photo",
            "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "mime": "image/jpeg",
            "taken_at": NOW.isoformat(), "gps": gps(), "note": "车辆右侧"}
    args.update(extra)
    return args


def rows(app, model, **where):
    from server.extensions import db

    with app.app_context():
        stmt = select(model).filter_by(**where)
        found = db.session.scalars(stmt).all()
        db.session.expunge_all()
        return found


def test_attach_waits_for_its_photo_then_applies_when_the_upload_completes(app, client, login, inspection):
    phone = Device(client, login, "zhangwei")
    data = jpeg_bytes(size=(1200, 900), noise=True)
    args = attach_args(inspection, data)
    parked = phone.push("evidence.attach", args)
    assert parked["status"] == "waiting"
    assert rows(app, Evidence) == []
    phone.upload(data)  # completing the upload releases the parked mutation
    [ev] = rows(app, Evidence, id=args["id"])
    assert ev.sha256 == args["sha256"] and ev.mime == "image/jpeg" and ev.flags == []
    display = rows(app, Blob, sha256=ev.display_sha256)[0]
    assert (display.variant, display.derived_from) == ("display", ev.sha256)
    [fix] = rows(app, GpsFix, entity_id=ev.id)
    assert (fix.lat, fix.lon, fix.accuracy_m, fix.source) == (40.8650, 111.6620, 12.0, "gps")
    assert fix.received_at >= fix.device_time
    assert [a.action for a in rows(app, AuditEntry, entity_type="evidence")] == ["evidence.attach"]


def test_same_id_same_content_is_a_duplicate_and_is_ignored(app, client, login, inspection):
    phone = Device(client, login, "zhangwei")
    data = jpeg_bytes()
    phone.upload(data)
    args = attach_args(inspection, data)
    assert phone.push("evidence.attach", args)["status"] == "applied"
    again = phone.push("evidence.attach", args)  # a new mutation carrying the same evidence
    assert (again["status"], again["code"]) == ("applied", "duplicate-ignored")
    assert len(rows(app, Evidence)) == 1
    assert len(rows(app, AuditEntry, entity_type="evidence")) == 1


def test_same_id_different_content_keeps_both_and_raises_an_integrity_conflict(app, client, login, inspection):
    phone = Device(client, login, "zhangwei")
    first, second = jpeg_bytes(color=(1, 2, 3)), jpeg_bytes(color=(200, 10, 10))
    phone.upload(first)
    phone.upload(second)
    args = attach_args(inspection, first)
    assert phone.push("evidence.attach", args)["status"] == "applied"
    forged = {**args, "sha256": hashlib.sha256(second).hexdigest(), "bytes": len(second)}
    result = phone.push("evidence.attach", forged)
    assert (result["status"], result["code"]) == ("conflict", "evidence-integrity-alert")
    [ev] = rows(app, Evidence, id=args["id"])
    assert ev.sha256 == args["sha256"]  # the stored evidence is untouched
    assert "integrity-alert" in ev.flags
    [conflict] = client.get(f"/api/conflicts?entity_id={args['id']}", headers=login("reviewer")).get_json()
    assert conflict["kind"] == "integrity"
    assert conflict["server_value"]["sha256"] == args["sha256"]
    assert conflict["device_value"]["sha256"] == forged["sha256"]  # the second version is kept verbatim
    refused = client.post(f"/api/conflicts/{conflict['id']}/resolve", headers=login("reviewer"),
                          json={"resolution": "take_device"})
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "evidence-append-only"
    kept = client.post(f"/api/conflicts/{conflict['id']}/resolve", headers=login("reviewer"),
                       json={"resolution": "keep_server"})
    assert kept.status_code == 200
    assert rows(app, Evidence, id=args["id"])[0].sha256 == args["sha256"]


def test_gps_fix_far_away_and_coarse_is_flagged_not_dropped(app, client, login, inspection):
    phone = Device(client, login, "zhangwei")
    near, far = jpeg_bytes(color=(9, 9, 9)), jpeg_bytes(color=(90, 90, 90))
    phone.upload(near)
    phone.upload(far)
    assert phone.push("evidence.attach", attach_args(inspection, near, gps=gps(minutes=1)))["status"] == "applied"
    # One minute later, in Beijing (≈400 km), with a 300 m fix.
    result = phone.push("evidence.attach", attach_args(inspection, far, gps=gps(39.9042, 116.4074, 300.0)))
    assert result["status"] == "applied"
    assert {"gps-speed-implausible", "gps-outside-area", "gps-accuracy-poor"} <= set(result["details"]["flags"])
    detail = [e for e in client.get(f"/api/evidence?inspection_id={inspection}", headers=phone.headers).get_json()
              if e["sha256"] == hashlib.sha256(far).hexdigest()][0]
    assert "gps-outside-area" in detail["gps"]["flags"] and detail["flag_labels"]


def test_declared_type_that_lies_is_flagged_and_kind_mismatch_is_rejected(app, client, login, inspection):
    phone = Device(client, login, "zhangwei")
    png = png_bytes()
    phone.upload(png)
    renamed = phone.push("evidence.attach", attach_args(inspection, png, mime="image/jpeg"))
    assert renamed["status"] == "applied" and "mime-mismatch" in renamed["details"]["flags"]
    as_video = phone.push("evidence.attach", attach_args(inspection, png, kind="video", mime="video/mp4"))
    assert (as_video["status"], as_video["code"]) == ("rejected", "evidence-kind-mismatch")


def test_another_units_officer_cannot_attach_to_the_inspection(app, client, login, inspection):
    phone = Device(client, login, "wangqiang")  # 赛罕区大队; the inspection is 新城区大队's
    data = jpeg_bytes()
    phone.upload(data)
    result = phone.push("evidence.attach", attach_args(inspection, data))
    assert (result["status"], result["code"]) == ("rejected", "not-found")


def test_void_hides_with_a_reason_and_never_deletes(app, client, login, inspection):
    phone = Device(client, login, "zhangwei")
    data = jpeg_bytes()
    phone.upload(data)
    args = attach_args(inspection, data)
    phone.push("evidence.attach", args)
    refused = Device(client, login, "lina").push("evidence.void", {"id": str(uuid.uuid4()),
                                                                    "evidence_id": args["id"], "reason": "拍错了"})
    assert (refused["status"], refused["code"]) == ("rejected", "forbidden")
    void = {"id": str(uuid.uuid4()), "evidence_id": args["id"], "reason": "拍摄对象错误，重新拍摄"}
    assert phone.push("evidence.void", void)["status"] == "applied"
    assert phone.push("evidence.void", {**void, "id": str(uuid.uuid4())})["code"] == "already-voided"
    listed = client.get(f"/api/evidence?inspection_id={inspection}", headers=phone.headers).get_json()
    assert listed == []
    assert client.get(f"/api/evidence/{args['id']}", headers=phone.headers).status_code == 404
    leader = login("leader_dd01")
    shown = client.get(f"/api/evidence?inspection_id={inspection}&include_voided=true", headers=leader).get_json()
    assert [(e["id"], e["voided"], e["void_reason"]) for e in shown] == [(args["id"], True, void["reason"])]
    [ev] = rows(app, Evidence, id=args["id"])
    assert ev.voided_at is not None and rows(app, Blob, sha256=ev.sha256)
    assert [a.action for a in rows(app, AuditEntry, entity_type="evidence")] == ["evidence.attach", "evidence.void"]


def test_void_of_evidence_not_yet_arrived_waits(app, client, login, inspection):
    phone = Device(client, login, "zhangwei")
    result = phone.push("evidence.void", {"id": str(uuid.uuid4()), "evidence_id": str(uuid.uuid4()),
                                          "reason": "重复拍摄"})
    assert result["status"] == "waiting"


def test_every_file_read_is_logged_and_only_authorised_users_read(app, client, login, inspection):
    phone = Device(client, login, "zhangwei")
    data = jpeg_bytes(size=(800, 600), noise=True)
    phone.upload(data)
    args = attach_args(inspection, data)
    phone.push("evidence.attach", args)
    display = client.get(f"/api/evidence/{args['id']}/file", headers=phone.headers)
    assert display.status_code == 200 and display.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(display.data)).size == (800, 600)
    original = client.get(f"/api/evidence/{args['id']}/file?variant=original", headers=login("leader"))
    assert original.data == data  # the original, byte for byte
    thumb = client.get(f"/api/evidence/{args['id']}/file?variant=thumb", headers=phone.headers)
    assert max(Image.open(io.BytesIO(thumb.data)).size) == 320
    outsider = client.get(f"/api/evidence/{args['id']}/file", headers=login("wangqiang"))
    assert outsider.status_code == 404
    logged = [(a.variant, a.evidence_id) for a in rows(app, EvidenceAccess)]
    assert sorted(logged) == sorted([("display", args["id"]), ("original", args["id"]), ("thumb", args["id"])])
    report = client.get(f"/api/admin/evidence-access?evidence_id={args['id']}", headers=login("leader")).get_json()
    assert len(report) == 3 and {r["variant"] for r in report} == {"display", "original", "thumb"}
    assert client.get("/api/admin/evidence-access", headers=phone.headers).status_code == 403
