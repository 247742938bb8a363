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
