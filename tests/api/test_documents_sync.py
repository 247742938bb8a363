"""A commitment letter issued offline reaches the server through POST /api/sync/push, exactly once."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from tests.sync_helpers import create_inspection, mutation, officer_id, party_id


def test_offline_commitment_letter_is_issued_once_through_push(client, login, demo, db_session):
    headers = login("zhangwei", device_id="dev-docs-push")
    block = client.post("/api/sync/number-blocks", json={"doc_type": "commitment_letter", "size": 5}, headers=headers)
    assert block.status_code in (200, 201), block.get_json()
    block = block.get_json()
    inspection = create_inspection(1, officer_id(db_session, "lina"), party=party_id(db_session, "刘某军"),
                                   catalog_code="GL-69-TUOXING", first_violation=True)
    doc_id = str(uuid.uuid4())
    issue = mutation(2, "document.issue", {
        "id": doc_id, "inspection_id": inspection["args"]["id"], "doc_type": "commitment_letter",
        "procedure": "minor_exempt", "number": {"block_id": block["id"], "year": block["year"], "seq": block["start"]},
        "issued_at": datetime.now(timezone.utc).isoformat(),
        "fields": {"harm": "none", "corrected_on_spot": True, "first_violation": True, "evidence": ["现场照片2张"]},
        "signatures": [{"role": "party", "refused": True, "witness": "王某（过路群众）"}]})
    batch = [inspection, issue]
    first = client.post("/api/sync/push", json={"client_id": "dev-docs-push", "mutations": batch}, headers=headers)
    results = first.get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied"], results
    number = next(ref["number"] for ref in results[1]["entity_refs"] if ref["type"] == "document")
    assert number.startswith("呼交执新承诺〔") and number.endswith("0001号")
    again = client.post("/api/sync/push", json={"client_id": "dev-docs-push", "mutations": batch}, headers=headers)
    assert again.get_json()["results"] == results
    listed = client.get("/api/documents", headers=headers).get_json()
    assert [(d["id"], d["number"]) for d in listed] == [(doc_id, number)]
    detail = client.get(f"/api/documents/{doc_id}", headers=headers).get_json()
    assert "当事人拒绝签名（见证人：王某（过路群众））" in detail["html"]
