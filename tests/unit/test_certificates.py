from datetime import date, timedelta

import pytest

from server.domain.certificates import CertificateView, certificate_state, ensure_may_enforce, ensure_two_officers
from server.domain.errors import DomainError

TODAY = date(2026, 11, 23)


def cert(**kw):
    base = dict(number="15010101", status="active", valid_from=TODAY - timedelta(days=100),
                valid_until=TODAY + timedelta(days=100), annual_review_due=TODAY + timedelta(days=10))
    base.update(kw)
    return CertificateView(**base)


@pytest.mark.parametrize("kw, state", [
    ({}, "valid"),
    ({"status": "suspended"}, "suspended"),
    ({"status": "revoked"}, "revoked"),
    ({"valid_until": TODAY - timedelta(days=1)}, "expired"),
    ({"valid_from": TODAY + timedelta(days=1)}, "not_yet_valid"),
    ({"annual_review_due": TODAY - timedelta(days=1)}, "review_overdue"),
])
def test_certificate_state(kw, state):
    assert certificate_state(cert(**kw), TODAY) == state


def test_missing_certificate_state():
    assert certificate_state(None, TODAY) == "missing"


def test_valid_certificate_may_enforce():
    ensure_may_enforce(cert(), TODAY, "张伟")


def test_suspended_officer_cannot_issue():
    with pytest.raises(DomainError) as err:
        ensure_may_enforce(cert(status="suspended"), TODAY, "赵磊")
    assert err.value.code == "certificate-suspended"
    assert "赵磊" in err.value.message and "15010101" in err.value.message


def test_expired_certificate_names_the_date():
    with pytest.raises(DomainError) as err:
        ensure_may_enforce(cert(valid_until=date(2026, 11, 1)), TODAY, "孙宇")
    assert err.value.code == "certificate-expired"
    assert "2026-11-01" in err.value.message


@pytest.mark.parametrize("first, second", [(1, None), (None, 2), (3, 3)])
def test_enforcement_needs_two_different_officers(first, second):
    with pytest.raises(DomainError) as err:
        ensure_two_officers(first, second)
    assert err.value.code == "two-officers-required"
    assert "第四十二条" in err.value.message
