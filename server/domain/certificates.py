"""持证上岗: only an officer with a valid 执法证 may enforce, and enforcement needs two of them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from server.domain.errors import DomainError


@dataclass(frozen=True)
class CertificateView:
    number: str
    status: str
    valid_from: date
    valid_until: date
    annual_review_due: date | None
    holder_name: str = ""


def validity_state(status: str, valid_from: date, valid_until: date, annual_review_due: date | None,
                   today: date) -> str:
    """One word for any licence or certificate: valid / expired / not_yet_valid / review_overdue / suspended / revoked."""
    if status in ("suspended", "revoked"):
        return status
    if today < valid_from:
        return "not_yet_valid"
    if today > valid_until:
        return "expired"
    if annual_review_due and today > annual_review_due:
        return "review_overdue"
    return "valid"


STATE_LABELS = {"valid": "有效", "expired": "已过期", "revoked": "已吊销", "suspended": "已暂停",
                "not_yet_valid": "未生效", "review_overdue": "逾期未年审", "missing": "无证"}


def certificate_state(cert: CertificateView | None, today: date) -> str:
    """The 执法证's state for the banner, ``missing`` when the officer has none."""
    if cert is None:
        return "missing"
    return validity_state(cert.status, cert.valid_from, cert.valid_until, cert.annual_review_due, today)


_REFUSALS = {
    "missing": ("certificate-missing", "{name}没有执法证，不能作为执法人员签发文书"),
    "suspended": ("certificate-suspended", "{name}的执法证（{number}）已暂停，不能签发文书"),
    "revoked": ("certificate-revoked", "{name}的执法证（{number}）已吊销，不能签发文书"),
    "expired": ("certificate-expired", "{name}的执法证（{number}）已于{until}过期，不能签发文书"),
    "not_yet_valid": ("certificate-not-yet-valid", "{name}的执法证（{number}）尚未生效，不能签发文书"),
    "review_overdue": ("certificate-review-overdue", "{name}的执法证（{number}）逾期未年审，不能签发文书"),
}


def ensure_may_enforce(cert: CertificateView | None, today: date, name: str = "该执法人员") -> None:
    state = certificate_state(cert, today)
    if state == "valid":
        return
    code, template = _REFUSALS[state]
    raise DomainError(code, template.format(
        name=name, number=cert.number if cert else "", until=cert.valid_until.isoformat() if cert else ""),
        details={"certificate_state": state, "certificate_number": cert.number if cert else None})


def ensure_two_officers(first_id: int | None, second_id: int | None) -> None:
    """行政处罚法 art. 42/55: 执法人员不得少于两人."""
    if not first_id or not second_id:
        raise DomainError("two-officers-required", "执法人员不得少于两人（《行政处罚法》第四十二条），请添加第二名执法人员")
    if first_id == second_id:
        raise DomainError("two-officers-required", "两名执法人员不能是同一人（《行政处罚法》第四十二条）")
