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
