"""Issuing and reading enforcement documents (执法文书).

``issue`` runs inside the push transaction of one ``document.issue`` mutation (the executor commits): it re-checks
everything the phone decided offline — two officers with valid certificates, the procedure the law allows,
the number block — renders the document from the pinned catalog version and stores the full context.
"""
from __future__ import annotations

import json
import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from server.adapters import render
from server.adapters.models import (
    CatalogEntry, Document, EnforcementCertificate, Inspection, Officer, Party, Unit, Vehicle,
)
from server.domain import eligibility, legal_review, publication
from server.domain.actor import Actor
from server.domain.certificates import ensure_may_enforce, ensure_two_officers
from server.domain.documents import DOC_TYPES, PUBLISHABLE_DOC_TYPES, build_context, ensure_procedure_allows, format_number, local_date_iso
from server.domain.errors import DomainError, NotFound
from server.domain.timeutil import utcnow
from server.services import calendar, cases, conflicts, lookup
from server.services.numbering import use_leased_number
from server.services.scope import get_scoped, scoped
from server.services.uow import UnitOfWork
from sync import Outcome, Rejected, Status, Waiting

TEXTS_FILE = Path(__file__).resolve().parents[1] / "seeds" / "document_texts.json"
CATALOG_FIELDS = ("code", "version", "name", "violated_article", "violated_text", "penalty_article", "penalty_text",
                  "min_fine_fen", "max_fine_fen", "warning_allowed", "discretion_bands", "minor_exemption",
                  "never_exempt")


def document_texts() -> dict[str, Any]:
    return json.loads(TEXTS_FILE.read_text(encoding="utf-8"))


def texts_for(unit: Unit) -> dict[str, Any]:
    raw = document_texts()
    bodies = raw["reconsideration_body"]
    return {"reconsideration_body": bodies.get(unit.code, bodies["default"]),
            "hearing_threshold_fen": raw["hearing_threshold_fen"], "commitment_consequence": raw["commitment_consequence"]}


def catalog_dict(entry: CatalogEntry) -> dict[str, Any]:
    return {f: getattr(entry, f) for f in CATALOG_FIELDS}


def _officer(uow: UnitOfWork, officer_id: int, when: datetime) -> dict[str, str]:
    officer = uow.session.get(Officer, officer_id)
    if officer is None:
        raise Rejected("officer-unknown", f"执法人员 {officer_id} 不存在")
    cert = uow.session.scalar(select(EnforcementCertificate).where(EnforcementCertificate.officer_id == officer_id))
    # 持证上岗 on the day the document was issued (local date), not the day it synced.
    ensure_may_enforce(lookup.certificate_view(cert) if cert else None, date.fromisoformat(local_date_iso(when.isoformat())),
                       officer.full_name)
    return {"name": officer.full_name, "certificate_number": cert.number}


def party_history(uow: UnitOfWork, inspection: Inspection) -> list[dict[str, Any]]:
    """Earlier violations of the same party the server knows of (any unit: 首违 is about the party)."""
    if inspection.party_id is None:
        return []
    rows = uow.session.scalars(select(Inspection).where(
        Inspection.party_id == inspection.party_id, Inspection.id != inspection.id,
        Inspection.catalog_code.is_not(None), Inspection.occurred_at < inspection.occurred_at)).all()
    return [{"catalog_code": r.catalog_code, "occurred_at": r.occurred_at.isoformat(), "inspection_id": r.id}
            for r in rows]


