"""事后公示: recording where a penalty decision was published ends its publication reminder."""
from datetime import datetime, timezone

from tests.integration.test_reminders import decision, local, run


def test_published_decision_gets_no_publication_reminder(app, client, demo, login, db_session):
    doc = decision(db_session, local(2026, 9, 30))
    other = decision(db_session, local(2026, 9, 30), seq=8)
    resp = client.put(f"/api/documents/{doc.id}/publication", headers=login("reviewer"),
                      json={"url": "https://jtt.example.gov.cn/gs/2026/0007.html"})
    assert resp.status_code == 200
    assert resp.get_json()["published_url"].endswith("0007.html") and resp.get_json()["published_at"]
    db_session.expire_all()
    assert run(app, db_session, local(2026, 10, 13))["publication"] == 1  # only the unpublished one
    from tests.integration.test_reminders import notes

    [note] = notes(db_session, "publication-due")
    assert note.entity_id == other.id


def test_only_reviewers_leaders_and_admins_record_publication(client, demo, login, db_session):
    doc = decision(db_session, datetime.now(timezone.utc))
    resp = client.put(f"/api/documents/{doc.id}/publication", headers=login("zhangwei"),
                      json={"url": "https://jtt.example.gov.cn/gs/1.html"})
    assert resp.status_code == 403


def test_publication_needs_a_web_address(client, demo, login, db_session):
    doc = decision(db_session, datetime.now(timezone.utc))
    bad = client.put(f"/api/documents/{doc.id}/publication", headers=login("reviewer"), json={"url": "not a url"})
    assert bad.status_code == 422 and "url" in bad.get_json()["error"]["details"]["fields"]
    db_session.expire_all()
    assert db_session.get(type(doc), doc.id).published_at is None


def test_the_publication_text_masks_the_person_and_removes_private_details(client, demo, login, db_session):
    from tests.documents_helpers import Runner, make_inspection

    insp = make_inspection(db_session, code="DLYS-64-JIASHIYUAN", plate="蒙A12345",
                           facts="当事人刘某军（身份证号150102198805123456，电话13800000001）驾驶蒙A12345号货车"
                                 "从事道路运输经营未取得从业资格，其住址呼和浩特市新城区，0471-6000001的座机无人接听。")
    outcome, args = Runner(client.application, db_session).issue(
        "zhangwei", insp, "on_spot_decision", "simple",
        fields={"harm": "none", "corrected_on_spot": True, "first_violation": True, "facts": insp.facts})
    assert getattr(outcome, "code", None) is None, (outcome.code, outcome.message, outcome.details)
    resp = client.get(f"/api/documents/{args['id']}/publication", headers=login("reviewer"))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    record, text = body["record"], body["text"]
    assert record["party"] == "刘某" and record["party_kind"] == "自然人" and record["credit_code"] is None
    for private in ("刘某军", "150102198805123456", "13800000001", "蒙A12345", "呼和浩特市新城区", "0471-6000001"):
        assert private not in text, private
    assert "×××" in record["facts"] and "未取得从业资格" in record["facts"]
    assert record["penalty"] == "罚款人民币200元" and record["number"] in text
    assert text.startswith(record["title"]) and "处罚依据：" in text and body["published_at"] is None


def test_an_organisation_stays_named_with_its_credit_code(client, demo, login, db_session):
    from tests.documents_helpers import Runner, make_inspection

    insp = make_inspection(db_session, code="DLYS-68-2-YANGSA", party="呼和浩特市顺达货运有限公司")
    _, args = Runner(client.application, db_session).issue("zhangwei", insp, "on_spot_decision", "simple",
                                                           fine_fen=150000,
                                                           fields={"harm": "slight", "corrected_on_spot": True})
    record = client.get(f"/api/documents/{args['id']}/publication", headers=login("leader")).get_json()["record"]
    assert record["party"] == "呼和浩特市顺达货运有限公司" and record["credit_code"] == "91150100MA0N000001"


def test_only_decisions_are_published_and_only_by_reviewers_leaders_admins(client, demo, login, db_session):
    from tests.documents_helpers import Runner, make_inspection

    insp = make_inspection(db_session)
    _, args = Runner(client.application, db_session).issue("zhangwei", insp, "commitment_letter", "minor_exempt")
    notice = client.get(f"/api/documents/{args['id']}/publication", headers=login("reviewer"))
    assert notice.status_code == 422 and notice.get_json()["error"]["code"] == "document-not-publishable"
    doc = decision(db_session, datetime.now(timezone.utc))
    assert client.get(f"/api/documents/{doc.id}/publication", headers=login("zhangwei")).status_code == 403
