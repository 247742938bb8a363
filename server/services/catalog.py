"""Violation catalog use cases. An edit never overwrites: it adds version N+1 and retires N."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from server.adapters.models import CatalogEntry
from server.domain.actor import Actor
from server.domain.errors import NotFound
from server.services.uow import UnitOfWork

SEED_FILE = Path(__file__).resolve().parents[1] / "seeds" / "catalog.json"
FIELDS = ("name", "violated_article", "violated_text", "penalty_article", "penalty_text", "min_fine_fen",
          "max_fine_fen", "warning_allowed", "discretion_bands", "minor_exemption", "never_exempt", "templates",
          "source")


def list_current(uow: UnitOfWork) -> list[CatalogEntry]:
    with uow:
        return uow.session.scalars(select(CatalogEntry).where(CatalogEntry.is_current.is_(True))
                                   .order_by(CatalogEntry.code)).all()


def get(uow: UnitOfWork, code: str, version: int | None = None) -> CatalogEntry:
    with uow:
        stmt = select(CatalogEntry).where(CatalogEntry.code == code)
        stmt = stmt.where(CatalogEntry.version == version) if version else stmt.where(CatalogEntry.is_current.is_(True))
        entry = uow.session.scalar(stmt)
        if entry is None:
            raise NotFound("catalog-entry-unknown", f"违法行为目录中没有编码 {code}" + (f" 的第 {version} 版" if version else ""))
        return entry


def history(uow: UnitOfWork, code: str) -> list[CatalogEntry]:
    with uow:
        rows = uow.session.scalars(select(CatalogEntry).where(CatalogEntry.code == code)
                                   .order_by(CatalogEntry.version)).all()
        if not rows:
            raise NotFound("catalog-entry-unknown", f"违法行为目录中没有编码 {code}")
        return rows


def save_version(uow: UnitOfWork, actor: Actor | None, code: str, data: dict[str, Any]) -> CatalogEntry:
    """Create the entry or its next version; the old version stays for documents issued under it."""
    if actor is not None:
        actor.require("admin")
    with uow:
        current = uow.session.scalar(select(CatalogEntry).where(CatalogEntry.code == code,
                                                                CatalogEntry.is_current.is_(True)).with_for_update())
        latest = uow.session.scalar(select(func.max(CatalogEntry.version)).where(CatalogEntry.code == code)) or 0
        values = {f: getattr(current, f) for f in FIELDS} if current else {}
        values.update({k: v for k, v in data.items() if k in FIELDS})
        if current:
            current.is_current = False
            uow.session.flush()
        entry = CatalogEntry(code=code, version=latest + 1, is_current=True,
                             created_by=actor.officer_id if actor and actor.officer_id else None, **values)
        uow.session.add(entry)
        uow.session.flush()
        payload = {"code": code, "version": entry.version, **{f: getattr(entry, f) for f in FIELDS}}
        uow.record(actor, "catalog.save", "catalog_entry", f"{code}@{entry.version}", payload, unit_id=0,
                   version=entry.version)
        uow.commit()
        return entry


def load_seed(uow: UnitOfWork, path: Path = SEED_FILE) -> int:
    """Load seed entries that are not in the catalog yet (idempotent)."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    added = 0
    for item in entries:
        item = dict(item)
        code = item.pop("code")
        with uow:
            exists = uow.session.scalar(select(CatalogEntry.id).where(CatalogEntry.code == code).limit(1))
        if exists is None:
            save_version(uow, None, code, item)
            added += 1
    return added