def issue(uow: UnitOfWork, actor: Actor, args: dict[str, Any], *, mutation_id: str | None = None,
          client_id: str | None = None) -> Outcome:
    existing = uow.session.get(Document, args["id"])
    if existing is not None:
        raise Rejected("document-id-reused", "该文书编号记录已存在（同一文书不能重复签发）", {"document_id": existing.id})
    if args["doc_type"] not in DOC_TYPES:
        raise Rejected("doc-type-unknown", f"未知的文书种类：{args['doc_type']}")
    inspection = uow.session.get(Inspection, args["inspection_id"])
    if inspection is None:
        raise Waiting([{"type": "inspection", "id": args["inspection_id"]}], "等待现场检查记录同步后自动签发")
    inspection = get_scoped(uow.session, Inspection, inspection.id, actor, for_update=True)
    if args["procedure"] == eligibility.MINOR_EXEMPT and inspection.exemption_status == "denied":
        raise Rejected("exemption-denied", "法制审核人员已认定本案不适用首违不罚，请按普通程序办理")
    issued_at: datetime = args["issued_at"]

    # 行政处罚法 art. 42/55: two officers, each with a valid 执法证 on the day.
    second_id = inspection.second_officer_id if inspection.officer_id == actor.officer_id else inspection.officer_id
    ensure_two_officers(actor.officer_id, second_id)
    officers = [_officer(uow, actor.officer_id, issued_at), _officer(uow, second_id, issued_at)]

    code = inspection.catalog_code
    if not code:
        raise Rejected("catalog-code-required", "现场检查记录未选择违法行为，不能签发文书")
    version = args.get("catalog_version") or inspection.catalog_version
    stmt = select(CatalogEntry).where(CatalogEntry.code == code)
    stmt = stmt.where(CatalogEntry.version == version) if version else stmt.where(CatalogEntry.is_current.is_(True))
    entry = uow.session.scalar(stmt)
    if entry is None:
        raise Rejected("catalog-entry-unknown", f"违法行为目录中没有 {code}" + (f" 第{version}版" if version else ""))
    party = uow.session.get(Party, inspection.party_id) if inspection.party_id else None
    if party is None:
        raise Rejected("party-required", "现场检查记录没有当事人，不能签发文书")
    vehicle = uow.session.get(Vehicle, inspection.vehicle_id) if inspection.vehicle_id else None
    unit = uow.session.get(Unit, inspection.unit_id)

    fields = dict(args.get("fields") or {})
    facts = {"first_violation": fields.get("first_violation", inspection.first_violation),
             "harm": fields.get("harm") or "none", "corrected_on_spot": bool(fields.get("corrected_on_spot")),
             "party_kind": party.kind, "warning": bool(fields.get("warning")),
             "proposed_fine_fen": args.get("fine_fen")}
    history = party_history(uow, inspection)
    decision = eligibility.decide(catalog_dict(entry), facts, history)
    procedure = args["procedure"]
    contested = False
    if procedure == eligibility.MINOR_EXEMPT and procedure not in decision["allowed"]:
        device_view = eligibility.decide(catalog_dict(entry), facts, [])
        # The phone could not know of an earlier violation: keep the officer's record, let a reviewer decide.
        contested = procedure in device_view["allowed"] and bool(history)
        if contested:
            decision = device_view
    try:
        ensure_procedure_allows(procedure, args["doc_type"], decision, party.kind)
    except DomainError as exc:
        raise Rejected(exc.code, exc.message, exc.details) from None

    case = cases.find_case(uow, inspection.id)  # before a number is used: a refusal wastes none
    try:
        legal_review.ensure_decision_allowed(cases.DOC_COMMANDS[args["doc_type"]] == "decide", procedure,
                                             case.procedure if case else None, case.status if case else None)
    except DomainError as exc:
        raise Rejected(exc.code, exc.message, exc.details) from None

    year = int(args["number"]["year"])
    seq = int(args["number"]["seq"])
    if year != int(local_date_iso(issued_at.isoformat())[:4]):
        raise Rejected("number-year-mismatch", f"文书编号年度（{year}）与签发日期不符")
    use_leased_number(uow, device_id=actor.device_id or "", unit_id=unit.id, doc_type=args["doc_type"], year=year,
                      block_id=int(args["number"]["block_id"]), number=seq, document_id=args["id"])

    cal = calendar.load_in(uow.session)
    start = date.fromisoformat(local_date_iso(issued_at.isoformat()))
    correction_days = int(fields["correction_days"]) if fields.get("correction_days") is not None \
        else int(decision.get("correction_days") or 0)
    deadlines = {k: cal.deadline(k, start).as_dict() for k in ("statement", "hearing", "payment")}
    deadlines["correction"] = cal.deadline("correction", start, correction_days).as_dict()

    data = {
        "doc_type": args["doc_type"], "number_text": format_number(unit.doc_prefix, args["doc_type"], year, seq),
        "issued_at": issued_at.isoformat(), "occurred_at": inspection.occurred_at.isoformat(),
        "place": fields.get("place") or inspection.place, "unit": {"name": unit.name, "code": unit.code},
        "catalog": catalog_dict(entry),
        "party": {"kind": party.kind, "name": party.name, "id_number": party.id_number, "address": party.address,
                  "phone": party.phone, "legal_representative": party.legal_representative},
        "vehicle": {"plate": vehicle.plate, "plate_color": vehicle.plate_color} if vehicle else None,
        "officers": officers, "decision": decision, "texts": texts_for(unit), "deadlines": deadlines,
        "facts": fields.get("facts") if fields.get("facts") is not None else inspection.facts,
        "evidence": list(fields.get("evidence") or []), "statement": fields.get("statement") or "",
        "correction": fields.get("correction") or "", "signatures": list(args.get("signatures") or []),
    }
    ctx = build_context(data)
    html = render.render_html(ctx)
    html_sha = render.content_sha256(html)

    if case is None:
        from server.adapters.models import Case

        case = Case(id=args.get("case_id") or f"case-{inspection.id}"[:64], unit_id=unit.id, inspection_id=inspection.id,
                    party_id=party.id, catalog_code=entry.code, catalog_version=entry.version, procedure=procedure,
                    fine_fen=decision["fine_fen"], reasons="\n".join(ctx["reasons"]), status="open")
        uow.session.add(case)
        uow.session.flush()
        uow.record(actor, "case.open", "case", case.id, cases.case_payload(case), unit_id=unit.id)
    doc = Document(id=args["id"], unit_id=unit.id, inspection_id=inspection.id, case_id=case.id,
                   doc_type=args["doc_type"], number_year=year, number_seq=seq,
                   number_block_id=int(args["number"]["block_id"]), number_text=data["number_text"],
                   catalog_code=entry.code, catalog_version=entry.version, procedure=procedure,
                   fine_fen=decision["fine_fen"], officer_id=actor.officer_id, second_officer_id=second_id,
                   fields={"data": data, "context": ctx}, signatures=data["signatures"], html_sha256=html_sha,
                   device_sha256=args.get("content_sha256"), verify_token=secrets.token_urlsafe(16)[:22],
                   issued_at=issued_at)
    uow.session.add(doc)
    uow.session.flush()
    uow.record(actor, "document.issue", "document", doc.id, summary(doc), unit_id=unit.id)

    command = cases.DOC_COMMANDS[args["doc_type"]]
    if command:
        cases.apply(uow, actor, case, command, strict=False)
    refs = [{"type": "document", "id": doc.id, "number": doc.number_text}, {"type": "case", "id": case.id}]
    if args["doc_type"] in ("commitment_letter", "correction_notice") and date.fromisoformat(deadlines["correction"]["due"]) > start:
        kind = "commitment" if args["doc_type"] == "commitment_letter" else "correction"
        followup = cases.open_followup(uow, case=case, document_id=doc.id, officer_id=actor.officer_id, kind=kind,
                                       due=date.fromisoformat(deadlines["correction"]["due"]), calendar=cal)
        refs.append({"type": "followup", "id": followup.id, "due_date": followup.due_date.isoformat()})
    details = {"content_matches": args.get("content_sha256") in (None, html_sha), "html_sha256": html_sha}
    if procedure == eligibility.MINOR_EXEMPT:
        already_contested = inspection.exemption_status == "contested"
        if contested or already_contested:
            inspection.exemption_status = "contested"
            if not already_contested:  # inspection.create may have opened it already: one conflict per dispute
                conflicts.open_conflict(uow, actor, unit_id=unit.id, kind="exemption", entity_type="inspection",
                                        entity_id=inspection.id, field="exemption_status", base={"earlier": history},
                                        server_value="denied", device_value="confirmed", client_id=client_id,
                                        mutation_id=mutation_id)
            return Outcome(Status.CONFLICT, "exemption-contested",
                           "当事人此前有同类违法记录，首违不罚存疑：文书已保留，已提交法制审核人员处理", refs, details)
        inspection.exemption_status = inspection.exemption_status or "claimed"
    return Outcome(Status.APPLIED, None, None, refs, details)


