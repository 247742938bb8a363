"""亮证执法: my 执法证 QR (on /api/me, cached by the phone) is a URL a citizen's camera opens; the public page shows
the live status; officers' scanners take the token out of the URL."""
from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def signed_qr_token(app, demo):
    from server.services import lookup
    from server.services.uow import UnitOfWork

    def _token(number: str) -> str:
        with app.app_context():
            return lookup.find_credential(UnitOfWork(), None, number).qr

    return _token


def test_my_certificate_qr_is_a_verification_url_rendered_as_svg(app, client, login):
    me = client.get("/api/me", headers=login("zhangwei")).get_json()
    assert me["qr_url"] == f"{app.config['PUBLIC_BASE_URL']}/v/{me['qr']}"
    assert me["qr_svg"].startswith("<svg") and "viewBox" in me["qr_svg"]


def test_the_public_page_shows_the_officer_and_the_live_status_without_login(client, login, db_session):
    me = client.get("/api/me", headers=login("zhangwei")).get_json()
    page = client.get(me["qr_url"].split("127.0.0.1:8000", 1)[-1])
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "有效" in text and "张伟" in text
    assert me["officer"]["certificate"]["number"] in text and "新城区大队" in text

    cert = factories.officer(db_session, "zhangwei").certificate
    cert.status = "suspended"  # suspended after the QR was made: the page must not trust the signed copy
    db_session.commit()
    later = client.get(f"/v/{me['qr']}").get_data(as_text=True)
    assert "已暂停" in later and "不能用于执法" in later


def test_a_forged_code_is_called_invalid(client, login):
    token = client.get("/api/me", headers=login("zhangwei")).get_json()["qr"]
    prefix, body, sig = token.split(".")
    forged = client.get(f"/v/{prefix}.{body}.{sig[:-4]}AAAA")
    assert forged.status_code == 422 and "无效" in forged.get_data(as_text=True)
    assert client.get("/v/not-a-token").status_code == 422


def test_credentials_verify_publicly_with_persons_masked_and_organisations_named(client, signed_qr_token):
    page = client.get(f"/v/{signed_qr_token('蒙交运管呼字150100001001号')}").get_data(as_text=True)
    assert "道路运输证" in page and "呼和浩特市顺达货运有限公司" in page and "有效" in page
    driver = client.get(f"/v/{signed_qr_token('150102198805123456')}").get_data(as_text=True)
    assert "从业资格证" in driver and "150102********3456" in driver and "150102198805123456" not in driver
    assert "刘某" in driver and "刘某军" not in driver  # surname + 某 (the demo names are already half masked)


def test_officers_scanners_accept_the_url_form(client, login):
    me = client.get("/api/me", headers=login("lina")).get_json()
    scanned = client.post("/api/lookup/scan", json={"qr": me["qr_url"]}, headers=login("zhangwei"))
    assert scanned.status_code == 200, scanned.get_json()
    assert scanned.get_json()["kind"] == "officer"

