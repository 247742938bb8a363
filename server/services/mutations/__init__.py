"""Registry of sync mutation handlers. Each feature module registers its handlers with ``@mutation``.

A handler runs inside the push executor's transaction for that one mutation:
``handler(ctx: MutationContext, args: dict) -> sync.Outcome``. It may raise ``sync.Rejected`` (or any
``DomainError``, treated the same) to refuse, or ``sync.Waiting`` to park the mutation until what it refers
to arrives. It must write through ``ctx.uow.record(...)`` so the audit chain and change stream see it,
and must NOT commit: the executor commits the outcome and ``last_seq`` together.
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


@dataclass(frozen=True)
class Registered:
    name: str
    handler: Handler
    schema: type[Schema] | None


HANDLERS: dict[str, Registered] = {}


def mutation(name: str, schema: type[Schema] | None = None) -> Callable[[Handler], Handler]:
    """Register ``handler`` for mutation ``name``; ``schema`` validates args (failure = recorded rejection)."""

    def register(handler: Handler) -> Handler:
        if name in HANDLERS and HANDLERS[name].handler is not handler:
            raise RuntimeError(f"mutation {name!r} registered twice")
        HANDLERS[name] = Registered(name, handler, schema)
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
