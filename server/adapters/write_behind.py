"""Write-behind rows: a transaction's inserts and updates of hot tables held back and written in one go.

A push applies a hundred mutations per transaction, and most of them insert or edit one inspection. Through
the ORM each costs a flush (about 200 µs of bookkeeping for a 20 µs statement); held back here, the group's
rows go out as one multi-row INSERT and one executemany UPDATE per table, just before the commit — like the
audit and change journal (``server.adapters.journal``), which this runs ahead of.

It behaves like the ORM's own autoflush, so nothing reads around it:
- ``current`` / ``get_locked`` answer from the held rows first (read-your-writes inside the transaction);
- any other statement through the session (ORM queries, ``session.get`` that misses the identity map) and any
  ORM flush first writes the held rows; a read that consults them itself says so with ``SEES_HELD``;
- a rolled-back savepoint drops what was held inside it; a rolled-back transaction drops everything; rows held
  before a savepoint are written before it opens (``savepoint``), or its rollback would take them too;
- objects of the written rows in the identity map are expired, so the ORM reloads what was written.
Rows read under lock (``get_locked``) are kept for the transaction as snapshots, so a group reads each row once.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Hashable, Iterable, Iterator

from sqlalchemy import bindparam, event, insert, select, update
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.orm.util import identity_key

from server.adapters import sessions

_KEY = "roadside.write_behind"
SEES_HELD = {"roadside_sees_held_rows": True}  # execution option of reads that look at held rows themselves


@dataclass
class _Entry:
    ordinal: int
    model: type
    pk: Any  # None for an autoincrement row nobody addresses before it is written
    values: dict[str, Any]
    is_insert: bool


@dataclass
class _Held:
    entries: list[_Entry] = field(default_factory=list)
    next_ordinal: int = 0
    marks: dict[SessionTransaction, int] = field(default_factory=dict)
    snapshots: dict[tuple[type, Any], dict[str, Any]] = field(default_factory=dict)
    absent: set[tuple[type, Any]] = field(default_factory=set)  # looked up under lock and not found
    reads: dict[Hashable, Any] = field(default_factory=dict)  # ``read_cache``
    by_key: dict[tuple[type, Any], list[_Entry]] = field(default_factory=dict)
    inserts_of: dict[type, list[_Entry]] = field(default_factory=dict)

    def add(self, entry: _Entry) -> None:
        self.entries.append(entry)
        if entry.pk is not None:
            self.by_key.setdefault((entry.model, entry.pk), []).append(entry)
        if entry.is_insert:
            self.inserts_of.setdefault(entry.model, []).append(entry)

    def keep_before(self, mark: int) -> None:
        kept = [e for e in self.entries if e.ordinal < mark]
        self.clear()
        for entry in kept:
            self.add(entry)

    def clear(self) -> None:
        self.entries, self.by_key, self.inserts_of = [], {}, {}

    def forget_reads(self) -> None:
        self.snapshots.clear()
        self.absent.clear()
        self.reads.clear()


def _held(session: Session) -> _Held:
    session = sessions.plain(session)
    if not session.in_transaction():
        session.begin()
    held = session.info.get(_KEY)
    if held is None:
        held = session.info[_KEY] = _Held()
    return held


def _pk_column(model: type) -> str:
    columns = model.__table__.primary_key.columns
    if len(columns) != 1:
        raise TypeError(f"{model.__name__}: write-behind needs a single-column primary key")
    return next(iter(columns)).key


def _add(session: Session, model: type, pk: Any, values: dict[str, Any], is_insert: bool) -> None:
    held = _held(session)
    held.add(_Entry(held.next_ordinal, model, pk, values, is_insert))
    held.next_ordinal += 1


def insert_row(session: Session, model: type, values: dict[str, Any]) -> None:
    """Hold an INSERT of ``values`` (column keys; defaults apply at write time as for any Core insert)."""
    _add(session, model, values.get(_pk_column(model)), dict(values), True)


def update_row(session: Session, model: type, pk: Any, values: dict[str, Any]) -> None:
    """Hold an UPDATE of row ``pk`` (a row held for insert, or one read with ``get_locked``)."""
    _add(session, model, pk, dict(values), False)


def current(session: Session, model: type, pk: Any) -> dict[str, Any] | None:
    """The row as this transaction sees it, if it holds it or has read it under lock; else None."""
    held = _held(session)
    base = held.snapshots.get((model, pk))
    row = dict(base) if base is not None else None
    for entry in held.by_key.get((model, pk), ()):
        if entry.is_insert:
            row = dict(entry.values)
        elif row is not None:
            row.update(entry.values)
    return row


def get_locked(session: Session, model: type, pk: Any) -> dict[str, Any] | None:
    """The row ``pk`` locked for this transaction (SELECT ... FOR UPDATE once, then from memory)."""
    row = current(session, model, pk)
    if row is None and (model, pk) not in _held(session).absent:
        lock(session, model, [pk])
        row = current(session, model, pk)
    return row


def lock(session: Session, model: type, pks: Iterable[Any]) -> None:
    """Read and lock the rows ``pks`` not held yet, in one statement (a push locks its group's rows up front)."""
    held = _held(session)
    pk_name = _pk_column(model)
    wanted = sorted({pk for pk in pks if pk is not None and (model, pk) not in held.snapshots}, key=str)
    if not wanted:
        return
    stmt = _statement("lock", model)
    session.flush()  # (a no-op when the ORM holds no changes) the connection below reads past the ORM
    found = set()
    for row in session.connection().execute(stmt, {"pks": wanted}).mappings():
        held.snapshots[(model, row[pk_name])] = dict(row)
        found.add(row[pk_name])
    held.absent.update((model, pk) for pk in wanted if pk not in found)


def held_inserts(session: Session, model: type) -> Iterator[dict[str, Any]]:
    """Rows of ``model`` held for insert, as they will be written (for reads that must see them)."""
    held = session.info.get(_KEY)
    for entry in held.inserts_of.get(model, ()) if held is not None else ():
        # An anonymous row (no primary key yet) cannot be updated while held; a keyed one may have been.
        yield entry.values if entry.pk is None else current(session, model, entry.pk)


def read_cache(session: Session) -> dict[Hashable, Any]:
    """A dict for reads a group repeats (e.g. a device's recent fixes), emptied whenever stored rows may change
    under them: any write of held rows, ORM flush or rollback, and before each ORM handler of a push."""
    return _held(session).reads


def write(session: Session) -> None:
    """Write every held row now: one multi-row INSERT and one executemany UPDATE per table and column set."""
    session = sessions.plain(session)
    held = session.info.get(_KEY)
    if held is None or not held.entries:
        return
    innermost = session.get_nested_transaction()
    if innermost is not None and held.entries[0].ordinal < held.marks.get(innermost, 0):
        # Written inside a savepoint opened after they were held, they would roll back with it: a lost row.
        raise RuntimeError("rows held before a savepoint must be written before it opens (write_behind.savepoint)")
    entries = held.entries
    held.clear()
    held.reads.clear()  # what they were derived from has just changed
    inserts: dict[type, dict[Any, dict[str, Any]]] = {}
    anonymous: dict[type, list[dict[str, Any]]] = {}
    updates: dict[type, dict[Any, dict[str, Any]]] = {}
    for e in entries:  # the last value of each column wins; an update of a held insert folds into it
        if e.is_insert:
            if e.pk is None:
                anonymous.setdefault(e.model, []).append(e.values)
            else:
                inserts.setdefault(e.model, {})[e.pk] = dict(e.values)
        elif e.pk in inserts.get(e.model, {}):
            inserts[e.model][e.pk].update(e.values)
        else:
            updates.setdefault(e.model, {}).setdefault(e.pk, {}).update(e.values)
    connection = session.connection()
    for model in dict.fromkeys([*inserts, *anonymous]):  # models in the order first held (foreign keys)
        rows = [*inserts.get(model, {}).values(), *anonymous.get(model, [])]
        for same_keys in _by_key_set(rows):
            connection.execute(insert(model.__table__), same_keys)
    for model, by_pk in updates.items():
        rows = [{**values, "held_pk": pk} for pk, values in by_pk.items()]
        for same_keys in _by_key_set(rows):
            connection.execute(_statement("update", model), same_keys)
    # What was written is now what this transaction reads: snapshots follow it, ORM objects reload it.
    for model, by_pk in inserts.items():
        for pk, values in by_pk.items():
            held.snapshots[(model, pk)] = dict(values)
            _expire(session, model, pk)
    for model, by_pk in updates.items():
        for pk, values in by_pk.items():
            if (model, pk) in held.snapshots:
                held.snapshots[(model, pk)].update(values)
            _expire(session, model, pk)


def _expire(session: Session, model: type, pk: Any) -> None:
    obj = session.identity_map.get(identity_key(model, pk))
    if obj is not None:
        session.expire(obj)


_STATEMENTS: dict[tuple[str, type], Any] = {}


def _statement(kind: str, model: type):
    """Built once per table (an expanding parameter keeps the lock cached whatever the ids)."""
    stmt = _STATEMENTS.get((kind, model))
    if stmt is None:
        table, pk = model.__table__, model.__table__.c[_pk_column(model)]
        if kind == "lock":
            stmt = select(table).where(pk.in_(bindparam("pks", expanding=True))).order_by(pk).with_for_update()
        else:
            stmt = update(table).where(pk == bindparam("held_pk"))
        stmt = _STATEMENTS[(kind, model)] = stmt
    return stmt


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """``session.begin_nested()`` for a transaction that may hold rows: they are written first, so that the
    savepoint's rollback cannot take them with it."""
    write(session)
    with session.begin_nested():
        yield


def write_in_savepoint(session: Session) -> None:
    """``write`` when a savepoint is open: a guarded mutation's constraint failures must surface inside it."""
    session = sessions.plain(session)
    if session.get_nested_transaction() is not None:
        write(session)


def _by_key_set(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    groups: dict[frozenset, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(frozenset(row), []).append(row)
    return iter(groups.values())


def forget_reads(session: Session) -> None:
    """Another writer (an ORM handler) may change the rows read earlier: read them again under lock."""
    held = session.info.get(_KEY)
    if held is not None:
        held.forget_reads()


# --- autoflush and transaction boundaries --------------------------------------------------------------------
@event.listens_for(Session, "do_orm_execute")
def _write_before_reads(state: ORMExecuteState) -> None:
    held = state.session.info.get(_KEY)
    if held is not None and held.entries and not state.execution_options.get("roadside_sees_held_rows"):
        write(state.session)


@event.listens_for(Session, "before_flush")
def _write_before_orm_flush(session: Session, _context, _instances) -> None:
    write(session)
    forget_reads(session)  # the ORM is about to change rows this module may hold snapshots of


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        held = session.info.setdefault(_KEY, _Held())
        held.marks[transaction] = held.next_ordinal


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, transaction: SessionTransaction) -> None:
    held = session.info.get(_KEY)
    if held is None:
        return
    boundary = transaction  # as in the journal: the nearest savepoint (or the transaction) is what rolled back
    while not boundary.nested and boundary.parent is not None:
        boundary = boundary.parent
    held.forget_reads()  # rows written and locks taken inside it are gone too
    if boundary.nested and boundary in held.marks:
        held.keep_before(held.marks[boundary])
    else:
        held.clear()


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_KEY, None)
