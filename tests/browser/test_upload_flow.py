"""A real browser (Debian Chromium via Playwright) signs in, uploads a CP949 CSV and reads the preview.

The server is uvicorn on a free loopback port, serving ``create_app`` over
services with real worker threads (``immediate=False``) on SQLite in tmp_path.
Screenshots go to /tmp/hubcity-*.png for a human to look at.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.factories import PASSWORD, make_city, make_dataset
from tests.live import serve

from hubcity.bootstrap import Services, bootstrap
from hubcity.settings import Settings

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DONGS = [
    "충장동",
    "동명동",
    "계림1동",
    "양림동",
    "봉선2동",
    "월곡1동",
    "첨단2동",
    "수완동",
    "상무1동",
    "풍암동",
]


def _write_population_csv(path: Path, rows: int = 5000) -> Path:
    rng = random.Random(20240112)
    lines = ["행정동,인구수,세대수,기준일"]
    for i in range(rows):
        dong = DONGS[i % len(DONGS)]
        people = rng.randint(800, 45_000)
        lines.append(f'{dong},"{people:,}","{people // 2:,}",2024.{1 + i % 12:02d}.{1 + i % 28:02d}')
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp949"))
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
    make_city(services)
    make_dataset(
        services,
        description="광주광역시 행정동별 주민등록 인구와 세대 수",
        contact_name="김데이터",
        update_cycle="monthly",
        spatial_coverage="광주광역시",
    )
    try:
        with serve(services) as base:
            yield base, services
    finally:
        services.close()


# Records every value the two progress bars take, in sessionStorage (it survives the page change).
_WATCH_BARS = """
() => {
  sessionStorage.setItem('bars', '[]');
  const record = (el) => {
    const seen = JSON.parse(sessionStorage.getItem('bars'));
    seen.push([el.id, Number(el.getAttribute('aria-valuenow'))]);
    sessionStorage.setItem('bars', JSON.stringify(seen));
  };
  for (const el of document.querySelectorAll('[role=progressbar]')) {
    new MutationObserver(() => record(el))
      .observe(el, {attributes: true, attributeFilter: ['aria-valuenow']});
  }
}
"""


def test_upload_flow_in_a_real_browser(
    chromium_path: Path, live_server: tuple[str, Services], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base, _services = live_server
    csv = _write_population_csv(tmp_path / "광주_행정동별_인구.csv")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ko-KR")
            page.goto(f"{base}/login?next=/datasets/population/upload")
            page.get_by_label("사용자 이름").fill("editor")
            page.get_by_label("비밀번호").fill(PASSWORD)
            page.get_by_role("button", name="로그인").click()
            page.wait_for_url(f"{base}/datasets/population/upload")
            assert "김편집" in page.locator("header").inner_text()

            page.evaluate(_WATCH_BARS)
            page.set_input_files("#f-file", str(csv))
            page.select_option("#f-encoding", "")  # automatic detection
            page.get_by_role("button", name="올리기").click()
            page.wait_for_selector("#upload-done", state="visible", timeout=120_000)
            page.screenshot(path="/tmp/hubcity-upload.png", full_page=True)
            page.wait_for_url(f"{base}/datasets/population?resource=*", timeout=30_000)

            bars: list[list[Any]] = page.evaluate("JSON.parse(sessionStorage.getItem('bars') || '[]')")
            sent = [v for bar, v in bars if bar == "send-bar"]
            ingested = [v for bar, v in bars if bar == "ingest-bar"]
            assert sent and max(sent) == 100, bars
            assert ingested and max(ingested) == 100, bars

            preview = page.locator("table.preview")
            preview.wait_for()
            headers = preview.locator("thead th").all_inner_texts()
            assert headers[1:] == ["행정동", "인구수", "세대수", "기준일"]
            first_row = preview.locator("tbody tr").first.locator("td").all_inner_texts()
            assert first_row[1] == "충장동"
            assert first_row[2].replace(",", "").isdigit()
            assert preview.locator("tbody tr").count() == 100
            assert "5,000" in page.locator(".resource-tabs").inner_text()
            assert "cp949" in page.locator("table.versions").inner_text()
            assert page.locator(".score-value").inner_text().strip()
            page.screenshot(path="/tmp/hubcity-dataset.png", full_page=False)
            page.locator("#profile-h").scroll_into_view_if_needed()
            page.screenshot(path="/tmp/hubcity-dataset-profile.png", full_page=False)

            page.goto(f"{base}/")
            assert "행정동별 인구" in page.locator("main").inner_text()
            page.screenshot(path="/tmp/hubcity-home.png", full_page=True)
        finally:
            browser.close()


def test_failed_upload_shows_korean_and_english_error(
    chromium_path: Path, live_server: tuple[str, Services], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base, _services = live_server
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not a real workbook")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/login?next=/datasets/population/upload")
            page.get_by_label("사용자 이름").fill("editor")
            page.get_by_label("비밀번호").fill(PASSWORD)
            page.get_by_role("button", name="로그인").click()
            page.wait_for_url(f"{base}/datasets/population/upload")
            page.set_input_files("#f-file", str(broken))
            page.get_by_role("button", name="올리기").click()
            error = page.locator("#upload-error")
            error.wait_for(state="visible", timeout=60_000)
            text = error.inner_text()
            assert "파일을 처리하지 못했습니다" in text
            assert "이전 버전은 그대로" in text and "previous version is intact" in text
            assert page.locator("#err-en").inner_text().strip()
            page.screenshot(path="/tmp/hubcity-upload-failed.png", full_page=True)
        finally:
            browser.close()
