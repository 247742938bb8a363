"""Ed25519 keys generated on first start and kept in the database (never in the repo).

Signed payloads (credential / officer certificate / patrol point QR codes) are
``RS1.<base64url(json)>.<base64url(signature)>`` so a phone can verify them offline with the cached public key.
"""
from __future__ import annotations

import base64
import json
from typing import Any, Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.adapters.models import ServerKey

PREFIX = "RS1"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def stored_key(session: Session, name: str, generate: Callable[[], tuple[str, str]]) -> ServerKey:
    """The key row called ``name``, created with ``generate() -> (private PEM, public b64url)`` on first use.

    Two processes racing on first start both end up using the row that won the unique constraint.
    """
    row = session.scalar(select(ServerKey).where(ServerKey.name == name))
    if row is None:
        pem, public = generate()
        try:
            with session.begin_nested():
                session.add(ServerKey(name=name, private_pem=pem, public_b64=public))
        except IntegrityError:  # another worker created it first: use theirs
            pass
        row = session.scalar(select(ServerKey).where(ServerKey.name == name))
    return row


def _new_ed25519() -> tuple[str, str]:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return pem, public_key_b64(key)


def load_or_create_ed25519(session: Session, name: str = "qr-signing") -> Ed25519PrivateKey:
    row = stored_key(session, name, _new_ed25519)
    return serialization.load_pem_private_key(row.private_pem.encode(), password=None)


def public_key_b64(key: Ed25519PrivateKey) -> str:
    return b64u(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def sign_payload(key: Ed25519PrivateKey, payload: dict[str, Any]) -> str:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return f"{PREFIX}.{b64u(body)}.{b64u(key.sign(body))}"


def verify_payload(public_b64: str, token: str) -> dict[str, Any] | None:
    """Return the payload if the signature holds, else None (tampered, truncated or foreign)."""
    try:
        prefix, body_b64, sig_b64 = token.strip().split(".")
        if prefix != PREFIX:
            return None
        body = unb64u(body_b64)
        Ed25519PublicKey.from_public_bytes(unb64u(public_b64)).verify(unb64u(sig_b64), body)
        return json.loads(body)
    except (ValueError, InvalidSignature, json.JSONDecodeError):
        return None


# A QR shown to the public (亮证执法) carries the token inside a URL, so a citizen's phone camera opens the public
# verification page; officers' scanners take the token out of it. Plain tokens stay valid everywhere.
SCAN_PATH = "/v/"


def scan_url(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + SCAN_PATH + token


def token_from_scan(text: str) -> str:
    """The signed token in what a camera read: the token itself, or a verification URL carrying it."""
    text = (text or "").strip()
    if SCAN_PATH in text:
        text = text.rsplit(SCAN_PATH, 1)[1].split("?", 1)[0].split("#", 1)[0]
    return text

