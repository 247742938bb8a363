"""The demo's morning of work goes through the real sync path and shows up where each role looks."""
from __future__ import annotations

from sqlalchemy import func, select

from server import demo_history
from server.adapters.audit_chain import verify
from server.adapters.models import Case, Document, FollowUp, Inspection


def test_the_demo_morning_is_three_stops_a_letter_a_fine_and_a_case_for_review(app, demo, db_session, client, login):
    assert demo_history.load(db_session, app.config) is True
    assert db_session.scalar(select(func.count()).select_from(Inspection)) == 3
    docs = sorted(db_session.scalars(select(Document.doc_type)))
    assert docs == ["commitment_letter", "on_spot_decision", "violation_notice"]
    assert db_session.scalar(select(func.count()).select_from(FollowUp)) == 1
    assert sorted(db_session.scalars(select(Case.status))) == ["commitment_signed", "decided", "review_pending"]
    [queued] = client.get("/api/reviews", headers=login("reviewer")).get_json()
    assert "履带车" in queued["note"] and queued["submitted_by_name"] == "张伟"
    stats = client.get("/api/statistics/annual", headers=login("leader")).get_json()
    assert stats["total"]["inspections"] == 3 and stats["total"]["fines_fen"] == 20000
    assert verify(db_session) == []  # every record is in an unbroken audit chain
    assert demo_history.load(db_session, app.config) is False  # once
