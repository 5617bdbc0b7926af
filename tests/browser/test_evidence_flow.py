"""A real browser: an analyst joins two departments' data, charts it, saves a dashboard and an
evidence pack; the other department publishes a new version; the pack flags the drift.

Screenshots go to /tmp/hubcity-evidence-*.png for a human to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from tests.browser.test_upload_flow import CHROMIUM_ARGS
from tests.factories import PASSWORD, make_city, make_dataset, upload
from tests.live import serve

from hubcity.bootstrap import Services, bootstrap
from hubcity.domain.accounts import SYSTEM
from hubcity.settings import Settings

pytestmark = pytest.mark.browser

JOIN = """SELECT p.행정동, p.인구수, c.민원수, round(c.민원수 * 1000.0 / p.인구수, 2) AS 천명당_민원
FROM "dong-population".people p JOIN complaints.by_dong c ON p.행정동 = c.행정동
ORDER BY p.행정동"""


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[str, Services]]:
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "var",
        database_url=f"sqlite:///{tmp_path / 'meta.sqlite3'}",
        secret_key="browser-test-secret-0123456789",  # type: ignore[arg-type]
    )
    services = bootstrap(settings, immediate=False)
    services.migrate()
    services.start_workers()  # the uploads below run on real worker threads
    make_city(services)
    make_dataset(services, name="dong-population", title="행정동별 인구", visibility="internal")
    make_dataset(services, name="complaints", title="교통 민원", owner_org="transport", visibility="internal")
    pop = _csv(tmp_path / "pop.csv", "행정동,인구수\n충장동,1000\n동명동,2000\n계림1동,3000\n")
    upload(services, SYSTEM, "dong-population", pop, copy_to=tmp_path / "u1" / "pop.csv", resource="people")
    comp = _csv(tmp_path / "c.csv", "행정동,민원수\n충장동,5\n동명동,7\n계림1동,9\n")
    upload(services, SYSTEM, "complaints", comp, copy_to=tmp_path / "u2" / "c.csv", resource="by_dong")
    try:
        with serve(services) as base:
            yield base, services
    finally:
        services.close()


def _sign_in(page: object, base: str, username: str, next_path: str) -> None:
    page.goto(f"{base}/login?next={next_path}")  # type: ignore[attr-defined]
    page.get_by_label("사용자 이름").fill(username)  # type: ignore[attr-defined]
    page.get_by_label("비밀번호").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="로그인").click()  # type: ignore[attr-defined]


def test_analyst_charts_a_join_and_the_pack_flags_drift(
    chromium_path: Path, live_server: tuple[str, Services], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base, _ = live_server
    new_version = _csv(tmp_path / "민원_2월.csv", "행정동,민원수\n충장동,5\n동명동,70\n계림1동,9\n")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ko-KR")
            # the analyst (AI policy division) joins their data with the transport division's
            # the page opens on another query's link (its result, chart link and save form rendered)
            _sign_in(page, base, "member", "/sql")
            page.wait_for_url(f"{base}/sql")
            page.goto(f"{base}/sql?sql=SELECT%2042%20AS%20answer")
            page.wait_for_selector("#sql-chart")
            page.fill("#sql-input", JOIN)
            page.click("#sql-run")
            page.locator("#sql-result", has_text="동명동").wait_for()
            # the address bar, the chart link and the query a save keeps now follow the query just run
            assert unquote(page.url) == f"{base}/sql?sql={JOIN}"
            assert page.locator(".save-query input[name=sql]").input_value() == JOIN
            page.get_by_role("link", name="차트 만들기").click()
            page.wait_for_url(f"{base}/charts/new**")
            assert unquote(page.url).replace("+", " ").endswith(JOIN)
            page.select_option("#chart-kind", "bar")
            page.select_option("#chart-x", "행정동")
            page.select_option("#chart-y", "천명당_민원")
            page.fill("#chart-title", "행정동별 인구 천 명당 민원")
            page.get_by_role("button", name="미리 보기").click()
            page.wait_for_selector("#chart-svg svg")
            assert "천명당_민원" in page.locator("#chart-svg").inner_html()
            page.screenshot(path="/tmp/hubcity-evidence-builder.png", full_page=True)

            page.locator("#chart-save").get_by_role("button", name="차트 저장").click()
            page.wait_for_url(f"{base}/charts/*")
            page.fill("#new-dash", "민원 현황")
            page.locator("#chart-to-dashboard").get_by_role("button", name="대시보드에 추가").click()
            page.wait_for_url(f"{base}/dashboards/*")
            assert page.locator(".tile svg").count() == 1
            page.fill("input[name='f.행정동']", "동명동")
            page.get_by_role("button", name="필터 적용").click()
            page.wait_for_url("**f.*")
            assert "동명동" in page.locator(".tile").first.inner_text()
            page.screenshot(path="/tmp/hubcity-evidence-dashboard.png", full_page=True)

            page.go_back()
            page.go_back()
            page.wait_for_url(f"{base}/charts/*")
            page.fill("#ev-narrative", "동명동의 인구 대비 민원이 가장 많다.")
            page.get_by_role("button", name="증거 자료 만들기").click()
            page.wait_for_url(f"{base}/evidence/*")
            pack_url = page.url
            assert "complaints.by_dong" in page.locator("#pinned").inner_text()
            assert "v1" in page.locator("#pinned").inner_text()
            page.get_by_role("button", name="최신 버전으로 다시 실행").click()
            page.wait_for_selector("#drift")
            assert "숫자가 같습니다" in page.locator("#drift").inner_text()

            # the transport division publishes a new version through the upload page
            other = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ko-KR")
            _sign_in(other, base, "other", "/datasets/complaints/upload")
            other.wait_for_url(f"{base}/datasets/complaints/upload")
            other.set_input_files("#f-file", str(new_version))
            other.fill("#f-resource", "by_dong")
            other.get_by_role("button", name="올리기").click()
            other.wait_for_selector("#upload-done", state="visible", timeout=120_000)

            page.goto(pack_url)
            page.get_by_role("button", name="최신 버전으로 다시 실행").click()
            page.wait_for_selector("#drift-cells")
            drift = page.locator("#drift").inner_text()
            assert "숫자가 바뀌었습니다" in drift and "동명동" in drift and "70" in drift
            assert "complaints.by_dong: v1 → v2" in page.locator("#drift-newer").inner_text()
            page.screenshot(path="/tmp/hubcity-evidence-drift.png", full_page=True)
            # the pack itself keeps its numbers
            page.goto(pack_url)
            assert "70" not in page.locator("#evidence-result").inner_text()
        finally:
            browser.close()
