"""Parked mutations: a mutation that refers to an entity or blob the server has not seen waits for it.

It is still consumed (its seq advances, the result says ``waiting``) so the queue moves on; when the
thing arrives — an entity applied by any client, or a blob upload completing — it is re-run.
Keys are ``"<type>:<id>"``: ``inspection:<uuid>``, ``blob:<sha256>``.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping


def key_of(ref: Mapping[str, Any]) -> str:
    # Blobs may be named by "sha256" instead of "id" (evidence.attach does); both give "blob:<sha256>".
    return f"{ref['type']}:{ref.get('id') or ref.get('sha256')}"


def keys_of(refs: Iterable[Mapping[str, Any]]) -> list[str]:
    return [key_of(r) for r in refs if "type" in r and (r.get("id") or r.get("sha256"))]


def missing_entity(entity_type: str, entity_id: Any) -> dict[str, Any]:
    return {"type": entity_type, "id": str(entity_id)}


def missing_blob(sha256: str) -> dict[str, Any]:
    return {"type": "blob", "id": sha256}