def summary(doc: Document) -> dict[str, Any]:
    return {"id": doc.id, "unit_id": doc.unit_id, "inspection_id": doc.inspection_id, "case_id": doc.case_id,
            "doc_type": doc.doc_type, "title": DOC_TYPES[doc.doc_type][0], "number": doc.number_text,
            "procedure": doc.procedure, "fine_fen": doc.fine_fen, "catalog_code": doc.catalog_code,
            "catalog_version": doc.catalog_version, "status": doc.status, "issued_at": doc.issued_at.isoformat(),
            "html_sha256": doc.html_sha256, "verify_token": doc.verify_token,
            "published_at": doc.published_at.isoformat() if doc.published_at else None,
            "published_url": doc.published_url}



PUBLISHING_ROLES = ("leader", "legal_reviewer", "admin")


def _publishable(uow: UnitOfWork, actor: Actor, doc_id: str, *, for_update: bool = False) -> Document:
    actor.require(*PUBLISHING_ROLES)
    try:
        doc = get_scoped(uow.session, Document, doc_id, actor, for_update=for_update)
    except NotFound:
        raise NotFound("document-not-found", "文书不存在或不在您的管辖范围内") from None
    if doc.doc_type not in PUBLISHABLE_DOC_TYPES:
        raise DomainError("document-not-publishable", "只有行政处罚决定书需要公示",
                          {"doc_type": doc.doc_type, "publishable": list(PUBLISHABLE_DOC_TYPES)})
    if doc.status != "issued":
        raise DomainError("document-void", "文书已作废，不能公示；已公示的应在3个工作日内撤回")
    return doc


