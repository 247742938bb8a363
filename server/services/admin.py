"""Administration of units, officers, certificates and training. Admins act only inside their subtree."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.adapters import passwords
from server.adapters.models import Device, EnforcementCertificate, Officer, TrainingRecord, Unit
from server.domain.actor import ROLES, Actor
from server.domain.errors import ConflictError, DomainError, NotFound, PreconditionFailed, PreconditionRequired
from server.services.scope import get_unit_in_scope, visible_unit_ids
from server.services.uow import UnitOfWork


def _officer_in_scope(uow: UnitOfWork, actor: Actor, officer_id: int) -> Officer:
    officer = uow.session.get(Officer, officer_id)
    if officer is None or not actor.sees_unit_path(officer.unit.path):
        raise NotFound(message="执法人员不存在或不在您的管辖范围内")
    return officer


def list_units(uow: UnitOfWork, actor: Actor) -> list[Unit]:
    with uow:
        return uow.session.scalars(select(Unit).where(Unit.id.in_(visible_unit_ids(actor))).order_by(Unit.path)).all()


def create_unit(uow: UnitOfWork, actor: Actor, data: dict[str, Any]) -> Unit:
    actor.require("admin")
    with uow:
        parent = get_unit_in_scope(uow.session, data.pop("parent_id"), actor)
        unit = Unit(parent_id=parent.id, **data)
        uow.session.add(unit)
        try:
            uow.session.flush()
        except IntegrityError:
            raise ConflictError("unit-code-taken", f"单位代码 {data['code']} 已存在")
        unit.path = f"{parent.path}{unit.id}/"
        uow.record(actor, "unit.create", "unit", unit.id, _unit_data(unit), unit_id=unit.id)
        uow.commit()
        return unit


def update_unit(uow: UnitOfWork, actor: Actor, unit_id: int, data: dict[str, Any]) -> Unit:
    actor.require("admin")
    with uow:
        unit = get_unit_in_scope(uow.session, unit_id, actor)
        for key, value in data.items():
            setattr(unit, key, value)
        uow.record(actor, "unit.update", "unit", unit.id, _unit_data(unit), unit_id=unit.id)
        uow.commit()
        return unit


def _unit_data(unit: Unit) -> dict[str, Any]:
    return {"code": unit.code, "name": unit.name, "level": unit.level, "parent_id": unit.parent_id,
            "doc_prefix": unit.doc_prefix, "center_lat": unit.center_lat, "center_lon": unit.center_lon,
            "radius_m": unit.radius_m, "polygon": unit.polygon}


def list_officers(uow: UnitOfWork, actor: Actor) -> list[Officer]:
    actor.require("admin", "leader", "legal_reviewer")
    with uow:
        return uow.session.scalars(select(Officer).where(Officer.unit_id.in_(visible_unit_ids(actor)))
                                   .order_by(Officer.unit_id, Officer.id)).all()


def create_officer(uow: UnitOfWork, actor: Actor, data: dict[str, Any]) -> Officer:
    actor.require("admin")
    unknown = set(data["roles"]) - set(ROLES)
    if unknown:
        raise DomainError("role-unknown", f"未知角色：{'、'.join(sorted(unknown))}", status=422,
                          details={"roles": sorted(unknown)})
    with uow:
        get_unit_in_scope(uow.session, data["unit_id"], actor)
        officer = Officer(unit_id=data["unit_id"], username=data["username"], full_name=data["full_name"],
                          password_hash=passwords.hash_password(data["password"]), roles=list(data["roles"]),
                          phone=data.get("phone"))
        uow.session.add(officer)
        try:
            uow.session.flush()
        except IntegrityError:
            raise ConflictError("username-taken", f"用户名 {data['username']} 已被使用")
        uow.record(actor, "officer.create", "officer", officer.id, officer_data(officer), unit_id=officer.unit_id)
        uow.commit()
        return officer


def update_officer(uow: UnitOfWork, actor: Actor, officer_id: int, data: dict[str, Any]) -> Officer:
    actor.require("admin")
    with uow:
        officer = _officer_in_scope(uow, actor, officer_id)
        if "unit_id" in data:
            get_unit_in_scope(uow.session, data["unit_id"], actor)
        if "password" in data:
            officer.password_hash = passwords.hash_password(data.pop("password"))
        for key, value in data.items():
            setattr(officer, key, value)
        uow.record(actor, "officer.update", "officer", officer.id, officer_data(officer), unit_id=officer.unit_id)
        uow.commit()
        return officer


def officer_data(officer: Officer) -> dict[str, Any]:
    return {"username": officer.username, "full_name": officer.full_name, "roles": officer.roles,
            "unit_id": officer.unit_id, "active": officer.active}


def set_certificate(uow: UnitOfWork, actor: Actor, officer_id: int, data: dict[str, Any],
                    expected_version: int | None = None) -> EnforcementCertificate:
    """Create or change an officer's 执法证 (status changes such as 暂停 after failing 年审 included).

    Changing an existing certificate needs the version the admin saw, so two admins cannot silently
    overwrite each other (HTTP: If-Match → 428 when missing, 412 when stale).
    """
    actor.require("admin")
    with uow:
        officer = _officer_in_scope(uow, actor, officer_id)
        cert = officer.certificate
        if cert is not None:
            if expected_version is None:
                raise PreconditionRequired()
            if expected_version != cert.version:
                raise PreconditionFailed(details={"current_version": cert.version})
        if cert is None:
            cert = EnforcementCertificate(officer_id=officer.id, **data)
            uow.session.add(cert)
        else:
            for key, value in data.items():
                setattr(cert, key, value)
            cert.version += 1
        try:
            uow.session.flush()
        except IntegrityError:
            raise ConflictError("certificate-number-taken", f"执法证号 {data.get('number')} 已被使用")
        payload = {"officer_id": officer.id, "number": cert.number, "status": cert.status,
                   "valid_from": cert.valid_from, "valid_until": cert.valid_until,
                   "annual_review_due": cert.annual_review_due, "issuing_authority": cert.issuing_authority,
                   "status_reason": cert.status_reason}
        uow.record(actor, "certificate.set", "enforcement_certificate", cert.id, payload, unit_id=officer.unit_id,
                   version=cert.version)
        uow.commit()
        return cert


def add_training(uow: UnitOfWork, actor: Actor, officer_id: int, data: dict[str, Any]) -> TrainingRecord:
    actor.require("admin")
    with uow:
        officer = _officer_in_scope(uow, actor, officer_id)
        record = TrainingRecord(officer_id=officer.id, **data)
        uow.session.add(record)
        uow.session.flush()
        uow.record(actor, "training.add", "training_record", record.id, {"officer_id": officer.id, **data},
                   unit_id=officer.unit_id, publish=False)
        uow.commit()
        return record


def training_summary(uow: UnitOfWork, actor: Actor, officer_id: int, year: int | None = None) -> dict[str, Any]:
    year = year or date.today().year
    with uow:
        officer = _officer_in_scope(uow, actor, officer_id)
        rows = uow.session.scalars(select(TrainingRecord).where(TrainingRecord.officer_id == officer.id,
                                                                TrainingRecord.year == year)).all()
        total = sum(r.hours for r in rows)
        legal = sum(r.hours for r in rows if r.kind == "legal")
        unit = officer.unit
        return {"officer_id": officer.id, "year": year, "total_hours": total, "legal_hours": legal,
                "required_hours": unit.training_hours_required,
                "required_legal_hours": unit.training_legal_hours_required,
                "met": total >= unit.training_hours_required and legal >= unit.training_legal_hours_required}


def list_devices(uow: UnitOfWork, actor: Actor) -> list[Device]:
    actor.require("admin")
    with uow:
        return uow.session.scalars(
            select(Device).join(Officer, Officer.id == Device.officer_id)
            .where(Officer.unit_id.in_(visible_unit_ids(actor))).order_by(Device.created_at)).all()
