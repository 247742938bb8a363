"""Web Push (RFC 8030/8291/8292) through pywebpush, with a VAPID key generated on first start.

The key pair lives in ``server_keys`` (name ``vapid``), never in the repo. Its public half, as the
uncompressed P-256 point in base64url, is the browser's ``applicationServerKey``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid01, Vapid02
from pywebpush import WebPushException, webpush
from sqlalchemy.orm import Session

from server.adapters.signing import b64u, stored_key

KEY_NAME = "vapid"


def _new_vapid() -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return pem, b64u(public)


def load_or_create_vapid(session: Session) -> tuple[Vapid01, str]:
    """(signer, applicationServerKey), generated on first start and kept in the database."""
    row = stored_key(session, KEY_NAME, _new_vapid)
    return Vapid02.from_pem(row.private_pem.encode()), row.public_b64  # RFC 8292 "vapid t=…, k=…"


@dataclass
class PushResult:
    ok: bool
    status: int | None  # HTTP status from the push service; None when it could not be reached
    gone: bool = False  # 404/410: the subscription no longer exists, delete it
    retry: bool = False  # worth another attempt later (5xx, 429, network)
    error: str = ""


def send(subscription: dict[str, Any], payload: dict[str, Any], *, vapid: Vapid01, subject: str, ttl: int,
         timeout: float, urgency: str = "normal", session: requests.Session | None = None) -> PushResult:
    """Encrypt (aes128gcm) and POST one message. Never raises for push-service answers: it classifies them."""
    try:
        response = webpush(
            subscription_info=subscription,
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=vapid,
            vapid_claims={"sub": subject},  # a fresh dict each call: pywebpush writes aud/exp into it
            content_encoding="aes128gcm", ttl=ttl, timeout=timeout, headers={"Urgency": urgency},
            requests_session=session)
        return PushResult(ok=True, status=response.status_code)
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status in (404, 410):
            return PushResult(ok=False, status=status, gone=True, error=f"订阅已失效（HTTP {status}）")
        retry = status is None or status == 429 or status >= 500
        return PushResult(ok=False, status=status, retry=retry, error=str(exc)[:500])
    except requests.RequestException as exc:  # timeout, refused connection, DNS
        return PushResult(ok=False, status=None, retry=True, error=f"{type(exc).__name__}: {exc}"[:500])
