"""Access tokens last minutes; an officer working through their expiry is never asked to log in again."""
from __future__ import annotations

import pytest

from tests.pwa.conftest import HOHHOT, pwa_login
from tests.pwa.test_session import _offline_inspection

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config):
    return {**app_config, "ACCESS_TOKEN_SECONDS": 1}  # every call needs a fresh access token


def test_expired_access_token_is_refreshed_without_asking_the_officer(new_context, live_server):
    from server.adapters.models import RefreshToken
    from server.extensions import db

    ctx = new_context(geolocation=HOHHOT)
    page = ctx.new_page()
    pwa_login(page, "zhangwei")
    page.wait_for_timeout(1500)  # let the 1-second access token expire
    _offline_inspection(page, "联网时保存，令牌已过期")
    page.wait_for_selector(".sync-state .badge-synced")
    with live_server.app.app_context():
        assert db.session.query(RefreshToken).count() >= 2  # the single-use refresh token was rotated


def test_refused_refresh_token_asks_for_the_password_and_keeps_local_data(new_context, live_server):
    from datetime import datetime, timezone

    from server.adapters.models import RefreshToken
    from server.extensions import db

    ctx = new_context(geolocation=HOHHOT)
    page = ctx.new_page()
    pwa_login(page, "zhangwei")
    ctx.set_offline(True)
    _offline_inspection(page, "令牌失效前保存")
    with live_server.app.app_context():  # e.g. the 14-day refresh token ran out while the phone was offline
        for row in db.session.query(RefreshToken):
            row.revoked_at = datetime.now(timezone.utc)
        db.session.commit()
    ctx.set_offline(False)
    banner = page.locator("#banner button")
    banner.wait_for()
    assert "登录已失效" in banner.inner_text() and "本机数据保留" in banner.inner_text()
    banner.click()
    pwa_login(page, "zhangwei")  # the password again, online: same officer, same local database
    page.wait_for_selector("#unsynced[data-count='0']")
    with live_server.app.app_context():
        from server.adapters.models import Inspection

        assert db.session.query(Inspection).filter_by(facts="令牌失效前保存").count() == 1
