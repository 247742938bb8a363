"""``inspection.create`` and ``inspection.update`` (现场检查), applied from devices' outboxes.

create: two officers with certificates valid on the day, known party/vehicle/credentials, a GPS fix with its
accuracy; the first-violation claim (首违不罚) is re-checked against what the server knows.
update: three-way merge per field against the values the device saw; same-field disagreements open conflicts.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from marshmallow import Schema, fields, validate
from sqlalchemy import bindparam, select

from server.adapters import reference_rows, write_behind
from server.adapters.models import CatalogEntry, Credential, EnforcementCertificate, Inspection, Officer, Party, Vehicle
from server.domain.actor import Actor
from server.domain.certificates import CertificateView, ensure_may_enforce, ensure_two_officers
from server.domain.timeutil import local_today
from server.services import conflicts
from server.services.gps import GpsFixSchema, fix_data, hold_fix
from server.services.mutations import MutationContext, mutation
from server.services.scope import ensure_unit_in_scope
from sync import Outcome, Rejected, Status, Waiting
from sync.merge import three_way
from sync.waiting import missing_entity

ID = validate.Length(min=8, max=64)


class PartyArgs(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["person", "organisation"]))
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    id_number = fields.String(validate=validate.Length(max=32), allow_none=True)
    phone = fields.String(validate=validate.Length(max=32), allow_none=True)


class CreateArgs(Schema):
    id = fields.String(required=True, validate=ID)
    second_officer_id = fields.Integer(required=True)
    party_id = fields.Integer(allow_none=True)
    party = fields.Nested(PartyArgs, allow_none=True)
    vehicle_id = fields.Integer(allow_none=True)
    plate = fields.String(validate=validate.Length(min=2, max=16), allow_none=True)
    credential_ids = fields.List(fields.Integer(), load_default=list)
    catalog_code = fields.String(validate=validate.Length(max=32), allow_none=True)
    facts = fields.String(load_default="", validate=validate.Length(max=20000))
    place = fields.String(load_default="", validate=validate.Length(max=255))
    occurred_at = fields.AwareDateTime(required=True)
    gps = fields.Nested(GpsFixSchema, required=True)
    first_violation = fields.Boolean(allow_none=True)
    harm = fields.String(validate=validate.OneOf(["none", "slight", "serious"]), allow_none=True)
    corrected_on_spot = fields.Boolean(allow_none=True)


class UpdateArgs(Schema):
    id = fields.String(required=True, validate=ID)
    base_version = fields.Integer(required=True, validate=validate.Range(min=1))
    base = fields.Dict(required=True)  # (keys of a JSON object are strings already)
    changes = fields.Dict(required=True, validate=validate.Length(min=1))


# Fields a device may edit (status moves only by transition commands; officer and unit never change).
EDITABLE = ("facts", "place", "catalog_code", "party_id", "vehicle_id", "credential_ids", "second_officer_id")


def inspection_payload(row: Inspection | Mapping[str, Any]) -> dict[str, Any]:
    """What devices pull and the audit records of an inspection; ``row`` is the ORM object or its column values
    (``write_behind`` rows)."""
    v = row if isinstance(row, Mapping) else {c.key: getattr(row, c.key) for c in Inspection.__table__.columns}
    return {"id": v["id"], "unit_id": v["unit_id"], "officer_id": v["officer_id"],
            "second_officer_id": v["second_officer_id"], "party_id": v["party_id"], "vehicle_id": v["vehicle_id"],
            "credential_ids": list(v["credential_ids"] or []), "catalog_code": v["catalog_code"],
            "catalog_version": v["catalog_version"], "facts": v["facts"], "place": v["place"], "lat": v["lat"],
            "lon": v["lon"], "accuracy_m": v["accuracy_m"], "occurred_at": v["occurred_at"].isoformat(),
            "status": v["status"], "first_violation": v["first_violation"], "exemption_status": v["exemption_status"],
            "flags": list(v["flags"] or []), "version": v["version"]}


def _lock_targets(session, group_args: list[dict]) -> None:
    """Once per push group: the inspections the group creates or edits, read and locked in one statement."""
    write_behind.lock(session, Inspection, [a.get("id") for a in group_args if isinstance(a.get("id"), str)])


# Both write through write_behind: a push group's inspections and fixes go out as one statement per table.
@mutation("inspection.create", CreateArgs, prefetch=_lock_targets, write_behind=True)
def create(ctx: MutationContext, args: dict) -> Outcome:
    session, actor = ctx.uow.session, ctx.actor
    if write_behind.get_locked(session, Inspection, args["id"]) is not None:
        raise Rejected("inspection-exists", "该检查记录编号已存在，不能重复创建", {"id": args["id"]})
    occurred_at = args["occurred_at"]
    ensure_two_officers(actor.officer_id, args["second_officer_id"])
    for officer_id in (actor.officer_id, args["second_officer_id"]):
        ensure_officer_may_enforce(session, officer_id, occurred_at)
    party_id = _party(ctx, args)
    vehicle_id = _vehicle(ctx, args)
    _credentials_known(session, args["credential_ids"])
    catalog_version = _catalog_version(session, args.get("catalog_code"))
    fix = hold_fix(session, actor, args["gps"], entity_type="inspection", entity_id=args["id"],
                   unit_id=actor.unit_id, config=ctx.config, received_at=ctx.now, recorded_at=occurred_at)
    flags = list(fix.flags)
    if args.get("corrected_on_spot"):
        flags.append("corrected-on-spot")
    if args.get("harm"):
        flags.append(f"harm:{args['harm']}")
    row = {"id": args["id"], "unit_id": actor.unit_id, "officer_id": actor.officer_id,
           "second_officer_id": args["second_officer_id"], "party_id": party_id, "vehicle_id": vehicle_id,
           "credential_ids": list(args["credential_ids"]), "catalog_code": args.get("catalog_code"),
           "catalog_version": catalog_version, "facts": args["facts"], "place": args["place"], "lat": fix.lat,
           "lon": fix.lon, "accuracy_m": fix.accuracy_m, "occurred_at": occurred_at, "status": "open",
           "first_violation": args.get("first_violation"),
           "exemption_status": "claimed" if args.get("first_violation") else None, "flags": flags, "version": 1}
    write_behind.insert_row(session, Inspection, row)
    earlier = _earlier_violations(session, row) if row["first_violation"] else []
    if earlier:
        row["exemption_status"] = "contested"
        write_behind.update_row(session, Inspection, row["id"], {"exemption_status": "contested"})
    data = inspection_payload(row)
    ctx.uow.record(actor, "inspection.create", "inspection", row["id"], {**data, "gps": fix_data(fix)},
                   unit_id=row["unit_id"], version=1, payload=data)
    outcome = Outcome(Status.APPLIED, entity_refs=[{"type": "inspection", "id": row["id"], "version": 1}],
                      details={"flags": flags, "exemption_status": row["exemption_status"]})
    if earlier:
        _contest(ctx, row, earlier)
        outcome.status, outcome.code = Status.CONFLICT, "exemption-contested"
        outcome.message = "服务器发现该当事人此前已有同类违法记录，首违免罚已标记为“有争议”，交法制审核人员处理；检查记录已保存"
    for later in _later_claims(session, row):  # an older violation arriving late contests newer claims
        later.exemption_status = "contested"
        later.version += 1
        ctx.uow.record(actor, "inspection.exemption_contested", "inspection", later.id, {"earlier": row["id"]},
                       unit_id=later.unit_id, version=later.version, payload=inspection_payload(later))
        _contest(ctx, inspection_payload(later), [row])
    return outcome


@mutation("inspection.update", UpdateArgs, prefetch=_lock_targets, write_behind=True)
def update(ctx: MutationContext, args: dict) -> Outcome:
    session, actor = ctx.uow.session, ctx.actor
    unknown = sorted(set(args["changes"]) - set(EDITABLE))
    if unknown:
        raise Rejected("field-not-editable", f"以下字段不能通过修改提交：{'、'.join(unknown)}",
                       {"fields": unknown, "editable": list(EDITABLE)})
    missing_base = sorted(set(args["changes"]) - set(args["base"]))
    if missing_base:
        raise Rejected("base-missing", "每个修改的字段都必须附带修改前看到的值", {"fields": missing_base})
    row = write_behind.get_locked(session, Inspection, args["id"])
    if row is None:
        raise Waiting([missing_entity("inspection", args["id"])], "等待该检查记录同步到服务器后自动处理")
    ensure_unit_in_scope(session, row["unit_id"], actor)
    current = {name: _comparable(row[name]) for name in args["changes"]}
    result = three_way(args["base"], current, args["changes"], args["base_version"], row["version"])
    for name, value in result.updates.items():
        validate_field(session, actor, name, value, row["occurred_at"])
    for c in result.conflicts:
        conflicts.open_conflict(ctx.uow, actor, unit_id=row["unit_id"], kind="field", entity_type="inspection",
                                entity_id=row["id"], field=c.field, base=c.base, server_value=c.server,
                                device_value=c.device, client_id=ctx.client_id, mutation_id=ctx.mutation_id)
    if result.updates:
        changed = dict(result.updates)
        if "catalog_code" in changed:
            changed["catalog_version"] = _catalog_version(session, changed["catalog_code"])
        changed["version"] = row["version"] + 1
        write_behind.update_row(session, Inspection, row["id"], changed)
        row.update(changed)
        ctx.uow.record(actor, "inspection.update", "inspection", row["id"],
                       {"changes": result.updates, "base_version": args["base_version"]}, unit_id=row["unit_id"],
                       version=row["version"], payload=inspection_payload(row))
    outcome = Outcome(result.status, entity_refs=[{"type": "inspection", "id": row["id"], "version": row["version"]}],
                      details={"merged": sorted(result.updates), "conflicts": [c.field for c in result.conflicts]})
    if result.conflicts:
        outcome.code = "field-conflict"
        outcome.message = "与服务器上的修改冲突，已保留服务器的值并提交审核人员处理：" + "、".join(c.field for c in result.conflicts)
    return outcome


def validate_field(session, actor: Actor, name: str, value: Any, occurred_at: datetime) -> None:
    """The same checks create makes, for one edited field (merge and conflict resolution both call this)."""
    if name in ("facts", "place"):
        if not isinstance(value, str) or (name == "place" and len(value) > 255):
            raise Rejected("invalid-args", f"{name} 必须是文字", {"fields": {name: ["类型错误"]}})
    elif name == "catalog_code":
        if value is not None:
            _catalog_version(session, value)
    elif name == "party_id":
        if value is not None and (not isinstance(value, int) or session.get(Party, value) is None):
            raise Rejected("party-unknown", "当事人不存在", {"party_id": value})
    elif name == "vehicle_id":
        if value is not None and (not isinstance(value, int) or session.get(Vehicle, value) is None):
            raise Rejected("vehicle-unknown", "车辆不存在", {"vehicle_id": value})
    elif name == "credential_ids":
        if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise Rejected("invalid-args", "credential_ids 必须是整数列表", {"fields": {name: ["类型错误"]}})
        _credentials_known(session, value)
    elif name == "second_officer_id":
        if not isinstance(value, int):
            raise Rejected("invalid-args", "second_officer_id 必须是整数", {"fields": {name: ["类型错误"]}})
        ensure_two_officers(actor.officer_id, value)
        ensure_officer_may_enforce(session, value, occurred_at)


# Built once: every create checks two certificates, and building the statement costs more than running it.
_CERTIFICATE_OF = select(EnforcementCertificate).where(EnforcementCertificate.officer_id == bindparam("officer_id"))


def ensure_officer_may_enforce(session, officer_id: int, occurred_at: datetime) -> None:
    """持证上岗 on the day of the inspection (an upload days later must not fail on a since-expired card)."""
    officer = reference_rows.get(session, Officer, officer_id)
    if officer is None or not officer.active:
        raise Rejected("officer-unknown", "执法人员不存在或已停用", {"officer_id": officer_id})
    cert = reference_rows.remembered(session, ("certificate-of", officer_id),
                                     lambda: session.scalar(_CERTIFICATE_OF, {"officer_id": officer_id}))
    view = CertificateView(cert.number, cert.status, cert.valid_from, cert.valid_until, cert.annual_review_due,
                           officer.full_name) if cert else None
    ensure_may_enforce(view, local_today(occurred_at), name=officer.full_name)


def _comparable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _party(ctx: MutationContext, args: dict) -> int | None:
    session = ctx.uow.session
    if args.get("party_id") is not None:
        if session.get(Party, args["party_id"]) is None:
            raise Rejected("party-unknown", "当事人不存在，请重新核查证件", {"party_id": args["party_id"]})
        return args["party_id"]
    given = args.get("party")
    if not given:
        return None
    if given.get("id_number"):
        existing = session.scalar(select(Party).where(Party.id_number == given["id_number"]).limit(1))
        if existing is not None:
            return existing.id
    party = Party(kind=given["kind"], name=given["name"], id_number=given.get("id_number"), phone=given.get("phone"))
    session.add(party)
    session.flush()
    ctx.uow.record(ctx.actor, "party.create", "party", party.id,
                   {"kind": party.kind, "name": party.name, "id_number": party.id_number}, unit_id=0)
    return party.id


def _vehicle(ctx: MutationContext, args: dict) -> int | None:
    session = ctx.uow.session
    if args.get("vehicle_id") is not None:
        if session.get(Vehicle, args["vehicle_id"]) is None:
            raise Rejected("vehicle-unknown", "车辆不存在，请重新查询车牌", {"vehicle_id": args["vehicle_id"]})
        return args["vehicle_id"]
    plate = (args.get("plate") or "").strip().upper()
    if not plate:
        return None
    vehicle = session.scalar(select(Vehicle).where(Vehicle.plate == plate))
    if vehicle is None:  # an unregistered vehicle is itself a finding (非法营运): keep it on record
        vehicle = Vehicle(plate=plate)
        session.add(vehicle)
        session.flush()
        ctx.uow.record(ctx.actor, "vehicle.create", "vehicle", vehicle.id, {"plate": plate}, unit_id=0)
    return vehicle.id


def _credentials_known(session, ids: list[int]) -> None:
    if not ids:
        return
    found = set(session.scalars(select(Credential.id).where(Credential.id.in_(ids))))
    missing = sorted(set(ids) - found)
    if missing:
        raise Rejected("credential-unknown", "证件不存在，请重新扫描或查询", {"credential_ids": missing})


def _catalog_version(session, code: str | None) -> int | None:
    if not code:
        return None
    version = session.scalar(select(CatalogEntry.version).where(CatalogEntry.code == code,
                                                                 CatalogEntry.is_current.is_(True)))
    if version is None:
        raise Rejected("catalog-unknown", f"违法行为目录中没有编码 {code}", {"catalog_code": code})
    return version


# These two read through the ORM, so the rows held so far (this inspection included) are written first.
def _earlier_violations(session, row: Mapping[str, Any]) -> list[dict[str, Any]]:
    if not (row["party_id"] and row["catalog_code"]):
        return []
    return [inspection_payload(e) for e in session.scalars(select(Inspection).where(
        Inspection.party_id == row["party_id"], Inspection.catalog_code == row["catalog_code"],
        Inspection.occurred_at < row["occurred_at"], Inspection.id != row["id"]).order_by(Inspection.occurred_at))]


def _later_claims(session, row: Mapping[str, Any]) -> list[Inspection]:
    if not (row["party_id"] and row["catalog_code"]):
        return []
    return list(session.scalars(select(Inspection).where(
        Inspection.party_id == row["party_id"], Inspection.catalog_code == row["catalog_code"],
        Inspection.occurred_at > row["occurred_at"], Inspection.exemption_status == "claimed").with_for_update()))


def _contest(ctx: MutationContext, row: Mapping[str, Any], earlier: list[Mapping[str, Any]]) -> None:
    """首违不罚 contested: the record stays; the unit's legal reviewer decides confirmed / denied."""
    evidence = {"earlier": [{"inspection_id": e["id"], "occurred_at": _iso(e["occurred_at"]), "unit_id": e["unit_id"]}
                            for e in earlier]}
    conflicts.open_conflict(ctx.uow, ctx.actor, unit_id=row["unit_id"], kind="exemption", entity_type="inspection",
                            entity_id=row["id"], field="exemption_status", base=evidence, server_value="denied",
                            device_value="confirmed", client_id=ctx.client_id, mutation_id=ctx.mutation_id)


def _iso(value: datetime | str) -> str:
    return value if isinstance(value, str) else value.isoformat()
