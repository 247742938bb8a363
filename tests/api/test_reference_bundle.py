"""The offline reference bundle: what a phone needs to verify QR codes and fill forms without network."""
from server.adapters import signing


def test_reference_bundle_verifies_scanned_qr_and_lists_revocations(client, login):
    headers = login("zhangwei")
    body = client.get("/api/reference", headers=headers).get_json()
    assert body["unit"]["name"] == "新城区大队"
    names = {o["full_name"]: o for o in body["officers"]}
    assert names["李娜"]["certificate_number"] == "15010102" and names["李娜"]["state"] == "valid"
    assert names["赵磊"]["state"] == "suspended"
    assert "王强" not in names  # another 大队's officers are not in my unit's bundle
    revoked = {(r["number"], r["status"]) for r in body["revocations"]}
    assert ("蒙交运管呼字150100001004号", "revoked") in revoked
    assert any(e["code"] for e in body["catalog"])
    qr = client.get("/api/lookup/credentials/蒙交运管呼字150100001001号", headers=headers).get_json()["qr"]
    assert signing.verify_payload(body["public_key"], qr)["n"] == "蒙交运管呼字150100001001号"


def test_reference_bundle_needs_login(client, demo):
    assert client.get("/api/reference").get_json()["error"]["code"] == "unauthenticated"
