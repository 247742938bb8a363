"""What an officer checks at the roadside: credentials by number or QR, plates, colleagues' 执法证."""
from urllib.parse import quote

from server.adapters import signing


def test_valid_credential_by_number(client, demo, login):
    resp = client.get("/api/lookup/credentials/" + quote("蒙交运管呼字150100001001号"), headers=login("zhangwei"))
    body = resp.get_json()
    assert resp.status_code == 200
    assert body["state"] == "valid" and body["state_label"] == "有效"
    assert body["credential"]["holder"]["name"] == "呼和浩特市顺达货运有限公司"
    assert body["credential"]["plate"] == "蒙A12345"


def test_expired_and_revoked_credentials_say_so(client, demo, login):
    headers = login("zhangwei")
    expired = client.get("/api/lookup/credentials/" + quote("蒙交运管呼字150100001003号"), headers=headers).get_json()
    revoked = client.get("/api/lookup/credentials/" + quote("蒙交运管呼字150100001004号"), headers=headers).get_json()
    assert (expired["state"], expired["state_label"]) == ("expired", "已过期")
    assert (revoked["state"], revoked["state_label"]) == ("revoked", "已吊销")


def test_unknown_number_is_a_clear_404(client, demo, login):
    resp = client.get("/api/lookup/credentials/NOPE-1", headers=login("zhangwei"))
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "credential-unknown"


def test_plate_search_lists_vehicle_with_its_credentials(client, demo, login):
    rows = client.get("/api/lookup/vehicles?plate=a123", headers=login("zhangwei")).get_json()
    assert [r["vehicle"]["plate"] for r in rows] == ["蒙A12345"]
    assert rows[0]["credentials"][0]["credential"]["kind_label"] == "道路运输证"


def test_plate_search_needs_two_characters(client, demo, login):
    resp = client.get("/api/lookup/vehicles?plate=A", headers=login("zhangwei"))
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "query-too-short"


def test_scanned_qr_is_verified_and_resolved_to_live_status(client, demo, login):
    headers = login("zhangwei")
    qr = client.get("/api/lookup/credentials/" + quote("蒙交运管呼字150100001004号"), headers=headers).get_json()["qr"]
    resp = client.post("/api/lookup/scan", json={"qr": qr}, headers=headers)
    assert resp.get_json()["kind"] == "credential"
    assert resp.get_json()["result"]["state"] == "revoked"


def test_tampered_qr_is_refused(client, demo, login):
    headers = login("zhangwei")
    qr = client.get("/api/lookup/credentials/" + quote("蒙交运管呼字150100001001号"), headers=headers).get_json()["qr"]
    prefix, body, sig = qr.split(".")
    payload = signing.unb64u(body).replace("顺达".encode(), "假冒".encode())
    forged = ".".join([prefix, signing.b64u(payload), sig])
    resp = client.post("/api/lookup/scan", json={"qr": forged}, headers=headers)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "qr-invalid"


def test_colleague_certificate_shows_whether_they_may_enforce(client, demo, login):
    headers = login("zhangwei")
    ok = client.get("/api/lookup/officer-certificates/15010102", headers=headers).get_json()
    suspended = client.get("/api/lookup/officer-certificates/15010104", headers=headers).get_json()
    expired = client.get("/api/lookup/officer-certificates/15010202", headers=headers).get_json()
    assert (ok["officer"]["full_name"], ok["may_enforce"]) == ("李娜", True)
    assert (suspended["state"], suspended["may_enforce"]) == ("suspended", False)
    assert (expired["state_label"], expired["may_enforce"]) == ("已过期", False)
    scanned = client.post("/api/lookup/scan", json={"qr": ok["qr"]}, headers=headers).get_json()
    assert scanned["kind"] == "officer" and scanned["result"]["officer"]["full_name"] == "李娜"


def test_revocation_list_contains_revoked_credentials_and_suspended_certificates(client, demo, login):
    rows = client.get("/api/lookup/revocations", headers=login("zhangwei")).get_json()
    numbers = {(r["kind"], r["number"], r["status"]) for r in rows}
    assert ("road_transport_cert", "蒙交运管呼字150100001004号", "revoked") in numbers
    assert ("enforcement_cert", "15010104", "suspended") in numbers
