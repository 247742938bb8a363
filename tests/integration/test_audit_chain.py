"""Every write appends a hash-chained audit entry; tampering is found at the tampered row."""
import sqlalchemy as sa

from server.adapters import audit_chain
from server.adapters.models import AuditEntry



def test_demo_load_produces_intact_chains(app, demo, db_session):
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) > 10
    assert audit_chain.verify(db_session) == []
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "审计链完整" in result.output


def test_editing_an_audit_row_in_sql_breaks_the_chain_at_that_row(app, demo, db_session):
    victim = db_session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "officer.create")
                                .order_by(AuditEntry.id)).first()
    db_session.execute(sa.update(AuditEntry).where(AuditEntry.id == victim.id)
                       .values(entity_id="999"))
    db_session.commit()
    breaks = audit_chain.verify(db_session)
    assert [(b.chain, b.seq, b.entry_id) for b in breaks] == [(victim.chain, victim.seq, victim.id)]
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"第 {victim.seq} 条" in result.output


def test_deleting_the_last_entry_is_detected(app, demo, db_session):
    last = db_session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    db_session.execute(sa.delete(AuditEntry).where(AuditEntry.id == last.id))
    db_session.commit()
    breaks = audit_chain.verify(db_session)
    assert len(breaks) == 1 and breaks[0].chain == last.chain
