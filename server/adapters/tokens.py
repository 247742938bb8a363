"""Short-lived signed access tokens (JWT, HS256) and opaque refresh tokens (stored hashed)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import jwt

from server.domain.errors import AuthenticationFailed


def issue_access_token(secret: str, officer_id: int, device_id: str, now: datetime, ttl_seconds: int) -> str:
    claims = {"sub": str(officer_id), "dev": device_id, "typ": "access", "iat": int(now.timestamp()),
              "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp())}
    return jwt.encode(claims, secret, algorithm="HS256")


def read_access_token(secret: str, token: str) -> tuple[int, str]:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp", "sub", "dev"]})
    except jwt.ExpiredSignatureError:
        raise AuthenticationFailed("token-expired", "登录已过期，请刷新令牌或重新登录")
    except jwt.InvalidTokenError:
        raise AuthenticationFailed("token-invalid", "令牌无效，请重新登录")
    if claims.get("typ") != "access":
        raise AuthenticationFailed("token-invalid", "令牌无效，请重新登录")
    return int(claims["sub"]), str(claims["dev"])


def new_refresh_token() -> tuple[str, str]:
    """Return (token for the client, sha256 to store)."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
