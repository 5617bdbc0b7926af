"""The public pages pass an automated accessibility audit and work from the keyboard.

axe-core (the engine browsers' own audits use; bundled by the axe-playwright-python package, no
CDN) checks each page a citizen reaches without signing in against WCAG 2.1 A and AA: labels,
contrast, names of links and buttons, landmarks, language, headings. Then a citizen searches and
files a data request with the keyboard alone, seeing where the focus is at each step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.browser.test_citizen_flow import citizen_server  # noqa: F401  (a fixture)
from tests.browser.test_upload_flow import CHROMIUM_ARGS

from hubcity.bootstrap import Services

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/datasets",
    "/datasets?q=주차",
    "/datasets/seogu-parking",
    "/orgs",
    "/orgs/seo-gu",
    "/requests",
    "/requests/new",
    "/login",
]
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [", ".join(n["target"]) for n in v["nodes"][:3]]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {targets}")
    return "\n".join(lines)


def test_public_pages_pass_wcag_aa_in_korean_and_english(
    chromium_path: Path,
    citizen_server: tuple[str, Services],  # noqa: F811
) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    base, _ = citizen_server
    axe = Axe()
    failures: dict[str, str] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            for locale in ("ko-KR", "en-US"):
                page = browser.new_page(viewport={"width": 1280, "height": 900}, locale=locale)
                for path in PAGES:
                    page.goto(
                        base + path + ("" if locale == "ko-KR" else ("&" if "?" in path else "?") + "lang=en")
                    )
                    assert page.locator("html").get_attribute("lang") == locale[:2]
                    result = axe.run(page, options=WCAG)
                    violations = result.response["violations"]
                    if violations:
                        failures[f"{locale} {path}"] = _describe(violations)
                page.close()
        finally:
            browser.close()
    assert not failures, "\n\n".join(f"{where}:\n{what}" for where, what in failures.items())


def test_a_citizen_searches_and_files_a_request_with_the_keyboard_alone(
    chromium_path: Path,
    citizen_server: tuple[str, Services],  # noqa: F811
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, services = citizen_server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ko-KR")
            page.goto(base + "/")
            # the first Tab lands on the skip link, which leads to the main content
            page.keyboard.press("Tab")
            skip = page.locator(":focus")
            expect(skip).to_have_attribute("href", "#main")
            assert _outline_visible(page)

            # Tab on to the search box, type, Enter
            for _ in range(40):
                if page.evaluate("document.activeElement && document.activeElement.type === 'search'"):
                    break
                page.keyboard.press("Tab")
                assert _outline_visible(page), page.evaluate("document.activeElement.outerHTML")
            else:
                pytest.fail("the search box is not reachable with Tab")
            page.keyboard.type("주차")
            page.keyboard.press("Enter")
            page.wait_for_url("**/datasets?*")
            expect(page.locator("main")).to_contain_text("서구 공영주차장 현황")

            # the request form, field after field
            page.goto(base + "/requests/new")
            filled = 0
            for _ in range(60):
                page.keyboard.press("Tab")
                el = page.evaluate(
                    "(() => { const e = document.activeElement; return e ? "
                    "{tag: e.tagName, type: e.type || '', name: e.name || '', "
                    "label: e.labels && e.labels.length ? e.labels[0].innerText : ''} : null })()"
                )
                if el is None or el["tag"] not in ("INPUT", "TEXTAREA", "SELECT", "BUTTON"):
                    continue
                assert _outline_visible(page), el
                if el["tag"] in ("INPUT", "TEXTAREA") and el["type"] not in ("hidden", "checkbox", "submit"):
                    assert el["label"], f"field {el['name']} has no label"
                    name = el["name"]
                    value = (
                        "citizen@example.com"
                        if "email" in name
                        else "김시민"
                        if "name" in name
                        else "광주 전기차 충전소 고장 이력"
                        if name == "title"
                        else "충전소별 고장 신고 접수일과 조치일이 필요합니다. 정비 계획 수립에 쓰겠습니다."
                    )
                    if el["name"] == "website":  # the trap for robots stays empty
                        continue
                    page.keyboard.type(value)
                    filled += 1
                if el["tag"] == "INPUT" and el["type"] == "checkbox":
                    page.keyboard.press("Space")
                if el["tag"] == "BUTTON" or el["type"] == "submit":
                    page.keyboard.press("Enter")
                    break
            page.wait_for_load_state()
            assert filled >= 2
            expect(page.locator("main")).to_contain_text("광주 전기차 충전소 고장 이력")
        finally:
            browser.close()


def _outline_visible(page: Any) -> bool:
    """Whether the focused element shows where the focus is (an outline or a box shadow)."""
    return bool(
        page.evaluate(
            "(() => { const e = document.activeElement; if (!e || e === document.body) return false;"
            " const s = getComputedStyle(e);"
            " return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)"
            " || s.boxShadow !== 'none'; })()"
        )
    )
