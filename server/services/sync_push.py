"""The push executor: binds the outbox to its device, then runs ``sync.engine.push`` on the SQL store.

Mutations run through the handler registered for their name (``server/services/mutations``), up to
``SYNC_GROUP_SIZE`` per transaction, each all-or-nothing (``sync.engine``: savepoints from the first failure on).
Before a group runs, handlers' ``prefetch`` hooks lock what it refers to in one go; rows of ``write_behind``
handlers are written together (``server.adapters.write_behind``). Refusals become recorded results; a crash
becomes ``rejected: internal`` with a trace id and a dead letter; only transient database faults reach the
client, as 503 + Retry-After.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from server.adapters import sessions, write_behind
from server.adapters.models import ClientState, Officer, Unit
from server.adapters.sync_store import SqlSyncStore
from server.domain.messages import translate_messages
from server.domain.actor import Actor
from server.domain.errors import DomainError, PermissionDenied
from server.domain.timeutil import utcnow
from server.services import mutations
from server.services.uow import UnitOfWork
from sync import Rejected, engine
from sync.log import BatchError, Mutation, parse_batch

RETRY_AFTER_SECONDS = 2


def _as_rejection(exc: BaseException) -> Rejected | None:
    if isinstance(exc, Rejected):
        return exc
    if isinstance(exc, DomainError):
        return Rejected(exc.code, exc.message, exc.details)
    return None


def _is_transient(exc: BaseException) -> bool:
    # Lock timeouts, deadlocks, serialisation failures, a dropped connection: nothing was recorded.
    return isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


def _policy(session: Session, cfg: Mapping[str, Any]) -> engine.Policy:
    return engine.Policy(as_rejection=_as_rejection, is_transient=_is_transient,
                         group_size=cfg.get("SYNC_GROUP_SIZE", engine.Policy.group_size),
                         prepare=_preparer(session))


def _preparer(session: Session):
    handlers = mutations.load_all()

    def prepare(_tx, group: list[Mutation]) -> None:
        by_name: dict[str, list[dict]] = {}
        for m in group:
            registered = handlers.get(m.name)
            if registered is not None and registered.prefetch is not None and isinstance(m.args, dict):
                by_name.setdefault(m.name, []).append(m.args)
        for name, args in by_name.items():
            handlers[name].prefetch(session, args)  # raw args: a prefetch only reads ids it can use

    return prepare


class DatabaseBusy(DomainError):
    status = 503
    code = "database-busy"
    message = "数据库繁忙，本批次未处理完；已处理的记录不会重复，请原样重试"


def push(session: Session, cfg: Mapping[str, Any], actor: Actor, client_id: str, raw_mutations: Any) -> dict:
    session = sessions.plain(session)  # a push touches it some twenty times per mutation
    try:
        batch = parse_batch(raw_mutations, cfg["SYNC_MAX_BATCH"])
    except BatchError as exc:
        raise DomainError(exc.code, exc.message, exc.details, status=413 if exc.code == "batch-too-large" else 422)
    bind_client(session, actor, client_id)
    store = SqlSyncStore(session)
    context = {"officer_id": actor.officer_id, "device_id": actor.device_id}
    try:
        report = engine.push(store, client_id, batch, _applier(session, cfg, actor), context, _policy(session, cfg))
    except (OperationalError, DBAPIError) as exc:
        session.rollback()
        if not _is_transient(exc):
            raise
        raise DatabaseBusy(details={"retry_after_seconds": RETRY_AFTER_SECONDS}) from exc
    out = report.as_dict()
    out["client_id"] = client_id
    return out


def retry_parked(session: Session, cfg: Mapping[str, Any], keys: list[str] | None) -> list[dict]:
    """Re-run parked mutations waiting for ``keys`` (e.g. ``["blob:<sha256>"]`` after an upload completes),
    or all of them (``None``, the admin's sweep). Call outside any open transaction."""
    session = sessions.plain(session)
    settled = engine.retry_parked(SqlSyncStore(session), keys, _applier(session, cfg, None), _policy(session, cfg))
    return [r.as_dict() for r in settled]


def bind_client(session: Session, actor: Actor, client_id: str) -> None:
    """An outbox belongs to one device of one officer; another device or officer using its id is refused."""
    if not client_id or len(client_id) > 64:
        raise DomainError("client-id-invalid", "client_id 必须是 1–64 个字符", status=422)
    state = session.get(ClientState, client_id)
    if state is None:
        try:
            session.add(ClientState(client_id=client_id, device_id=actor.device_id, officer_id=actor.officer_id,
                                    last_seq=0))
            session.commit()
        except IntegrityError:  # the same client's concurrent first push won the race
            session.rollback()
        state = session.get(ClientState, client_id)
    owner = (state.device_id, state.officer_id)
    session.rollback()
    if owner != (actor.device_id, actor.officer_id):
        raise PermissionDenied("client-id-mismatch", "该同步队列属于其他设备或执法人员，不能用本设备提交",
                               {"client_id": client_id})


def _applier(session: Session, cfg: Mapping[str, Any], actor: Actor | None):
    handlers = mutations.load_all()
    actors: dict[int, Actor] = {}
    schemas: dict[str, Any] = {}  # one instance per schema for the whole push (building one is not free)

    def apply(tx, client_id: str, m: Mutation, context: dict):
        registered = handlers.get(m.name)
        if registered is None:
            raise Rejected("unknown-mutation", f"服务器不认识此类变更：{m.name}（请更新应用）",
                           {"name": m.name, "known": sorted(handlers)})
        if not registered.write_behind:  # an ORM handler must see the rows held so far, and may change them
            write_behind.write(session)
            write_behind.forget_reads(session)
        args = m.args
        if registered.schema is not None:
            try:
                schema = schemas.get(m.name) or schemas.setdefault(m.name, registered.schema())
                args = schema.load(m.args)
            except ValidationError as exc:
                raise Rejected("invalid-args", "变更内容未通过校验", {"fields": translate_messages(exc.messages)}) from None
        # A push also settles *other* clients' parked mutations: those run as the officer who queued them.
        pusher = actor is not None and (context.get("officer_id"), context.get("device_id")) == \
            (actor.officer_id, actor.device_id)
        who = actor if pusher else _actor_from(session, context, actors)
        ctx = mutations.MutationContext(uow=UnitOfWork(session), actor=who, client_id=client_id, mutation_id=m.id,
                                        seq=m.seq, created_at_device=_parse_time(m.created_at_device), config=cfg,
                                        now=utcnow())
        return registered.handler(ctx, args)

    return apply


def _actor_from(session: Session, context: dict, cache: dict[int, Actor]) -> Actor:
    """Parked mutations run later, without a request: rebuild the pushing officer as they are *now*."""
    officer_id = context["officer_id"]
    if officer_id not in cache:
        officer = session.get(Officer, officer_id)
        unit = session.get(Unit, officer.unit_id)
        cache[officer_id] = Actor(officer_id=officer.id, unit_id=unit.id, unit_path=unit.path,
                                  roles=frozenset(officer.roles), device_id=context.get("device_id"),
                                  full_name=officer.full_name)
    return cache[officer_id]


def _parse_time(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else None


def client_last_seq(session: Session, client_id: str) -> int:
    return session.scalar(select(ClientState.last_seq).where(ClientState.client_id == client_id)) or 0