def publication_text(uow: UnitOfWork, actor: Actor, doc_id: str) -> dict[str, Any]:
    """事后公示: the masked record of a penalty decision, ready for the government website, and whether and where
    it was published already. Built from the stored context, i.e. the text as issued."""
    with uow:
        doc = _publishable(uow, actor, doc_id)
        record = publication.publication_record(doc.fields["data"], doc.fields["context"])
        return {"document_id": doc.id, "record": record, "text": publication.as_text(record),
                "published_at": doc.published_at.isoformat() if doc.published_at else None,
                "published_url": doc.published_url}


def record_publication(uow: UnitOfWork, actor: Actor, doc_id: str, url: str) -> Document:
    """事后公示: a leader, legal reviewer or admin records where the (masked) decision was published."""
    with uow:
        doc = _publishable(uow, actor, doc_id, for_update=True)
        doc.published_at = doc.published_at or utcnow()
        doc.published_url = url
        uow.record(actor, "document.publish", "document", doc.id,
                   {"published_at": doc.published_at, "published_url": url}, unit_id=doc.unit_id,
                   payload=summary(doc))
        uow.commit()
        return doc


def list_documents(uow: UnitOfWork, actor: Actor, *, inspection_id: str | None = None, doc_type: str | None = None,
                   limit: int = 100) -> list[Document]:
    with uow:
        stmt = scoped(select(Document), Document, actor).order_by(Document.issued_at.desc()).limit(limit)
        if inspection_id:
            stmt = stmt.where(Document.inspection_id == inspection_id)
        if doc_type:
            stmt = stmt.where(Document.doc_type == doc_type)
        return uow.session.scalars(stmt).all()


def get_document(uow: UnitOfWork, actor: Actor, doc_id: str) -> Document:
    with uow:
        try:
            return get_scoped(uow.session, Document, doc_id, actor)
        except NotFound:
            raise NotFound("document-not-found", "文书不存在或不在您的管辖范围内") from None


def html_of(doc: Document) -> str:
    """Re-render from the stored context: the text in force when it was issued, never today's catalog."""
    return render.render_html(doc.fields["context"])


def pdf_of(doc: Document, base_url: str) -> bytes:
    return render.render_pdf(html_of(doc), f"{base_url.rstrip('/')}/verify/{doc.verify_token}", doc.number_text)


def by_token(uow: UnitOfWork, token: str) -> Document:
    with uow:
        doc = uow.session.scalar(select(Document).where(Document.verify_token == token))
        if doc is None:
            raise NotFound("document-not-found", "未找到该文书，请核对二维码或编号")
        return doc
