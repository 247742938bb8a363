"""The transaction journal: audit entries and changes are written at commit, chained, and never outlive
the savepoint or transaction that produced them."""
import sqlalchemy as sa

from server.adapters import audit_chain, journal
from server.adapters.models import AuditEntry, Change
from server.services.uow import UnitOfWork


def _count(session, model, **where) -> int:
    stmt = sa.select(sa.func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return session.scalar(stmt)


def test_entries_are_written_at_commit_in_order_and_chained(app, db_session):
    uow = UnitOfWork(db_session)
    for n in range(3):
        uow.record(None, "probe.write", "probe", f"p{n}", {"n": n}, unit_id=0)
    assert [e.entity_id for e in journal.pending_audits(db_session)] == ["p0", "p1", "p2"]
    assert _count(db_session, AuditEntry, entity_type="probe") == 0  # nothing written before the commit
    uow.commit()
    rows = db_session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "probe")
                              .order_by(AuditEntry.seq)).all()
    assert [r.entity_id for r in rows] == ["p0", "p1", "p2"]
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    assert _count(db_session, Change, entity_type="probe") == 3
    assert audit_chain.verify(db_session) == [] and journal.pending_audits(db_session) == []


def test_a_rolled_back_savepoint_drops_only_what_it_journalled(app, db_session):
    uow = UnitOfWork(db_session)
    uow.record(None, "probe.keep", "probe", "before", {}, unit_id=0)
    try:
        with db_session.begin_nested():
            uow.record(None, "probe.drop", "probe", "inside", {}, unit_id=0)
            raise ValueError("the mutation failed")
    except ValueError:
        pass
    with db_session.begin_nested():  # a released savepoint keeps its entries
        uow.record(None, "probe.keep", "probe", "released", {}, unit_id=0)
    uow.commit()
    kept = db_session.scalars(sa.select(AuditEntry.entity_id).where(AuditEntry.entity_type == "probe")
                              .order_by(AuditEntry.seq)).all()
    assert kept == ["before", "released"]
    assert db_session.scalars(sa.select(Change.entity_id).where(Change.entity_type == "probe")
                              .order_by(Change.seq)).all() == ["before", "released"]
    assert audit_chain.verify(db_session) == []


def test_a_rolled_back_transaction_writes_nothing_and_the_next_one_starts_clean(app, db_session):
    uow = UnitOfWork(db_session)
    uow.record(None, "probe.drop", "probe", "lost", {}, unit_id=0)
    uow.rollback()
    uow.record(None, "probe.keep", "probe", "next", {}, unit_id=0)
    uow.commit()
    assert db_session.scalars(sa.select(AuditEntry.entity_id).where(AuditEntry.entity_type == "probe")).all() == ["next"]
    assert audit_chain.verify(db_session) == []


def test_a_new_chain_gets_its_head_on_first_commit(app, db_session):
    from server.adapters.models import AuditHead

    uow = UnitOfWork(db_session)
    uow.audit(None, "probe.first", "probe", "x", {}, unit_id=987654)
    uow.commit()
    head = db_session.get(AuditHead, 987654)
    assert head.last_seq == 1 and audit_chain.verify(db_session, [987654]) == []
