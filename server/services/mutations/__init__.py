"""Registry of sync mutation handlers. Each feature module registers its handlers with ``@mutation``.

A handler runs inside the push executor's transaction for that one mutation:
``handler(ctx: MutationContext, args: dict) -> sync.Outcome``. It may raise ``sync.Rejected`` (or any
``DomainError``, treated the same) to refuse, or ``sync.Waiting`` to park the mutation until what it refers
to arrives. It must write through ``ctx.uow.record(...)`` so the audit chain and change stream see it,
and must NOT commit: the executor commits the outcome and ``last_seq`` together.

Two options serve the push's hot path (``docs/sync.md``, "Push throughput"): ``prefetch(session, [raw args])`` runs
once before a group and loads (and locks) what the group's mutations of that name refer to; ``write_behind``
declares that the handler writes its own rows through ``server.adapters.write_behind`` and reads only through
it or the ORM, so the rows of consecutive such handlers are written together. Before any other handler runs,
the held rows are written, so ORM handlers always see them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping

from marshmallow import Schema

from server.domain.actor import Actor
from server.services.uow import UnitOfWork


@dataclass
class MutationContext:
    uow: UnitOfWork
    actor: Actor
    client_id: str
    mutation_id: str
    seq: int
    created_at_device: datetime | None
    config: Mapping[str, Any]
    now: datetime


Handler = Callable[[MutationContext, dict], Any]
Prefetch = Callable[[Any, list[dict]], None]


@dataclass(frozen=True)
class Registered:
    name: str
    handler: Handler
    schema: type[Schema] | None
    prefetch: Prefetch | None = None
    write_behind: bool = False


HANDLERS: dict[str, Registered] = {}


def mutation(name: str, schema: type[Schema] | None = None, *, prefetch: Prefetch | None = None,
             write_behind: bool = False) -> Callable[[Handler], Handler]:
    """Register ``handler`` for mutation ``name``; ``schema`` validates args (failure = recorded rejection)."""

    def register(handler: Handler) -> Handler:
        if name in HANDLERS and HANDLERS[name].handler is not handler:
            raise RuntimeError(f"mutation {name!r} registered twice")
        HANDLERS[name] = Registered(name, handler, schema, prefetch, write_behind)
        return handler

    return register


def load_all() -> dict[str, Registered]:
    """Import every handler module (each registers itself). Feature modules add one line here."""
    import importlib

    for module in MODULES:
        importlib.import_module(f"server.services.mutations.{module}")
    return HANDLERS


MODULES: list[str] = [
    "inspections",
    "patrol",
    "evidence",
    "documents",
]
