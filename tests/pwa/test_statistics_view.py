"""执法统计 in the app: a leader reads the year's table and downloads it as CSV."""
from __future__ import annotations

import pytest

from tests.pwa.conftest import pwa_login

pytestmark = pytest.mark.browser


def test_a_leader_reads_the_year_s_statistics_and_downloads_the_table(new_context, live_server):
    page = new_context(accept_downloads=True).new_page()
    pwa_login(page, "leader")
    page.goto("/#/account")
    page.locator("#open-statistics").click()
    page.wait_for_selector("table.stats tr.total")
    assert [c.inner_text() for c in page.locator("table.stats thead th").all()][:2] == ["单位", "现场检查（次）"]
    assert page.locator("table.stats tr.total td").first.inner_text() == "合计"
    assert page.locator("table.stats tbody tr").count() == 4  # 支队, two 大队, total
    with page.expect_download() as download:
        page.locator("button[name=csv]").click()
    assert download.value.suggested_filename.endswith(".csv")
    assert download.value.path().read_text(encoding="utf-8-sig").startswith("单位代码,单位,现场检查（次）")
