"""A citizen, not signed in, in a real browser: search '주차', filter by 구, download a CSV, ask for data.

The districts' parking datasets are published by the 구청s, so "filter by 구" is the
publisher filter a citizen sees; a restricted parking dataset must never show.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.browser.test_upload_flow import CHROMIUM_ARGS
from tests.factories import make_city, make_dataset, upload
from tests.live import serve

from hubcity.bootstrap import Services, bootstrap
from hubcity.domain.accounts import SYSTEM
from hubcity.settings import Settings

pytestmark = pytest.mark.browser

LOTS = {
    "seogu-parking": ("seo-gu", "서구 공영주차장 현황", "광주광역시 서구", ["상무1동", "치평동", "풍암동"]),
    "bukgu-parking": ("buk-gu", "북구 거주자우선주차구역", "광주광역시 북구", ["용봉동", "운암1동"]),
}


@pytest.fixture
def citizen_server(tmp_path: Path) -> Iterator[tuple[str, Services]]:
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "var",
        database_url=f"sqlite:///{tmp_path / 'meta.sqlite3'}",
        secret_key="browser-test-secret-0123456789",  # type: ignore[arg-type]
    )
    services = bootstrap(settings, immediate=True)
    services.migrate()
    make_city(services)
    for slug, title in (("seo-gu", "서구청"), ("buk-gu", "북구청")):
        services.accounts.create_org(SYSTEM, slug=slug, title=title, title_en=slug, kind="district")
    for name, (org, title, where, dongs) in LOTS.items():
        make_dataset(
            services,
            name=name,
            title=title,
            owner_org=org,
            theme="transport",
            keywords=["주차", "주차장"],
            spatial_coverage=where,
        )
        src = tmp_path / f"{name}.csv"
        rows = [f"{d} 공영주차장,{d},{40 + i}" for i, d in enumerate(dongs)]
        src.write_text("\n".join(["주차장명,행정동,주차구획수", *rows]) + "\n", encoding="utf-8")
        upload(services, SYSTEM, name, src, copy_to=tmp_path / "up" / src.name, resource="lots")
    make_dataset(services, name="parking-audit", title="주차 단속 내부 감사", visibility="restricted")
    make_dataset(services, name="bus-stops", title="시내버스 정류장", owner_org="transport")
    try:
        with serve(services) as base:
            yield base, services
    finally:
        services.close()


def test_citizen_searches_filters_downloads_and_requests_data(
    chromium_path: Path, citizen_server: tuple[str, Services], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, services = citizen_server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(
                viewport={"width": 1280, "height": 900}, locale="ko-KR", accept_downloads=True
            )
            page.goto(base + "/")
            page.get_by_role("searchbox").first.fill("주차")
            page.keyboard.press("Enter")
            page.wait_for_url("**/datasets?*")
            titles: list[Any] = page.locator("main h2 a, main h3 a").all_inner_texts()
            assert "서구 공영주차장 현황" in titles and "북구 거주자우선주차구역" in titles
            assert not any("감사" in t for t in titles)  # the restricted one is not there
            assert not any("버스" in t for t in titles)

            # filter by 구: the publisher facet lists the district offices
            page.get_by_role("link", name="서구청").first.click()
            page.wait_for_url("**org=seo-gu*")
            titles = page.locator("main h2 a, main h3 a").all_inner_texts()
            assert titles == ["서구 공영주차장 현황"], titles

            page.get_by_role("link", name="서구 공영주차장 현황").click()
            page.wait_for_url("**/datasets/seogu-parking")
            with page.expect_download() as info:
                page.get_by_role("link", name="CSV (UTF-8, BOM)").first.click()
            saved = tmp_path / "download.csv"
            info.value.save_as(saved)
            lines = saved.read_text(encoding="utf-8-sig").splitlines()
            assert lines[0] == "주차장명,행정동,주차구획수" and len(lines) == 4

            # nothing about 주차 fines by dong: ask for it
            page.goto(base + "/requests/new")
            page.get_by_label("제목", exact=False).first.fill("행정동별 주차 과태료 부과 현황")
            page.locator("#f-description").fill("행정동별로 월별 주차 과태료 부과 건수를 공개해 주세요.")
            page.locator("#f-org").select_option("seo-gu")
            page.locator("form button[type=submit]").last.click()
            page.wait_for_url("**/requests/*")
            expect(page.locator("main")).to_contain_text("행정동별 주차 과태료 부과 현황")
            page.goto(base + "/requests")
            expect(page.locator("main")).to_contain_text("행정동별 주차 과태료 부과 현황")
        finally:
            browser.close()
    services.catalog.usage.flush()
    assert services.catalog.get_dataset(SYSTEM, "seogu-parking").download_count == 1
