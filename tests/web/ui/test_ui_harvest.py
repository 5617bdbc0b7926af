"""The harvest source form on /harvest: add, change, remove and run a source, with who may do what,
field errors beside their field (Korean, then English) and the typed values kept."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from tests.factories import PASSWORD, login
from tests.web.ui.conftest import soup, text_of

from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM
from hubcity.errors import NotFound


@pytest.fixture
def tadmin(services: Services, city: dict[str, Any]) -> str:
    """An admin of 'transport' (and of nothing else)."""
    services.accounts.create_user(
        SYSTEM, username="tadmin", password=PASSWORD, display_name="교통관리", org="transport", role="admin"
    )
    return "tadmin"


def _form(client: TestClient, url: str = "/harvest/new") -> BeautifulSoup:
    resp = client.get(url)
    assert resp.status_code == 200, resp.text
    return soup(resp)


def _csrf(page: BeautifulSoup) -> str:
    return str(page.select_one("form.harvest-form input[name=csrf]")["value"])


def _fields(**overrides: str) -> dict[str, str]:
    fields = {
        "name": "nb",
        "title": "이웃 포털",
        "kind": "dcat",
        "url": "https://data.example.go.kr/catalog.ttl",
        "org": "transport",
        "schedule_hours": "6",
        "fetch_files": "on",
        "filter_org": "",
        "filter_q": "주차장",
        "official": "",
        "case_no": "",
    }  # "enabled" left out: an unchecked box
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def _error(page: BeautifulSoup, field: str) -> str:
    box = page.select_one(f"#{field}-error")
    assert box is not None, f"no error beside {field}"
    control = page.select_one(f"#f-{field}")
    assert control is not None and control.get("aria-describedby") == f"{field}-error"
    return box.get_text(" ", strip=True)


def test_every_input_of_the_form_has_a_label(client: TestClient, tadmin: str) -> None:
    login(client, tadmin)
    page = _form(client)
    controls = page.select("form.harvest-form input:not([type=hidden]), form.harvest-form select")
    assert {c["name"] for c in controls} == {
        "name", "title", "kind", "url", "org", "schedule_hours", "fetch_files", "filter_org", "filter_q",
        "enabled", "official", "case_no", "api_key",
    }  # fmt: skip
    for control in controls:
        label = page.select_one(f"label[for='{control['id']}']")
        assert label is not None and label.get_text(strip=True), control
    # only the organisations the user administers
    assert [o["value"] for o in page.select("#f-org option")] == ["", "transport"]
    twin = client.get("/harvest/new?format=json").json()
    assert twin["api"] == "/api/v1/harvest/sources" and twin["method"] == "POST"
    assert twin["orgs"] == ["transport"] and "url" in twin["fields"]


def test_an_admin_adds_changes_runs_and_removes_a_source(
    client: TestClient, services: Services, tadmin: str
) -> None:
    login(client, tadmin)
    listing = soup(client.get("/harvest"))
    assert listing.select_one("a[href='/harvest/new']") is not None
    csrf = _csrf(_form(client))

    made = client.post("/harvest/new", data={"csrf": csrf, **_fields()}, follow_redirects=False)
    assert made.status_code == 303, made.text
    assert made.headers["location"] == "/harvest?source=nb"
    source = services.harvest.get_source(SYSTEM, "nb")
    assert (source.title, str(source.kind), source.org_slug) == ("이웃 포털", "dcat", "transport")
    assert (source.schedule_hours, source.fetch_files, source.enabled) == (6, True, False)
    assert source.filter_q == "주차장" and source.created_by == "tadmin"

    edit = _form(client, "/harvest/nb/edit")
    assert edit.select_one("#f-name")["value"] == "nb" and edit.select_one("#f-name").has_attr("readonly")
    assert edit.select_one("#f-url")["value"] == "https://data.example.go.kr/catalog.ttl"
    assert edit.select_one("#f-fetch_files").has_attr("checked")
    assert not edit.select_one("#f-enabled").has_attr("checked")
    assert edit.select_one("#f-kind-dcat").has_attr("checked")
    assert edit.select_one("#f-org option[selected]")["value"] == "transport"
    changed = client.post(
        "/harvest/nb/edit",
        data={"csrf": csrf, **_fields(title="이웃 포털 (변경)", url="http://localhost:9/catalog.ttl",
                                      schedule_hours="0", fetch_files="", enabled="on")},
        follow_redirects=False,
    )  # fmt: skip
    assert changed.status_code == 303, changed.text
    source = services.harvest.get_source(SYSTEM, "nb")
    assert (source.title, source.url, source.schedule_hours) == (
        "이웃 포털 (변경)",
        "http://localhost:9/catalog.ttl",
        0,
    )
    assert (source.fetch_files, source.enabled) == (False, True)

    # run now: the run is logged; loopback is an internal address, refused with the reason
    ran = client.post("/harvest/nb/run", data={"csrf": csrf}, follow_redirects=True)
    assert ran.status_code == 200
    assert "내부망 주소에서는 수집하지 않습니다" in text_of(ran)
    twin = client.get("/harvest?source=nb&format=json").json()
    assert twin["run"]["state"] == "failed" and "internal address" in twin["run"]["message_en"]

    assert client.post("/harvest/nb/delete", data={"csrf": "forged"}).status_code == 403
    assert services.harvest.get_source(SYSTEM, "nb").name == "nb"
    removed = client.post("/harvest/nb/delete", data={"csrf": csrf}, follow_redirects=False)
    assert removed.status_code == 303 and removed.headers["location"] == "/harvest?deleted=nb"
    notice = soup(client.get(removed.headers["location"])).select_one("[role=status]")
    assert notice is not None and "nb" in notice.get_text() and "삭제했습니다" in notice.get_text()
    with pytest.raises(NotFound):
        services.harvest.get_source(SYSTEM, "nb")


def test_the_api_key_is_written_never_shown_kept_and_removed(
    client: TestClient, services: Services, tadmin: str
) -> None:
    login(client, tadmin)
    csrf = _csrf(_form(client))
    key = "ckan-token-7f3a9c"
    ckan = {"kind": "ckan", "url": "https://data.example.go.kr"}
    # a DCAT source refuses a key, beside the field, and the typed key is not sent back
    bad = client.post("/harvest/new", data={"csrf": csrf, **_fields(), "api_key": key})
    assert bad.status_code == 422 and key not in bad.text
    assert "CKAN" in _error(soup(bad), "api_key")
    made = client.post(
        "/harvest/new", data={"csrf": csrf, **_fields(**ckan), "api_key": key}, follow_redirects=False
    )
    assert made.status_code == 303, made.text
    assert services.harvest.get_source(SYSTEM, "nb").has_api_key
    edit = client.get("/harvest/nb/edit")
    page = soup(edit)
    assert key not in edit.text and page.select_one("#f-api_key").get("value", "") == ""
    assert page.select_one("#f-api_key")["type"] == "password"
    assert "API 키가 저장되어 있습니다" in text_of(edit)
    # saved with the key field empty: kept; with the box ticked: removed
    kept = client.post("/harvest/nb/edit", data={"csrf": csrf, **_fields(**ckan)}, follow_redirects=False)
    assert kept.status_code == 303 and services.harvest.get_source(SYSTEM, "nb").has_api_key
    client.post("/harvest/nb/edit", data={"csrf": csrf, **_fields(**ckan), "clear_api_key": "on"})
    assert not services.harvest.get_source(SYSTEM, "nb").has_api_key
    assert soup(client.get("/harvest/nb/edit")).select_one("#f-clear_api_key") is None


def test_the_form_refuses_a_missing_csrf_token(client: TestClient, services: Services, tadmin: str) -> None:
    login(client, tadmin)
    _form(client)
    assert client.post("/harvest/new", data=_fields()).status_code == 403
    assert services.harvest.list_sources(SYSTEM) == []


def test_non_admins_are_refused(client: TestClient, services: Services, city: dict[str, Any]) -> None:
    services.harvest.create_source(
        SYSTEM, {"name": "nb", "kind": "ckan", "url": "https://data.example.go.kr", "org": "transport"}
    )
    assert client.get("/harvest/new").status_code == 401
    login(client, "other")  # an editor of 'transport', admin of nothing
    assert soup(client.get("/harvest")).select_one("a[href='/harvest/new']") is None
    refused = client.get("/harvest/new")
    assert refused.status_code == 403
    assert "기관 관리자만" in text_of(refused) and "organisation admins" in text_of(refused)
    csrf = str(soup(client.get("/harvest")).select_one("input[name=csrf]")["value"])
    posted = client.post("/harvest/new", data={"csrf": csrf, **_fields(name="mine")})
    assert posted.status_code == 403
    assert client.get("/harvest/nb/edit").status_code == 404
    assert client.post("/harvest/nb/edit", data={"csrf": csrf, **_fields(title="x")}).status_code == 404
    assert client.post("/harvest/nb/delete", data={"csrf": csrf}).status_code == 404
    assert [s.name for s in services.harvest.list_sources(SYSTEM)] == ["nb"]
    assert services.harvest.get_source(SYSTEM, "nb").title == ""


def test_an_admin_cannot_harvest_into_an_organisation_they_do_not_administer(
    client: TestClient, services: Services, tadmin: str
) -> None:
    login(client, tadmin)
    csrf = _csrf(_form(client))
    resp = client.post("/harvest/new", data={"csrf": csrf, **_fields(org="ai-policy")})
    assert resp.status_code == 403
    page = soup(resp)
    assert "관리자만" in _error(page, "org")
    assert page.select_one("#f-title")["value"] == "이웃 포털"
    assert services.harvest.list_sources(SYSTEM) == []


@pytest.mark.parametrize(
    ("url", "ko", "en"),
    [
        ("ftp://example.org/catalog", "http:// 또는 https://", "http:// or https://"),
        ("http://169.254.169.254/latest/meta-data/", "내부망 주소", "internal address"),
    ],
)
def test_a_bad_url_is_shown_beside_the_field_and_the_other_values_are_kept(
    client: TestClient, services: Services, tadmin: str, url: str, ko: str, en: str
) -> None:
    login(client, tadmin)
    csrf = _csrf(_form(client))
    resp = client.post("/harvest/new", data={"csrf": csrf, **_fields(url=url)})
    assert resp.status_code == 422
    page = soup(resp)
    message = _error(page, "url")
    assert ko in message and en in message
    assert page.select_one("#f-url")["aria-invalid"] == "true"
    assert page.select_one("[role=alert] a[href='#f-url']") is not None
    # everything typed is still there
    assert page.select_one("#f-url")["value"] == url
    assert page.select_one("#f-name")["value"] == "nb"
    assert page.select_one("#f-title")["value"] == "이웃 포털"
    assert page.select_one("#f-filter_q")["value"] == "주차장"
    assert page.select_one("#f-schedule_hours")["value"] == "6"
    assert page.select_one("#f-kind-dcat").has_attr("checked")
    assert page.select_one("#f-fetch_files").has_attr("checked")
    assert not page.select_one("#f-enabled").has_attr("checked")
    assert page.select_one("#f-org option[selected]")["value"] == "transport"
    assert services.harvest.list_sources(SYSTEM) == []


def test_other_field_errors_are_explained_in_korean_and_english(client: TestClient, tadmin: str) -> None:
    login(client, tadmin)
    csrf = _csrf(_form(client))
    bad = _fields(name="Bad Name!", schedule_hours="")
    page = soup(client.post("/harvest/new", data={"csrf": csrf, **bad}))
    assert "영문 소문자" in _error(page, "name")
    schedule = _error(page, "schedule_hours")
    assert "0(수동)부터 8760" in schedule and "integer" in schedule
    assert "url" not in {e["id"].removesuffix("-error") for e in page.select(".field-error")}
    twin = client.post("/harvest/new?format=json", data={"csrf": csrf, **_fields(kind="oai-pmh")}).json()
    assert [e["field"] for e in twin["errors"]] == ["kind"]
    assert "CKAN과 DCAT" in twin["errors"][0]["message"]
    # the same name twice: beside the name
    first = client.post("/harvest/new", data={"csrf": csrf, **_fields()}, follow_redirects=False)
    assert first.status_code == 303
    again = client.post("/harvest/new", data={"csrf": csrf, **_fields()})
    assert again.status_code == 409 and "이미 있습니다" in _error(soup(again), "name")


def test_a_partner_target_needs_the_official_and_the_case_number(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    login(client, "admin")  # the sysadmin administers every organisation
    page = _form(client)
    kepco = page.select_one("#f-org option[value=kepco]")
    assert kepco is not None and "협력기관" in kepco.get_text()
    csrf = _csrf(page)
    resp = client.post("/harvest/new", data={"csrf": csrf, **_fields(org="kepco")})
    assert resp.status_code == 422
    page = soup(resp)
    assert "요청 담당자" in _error(page, "official") and "case" in _error(page, "case_no")
    assert page.select_one("#f-org option[selected]")["value"] == "kepco"
    done = client.post(
        "/harvest/new",
        data={"csrf": csrf, **_fields(org="kepco", official="정도윤 과장", case_no="에너지정책과-1234")},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    source = services.harvest.get_source(SYSTEM, "nb")
    assert (source.official, source.case_no) == ("정도윤 과장", "에너지정책과-1234")
