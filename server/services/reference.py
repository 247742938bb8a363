"""The reference bundle a phone caches for a whole offline patrol (离线参考数据).

One call gives what offline work needs: the public key that verifies QR payloads, the revocation list,
the current violation catalog, the officer's unit and the officers of that unit with their 执法证
(so the second officer can be picked or scanned without network).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from server.adapters import signing
from server.adapters.models import Officer, Unit
from server.domain.actor import Actor
from server.domain.certificates import certificate_state
from server.domain.timeutil import local_today
from server.services import lookup
from server.services.uow import UnitOfWork


def bundle(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    today = local_today()
    with uow:
        key = signing.load_or_create_ed25519(uow.session)
        unit = uow.session.get(Unit, actor.unit_id)
        officers = uow.session.scalars(
            select(Officer).options(selectinload(Officer.certificate))
            .where(Officer.unit_id == actor.unit_id, Officer.active.is_(True)).order_by(Officer.id)).all()
        colleagues = []
        for officer in officers:
            cert = officer.certificate
            colleagues.append({
                "id": officer.id, "full_name": officer.full_name, "roles": list(officer.roles or []),
                "certificate_number": cert.number if cert else None,
                "certificate_valid_until": cert.valid_until.isoformat() if cert else None,
                "state": certificate_state(lookup.certificate_view(cert), today),
            })
        unit_data = {"id": unit.id, "code": unit.code, "name": unit.name, "doc_prefix": unit.doc_prefix,
                     "center_lat": unit.center_lat, "center_lon": unit.center_lon, "radius_m": unit.radius_m}
        uow.commit()  # the signing key may have just been created
    return {
        "generated_at": datetime.now(timezone.utc).isoformat(),
        "public_key": signing.public_key_b64(key),
        "signature_format": signing.PREFIX,
        "revocations": lookup.revocation_list(UnitOfWork()),
        "unit": unit_data,
        "officers": colleagues,
    }
