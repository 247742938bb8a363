"""What an officer looks up at the roadside: a scanned or typed credential, a plate, a colleague's 执法证."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from server.adapters import signing
from server.adapters.models import Credential, EnforcementCertificate, Officer, Vehicle
from server.domain.actor import Actor
from server.domain.certificates import CertificateView, certificate_state, validity_state
from server.domain.errors import DomainError, NotFound
from server.domain.timeutil import local_today
from server.services.uow import UnitOfWork

CREDENTIAL_NAMES = {"road_transport_cert": "道路运输证", "qualification_cert": "从业资格证",
                    "business_license": "道路运输经营许可证", "enforcement_cert": "执法证"}


def credential_state(cred: Credential, today: date) -> str:
    return validity_state(cred.status, cred.valid_from, cred.valid_until, cred.annual_review_due, today)


def certificate_view(cert: EnforcementCertificate | None) -> CertificateView | None:
    if cert is None:
        return None
    return CertificateView(cert.number, cert.status, cert.valid_from, cert.valid_until, cert.annual_review_due,
                           cert.officer.full_name if cert.officer else "")


@dataclass
class CredentialResult:
    credential: Credential
    state: str
    qr: str


@dataclass
class OfficerCertificateResult:
    officer: Officer
    state: str
    qr: str | None


def credential_qr_payload(cred: Credential) -> dict[str, Any]:
    return {"t": "cred", "k": cred.kind, "n": cred.number, "h": cred.holder.name,
            "v": cred.vehicle.plate if cred.vehicle else None, "vf": cred.valid_from.isoformat(),
            "vu": cred.valid_until.isoformat(), "id": cred.id}


def officer_qr_payload(officer: Officer) -> dict[str, Any]:
    cert = officer.certificate
    return {"t": "officer", "k": "enforcement_cert", "n": cert.number, "h": officer.full_name,
            "u": officer.unit.name, "vf": cert.valid_from.isoformat(), "vu": cert.valid_until.isoformat(),
            "id": officer.id}


def _credential_query():
    return select(Credential).options(selectinload(Credential.holder), selectinload(Credential.vehicle))


def find_credential(uow: UnitOfWork, actor: Actor, number: str, kind: str | None = None) -> CredentialResult:
    with uow:
        stmt = _credential_query().where(Credential.number == number.strip())
        if kind:
            stmt = stmt.where(Credential.kind == kind)
        cred = uow.session.scalars(stmt).first()
        if cred is None:
            raise NotFound("credential-unknown", f"未找到证件号码 {number} 的记录，请核对号码或人工核查")
        key = signing.load_or_create_ed25519(uow.session)
        result = CredentialResult(cred, credential_state(cred, local_today()), signing.sign_payload(key, credential_qr_payload(cred)))
        uow.commit()
        return result


def find_officer_by_certificate(uow: UnitOfWork, actor: Actor, number: str) -> OfficerCertificateResult:
    """Any officer may check any 执法证 (亮证执法 is public), so this is not unit-scoped."""
    with uow:
        cert = uow.session.scalar(select(EnforcementCertificate).where(EnforcementCertificate.number == number.strip()))
        if cert is None:
            raise NotFound("certificate-unknown", f"未找到执法证号 {number}")
        return officer_certificate(uow, cert.officer)


def officer_certificate(uow: UnitOfWork, officer: Officer) -> OfficerCertificateResult:
    state = certificate_state(certificate_view(officer.certificate), local_today())
    qr = None
    if officer.certificate is not None:
        qr = signing.sign_payload(signing.load_or_create_ed25519(uow.session), officer_qr_payload(officer))
    uow.commit()
    return OfficerCertificateResult(officer, state, qr)


def officer_profile(uow: UnitOfWork, actor: Actor, officer_id: int | None = None) -> OfficerCertificateResult:
    with uow:
        officer = uow.session.get(Officer, officer_id or actor.officer_id)
        if officer is None or not actor.sees_unit_path(officer.unit.path) and officer.id != actor.officer_id:
            raise NotFound()
        return officer_certificate(uow, officer)


def search_vehicles(uow: UnitOfWork, actor: Actor, plate: str, limit: int = 20) -> list[tuple[Vehicle, list[CredentialResult]]]:
    plate = plate.strip().upper()
    if len(plate) < 2:
        raise DomainError("query-too-short", "请至少输入车牌号的两个字符", status=400, details={"plate": ["至少两个字符"]})
    with uow:
        vehicles = uow.session.scalars(select(Vehicle).where(Vehicle.plate.like(f"%{plate}%"))
                                       .order_by(Vehicle.plate).limit(limit)).all()
        today = local_today()
        key = signing.load_or_create_ed25519(uow.session)
        out = []
        for v in vehicles:
            creds = uow.session.scalars(_credential_query().where(Credential.vehicle_id == v.id)).all()
            out.append((v, [CredentialResult(c, credential_state(c, today), signing.sign_payload(key, credential_qr_payload(c)))
                            for c in creds]))
        uow.commit()
        return out


def _verified_payload(uow: UnitOfWork, scanned: str) -> dict[str, Any]:
    """The signed payload of what a camera read (a token or a verification URL), or ``qr-invalid``."""
    with uow:
        key = signing.load_or_create_ed25519(uow.session)
        payload = signing.verify_payload(signing.public_key_b64(key), signing.token_from_scan(scanned))
    if payload is None:
        raise DomainError("qr-invalid", "二维码无效：签名校验失败，可能是伪造或被篡改的证件", status=422)
    return payload


def resolve_scan(uow: UnitOfWork, actor: Actor, qr_text: str) -> dict[str, Any]:
    """Verify a scanned QR online: signature first, then the live status (which may be newer than the code)."""
    payload = _verified_payload(uow, qr_text)
    if payload.get("t") == "officer":
        return {"kind": "officer", "result": find_officer_by_certificate(uow, actor, payload["n"])}
    return {"kind": "credential", "result": find_credential(uow, actor, payload["n"], payload.get("k"))}


def public_verification(uow: UnitOfWork, scanned: str) -> dict[str, Any]:
    """What the public page (亮证执法) shows for a scanned code: the live status, never just the signed one — a
    certificate suspended after its QR was made shows 已暂停. ``qr-invalid`` when the signature does not hold."""
    payload = _verified_payload(uow, scanned)
    if payload.get("t") == "officer":
        found = find_officer_by_certificate(uow, None, payload["n"])
        cert = found.officer.certificate
        return {"kind": "enforcement_cert", "state": found.state, "holder": found.officer.full_name,
                "holder_kind": "officer", "number": cert.number, "unit": found.officer.unit.name,
                "authority": cert.issuing_authority, "valid_from": cert.valid_from, "valid_until": cert.valid_until}
    cred = find_credential(uow, None, payload["n"], payload.get("k"))
    row = cred.credential
    return {"kind": row.kind, "state": cred.state, "holder": row.holder.name, "holder_kind": row.holder.kind,
            "number": row.number, "unit": None, "authority": row.issuing_authority,
            "valid_from": row.valid_from, "valid_until": row.valid_until}


def revocation_list(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Numbers a phone must treat as not valid even if their QR still verifies (cached for offline scans)."""
    with uow:
        creds = uow.session.execute(select(Credential.kind, Credential.number, Credential.status)
                                    .where(Credential.status != "valid")).all()
        certs = uow.session.execute(select(EnforcementCertificate.number, EnforcementCertificate.status)
                                    .where(EnforcementCertificate.status != "active")).all()
    return ([{"kind": k, "number": n, "status": s} for k, n, s in creds]
            + [{"kind": "enforcement_cert", "number": n, "status": s} for n, s in certs])
