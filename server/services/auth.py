"""Login, refresh, logout and device revocation. Rate limiting and lockout live here, not in views."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from server.adapters import passwords, tokens
from server.adapters.models import Device, LoginAttempt, Officer, RefreshToken, Unit
from server.domain.actor import Actor
from server.domain.errors import AuthenticationFailed, DomainError, NotFound, PermissionDenied
from server.domain.timeutil import utcnow
from server.services.uow import UnitOfWork

ADDRESS_WINDOW = timedelta(minutes=5)
ADDRESS_MAX_FAILURES = 20


@dataclass(frozen=True)
class Session:
    access_token: str
    refresh_token: str
    expires_in: int
    device_id: str
    officer_id: int


def _issue(uow: UnitOfWork, cfg: dict[str, Any], officer: Officer, device: Device) -> Session:
    now = utcnow()
    refresh, digest = tokens.new_refresh_token()
    uow.session.add(RefreshToken(device_id=device.id, token_hash=digest,
                                 expires_at=now + timedelta(seconds=cfg["REFRESH_TOKEN_SECONDS"])))
    access = tokens.issue_access_token(cfg["SECRET_KEY"], officer.id, device.id, now, cfg["ACCESS_TOKEN_SECONDS"])
    return Session(access, refresh, cfg["ACCESS_TOKEN_SECONDS"], device.id, officer.id)


def login(uow: UnitOfWork, cfg: dict[str, Any], *, username: str, password: str, device_id: str,
          device_name: str, address: str) -> Session:
    now = utcnow()
    with uow:
        recent_failures = uow.session.scalar(
            select(func.count()).select_from(LoginAttempt).where(
                LoginAttempt.address == address, LoginAttempt.success.is_(False),
                LoginAttempt.at > now - ADDRESS_WINDOW))
        if recent_failures >= ADDRESS_MAX_FAILURES:
            raise DomainError("too-many-attempts", "登录尝试过于频繁，请5分钟后再试", status=429,
                              details={"retry_after_seconds": int(ADDRESS_WINDOW.total_seconds())})
        officer = uow.session.scalar(select(Officer).where(Officer.username == username))
        if officer and officer.locked_until and officer.locked_until > now:
            uow.session.add(LoginAttempt(address=address, username=username, success=False))
            uow.commit()
            minutes = max(1, int((officer.locked_until - now).total_seconds() // 60))
            raise DomainError("account-locked", f"密码错误次数过多，账号已锁定，请{minutes}分钟后再试", status=423,
                              details={"locked_until": officer.locked_until.isoformat()})
        ok = passwords.verify_password(officer.password_hash if officer else None, password)
        if not ok or not officer or not officer.active:
            uow.session.add(LoginAttempt(address=address, username=username, success=False))
            if officer:
                officer.failed_logins += 1
                if officer.failed_logins >= cfg["LOGIN_MAX_FAILURES"]:
                    officer.locked_until = now + timedelta(seconds=cfg["LOGIN_LOCK_SECONDS"])
                    officer.failed_logins = 0
                    uow.audit(None, "officer.locked", "officer", officer.id, {"address": address}, unit_id=officer.unit_id)
            uow.commit()
            raise AuthenticationFailed("invalid-credentials", "用户名或密码错误")
        officer.failed_logins = 0
        officer.locked_until = None
        if passwords.needs_rehash(officer.password_hash):
            officer.password_hash = passwords.hash_password(password)
        device = uow.session.get(Device, device_id)
        if device is None:
            device = Device(id=device_id, officer_id=officer.id, name=device_name[:128])
            uow.session.add(device)
        elif device.revoked_at is not None:
            raise AuthenticationFailed("device-revoked", "此设备已被注销，请联系管理员；设备上未同步的数据请勿清除")
        elif device.officer_id != officer.id:
            # A shared phone keeps one device id per officer on the client; a clash means a copied id.
            raise AuthenticationFailed("device-owned-by-other", "此设备标识属于其他执法人员，请重新安装应用")
        device.last_seen_at = now
        uow.session.add(LoginAttempt(address=address, username=username, success=True))
        session = _issue(uow, cfg, officer, device)
        uow.audit(None, "auth.login", "device", device.id, {"officer_id": officer.id, "address": address},
                  unit_id=officer.unit_id)
        uow.commit()
        return session


def refresh(uow: UnitOfWork, cfg: dict[str, Any], refresh_token: str) -> Session:
    now = utcnow()
    with uow:
        row = uow.session.scalar(select(RefreshToken).where(
            RefreshToken.token_hash == tokens.hash_refresh_token(refresh_token)))
        if row is None or row.revoked_at is not None or row.expires_at < now:
            raise AuthenticationFailed("refresh-invalid", "登录已失效，请重新登录")
        device = uow.session.get(Device, row.device_id)
        if row.used_at is not None:
            # Reuse of a rotated token: someone copied it. Kill every token of the device.
            _revoke_tokens(uow, device.id, now)
            uow.audit(None, "auth.refresh_reuse", "device", device.id, {}, unit_id=None)
            uow.commit()
            raise AuthenticationFailed("refresh-reused", "检测到令牌被重复使用，已强制下线，请重新登录")
        if device.revoked_at is not None:
            raise AuthenticationFailed("device-revoked", "此设备已被注销，请联系管理员；设备上未同步的数据请勿清除")
        officer = uow.session.get(Officer, device.officer_id)
        if not officer.active:
            raise AuthenticationFailed("officer-inactive", "账号已停用")
        row.used_at = now
        device.last_seen_at = now
        session = _issue(uow, cfg, officer, device)
        uow.commit()
        return session


def _revoke_tokens(uow: UnitOfWork, device_id: str, now) -> None:
    for tok in uow.session.scalars(select(RefreshToken).where(RefreshToken.device_id == device_id,
                                                              RefreshToken.revoked_at.is_(None))):
        tok.revoked_at = now


def logout(uow: UnitOfWork, actor: Actor) -> None:
    with uow:
        _revoke_tokens(uow, actor.device_id, utcnow())
        uow.audit(actor, "auth.logout", "device", actor.device_id, {}, unit_id=actor.unit_id)
        uow.commit()


def revoke_device(uow: UnitOfWork, actor: Actor, device_id: str, reason: str) -> Device:
    """An admin (or the owner) revokes a lost phone: tokens die now, pushes are refused from now on."""
    with uow:
        device = uow.session.get(Device, device_id)
        if device is None:
            raise NotFound()
        owner = uow.session.get(Officer, device.officer_id)
        unit = uow.session.get(Unit, owner.unit_id)
        if device.officer_id != actor.officer_id:
            actor.require("admin")
            if not actor.sees_unit_path(unit.path):
                raise NotFound()
        now = utcnow()
        device.revoked_at = device.revoked_at or now
        device.revoked_reason = reason
        _revoke_tokens(uow, device.id, now)
        uow.audit(actor, "device.revoke", "device", device.id, {"reason": reason}, unit_id=owner.unit_id)
        uow.commit()
        return device


def authenticate(uow: UnitOfWork, cfg: dict[str, Any], bearer: str) -> Actor:
    """Access token → Actor. Checks the device is not revoked so revocation bites within one request."""
    officer_id, device_id = tokens.read_access_token(cfg["SECRET_KEY"], bearer)
    device = uow.session.get(Device, device_id)
    if device is None or device.officer_id != officer_id:
        raise AuthenticationFailed("token-invalid", "令牌无效，请重新登录")
    if device.revoked_at is not None:
        raise AuthenticationFailed("device-revoked", "此设备已被注销，请联系管理员；设备上未同步的数据请勿清除")
    officer = uow.session.get(Officer, officer_id)
    if officer is None or not officer.active:
        raise AuthenticationFailed("officer-inactive", "账号已停用")
    unit = uow.session.get(Unit, officer.unit_id)
    return Actor(officer_id=officer.id, unit_id=unit.id, unit_path=unit.path, roles=frozenset(officer.roles),
                 device_id=device.id, full_name=officer.full_name)


def ensure_role_assignment(actor: Actor, roles: list[str]) -> None:
    if "admin" in roles and not actor.has("admin"):
        raise PermissionDenied(message="只有管理员可以授予管理员角色")
