"""Login and logout with CSRF, the new-dataset form, tokens, language and the JSON twins."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import PASSWORD, login
from tests.web.ui.conftest import soup, text_of

from hubcity.web.ui.i18n import MESSAGES


def _csrf(client: TestClient, url: str = "/login") -> str:
    return str(soup(client.get(url)).select_one("input[name=csrf]")["value"])


def test_login_and_logout_flow(client: TestClient, city: dict[str, Any]) -> None:
    page = soup(client.get("/login"))
    assert page.select_one("label[for=f-username]") and page.select_one("label[for=f-password]")
    token = _csrf(client)
    resp = client.post(
        "/login",
        data={"username": "editor", "password": PASSWORD, "csrf": token, "next": "/orgs"},
        follow_redirects=False,
    )
    assert resp.status_code == 303 and resp.headers["location"] == "/orgs"
    header = soup(client.get("/")).select_one("header")
    assert "김편집" in header.get_text()
    csrf = str(header.select_one("form[action='/logout'] input[name=csrf]")["value"])
    assert csrf == token  # the page's token stays valid across sign-in
    resp = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert resp.status_code == 303
    assert "로그인" in soup(client.get("/")).select_one("header").get_text()
    assert client.get("/me/tokens", follow_redirects=False).status_code == 303


def test_login_refuses_missing_or_wrong_csrf_with_a_403_page(
    client: TestClient, city: dict[str, Any]
) -> None:
    client.get("/login")
    for data in (
        {"username": "editor", "password": PASSWORD},
        {"username": "editor", "password": PASSWORD, "csrf": "forged"},
    ):
        resp = client.post("/login", data=data, follow_redirects=False)
        assert resp.status_code == 403
        text = text_of(resp)
        assert "보안 토큰(CSRF)" in text and "CSRF" in text
    assert "김편집" not in text_of(client.get("/"))


def test_logout_without_csrf_is_refused(client: TestClient, city: dict[str, Any]) -> None:
    login(client, "editor")
    assert client.post("/logout", data={}).status_code == 403
    assert "김편집" in text_of(client.get("/"))  # still signed in


def test_wrong_password_shows_the_form_again(client: TestClient, city: dict[str, Any]) -> None:
    token = _csrf(client)
    resp = client.post("/login", data={"username": "editor", "password": "wrong-password", "csrf": token})
    assert resp.status_code == 401
    page = soup(resp)
    assert "사용자 이름 또는 비밀번호가 맞지 않습니다" in page.select_one("[role=alert]").get_text()
    assert "username or password is not correct" in page.select_one("[role=alert]").get_text()
    assert page.select_one("input[name=username]")["value"] == "editor"


def test_login_next_never_leaves_the_site(client: TestClient, city: dict[str, Any]) -> None:
    token = _csrf(client)
    resp = client.post(
        "/login",
        data={"username": "editor", "password": PASSWORD, "csrf": token, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert resp.headers["location"] == "/"


def _form(client: TestClient) -> dict[str, str]:
    page = soup(client.get("/datasets/new"))
    return {"csrf": str(page.select_one("input[name=csrf]")["value"])}


def test_new_dataset_form_offers_only_editable_orgs_and_creates(
    client: TestClient, city: dict[str, Any]
) -> None:
    login(client, "editor")
    page = soup(client.get("/datasets/new"))
    orgs = [o["value"] for o in page.select("select[name=owner_org] option")]
    assert orgs == ["ai-policy"]
    for name in ("name", "title", "title_en", "keywords", "contact_name"):
        field = page.select_one(f"input[name={name}]")
        assert field is not None and page.select_one(f"label[for={field['id']}]") is not None
    assert len(page.select("select[name=theme] option")) == 17  # 16 themes and "not set"
    assert "공공누리 제1유형: 출처표시" in page.select_one("select[name=licence]").get_text()
    data = {
        **_form(client),
        "name": "parking-lots",
        "title": "공영 주차장 현황",
        "title_en": "Public parking lots",
        "owner_org": "ai-policy",
        "visibility": "internal",
        "theme": "transport",
        "licence": "kogl-3",
        "keywords": "주차장, 주차",
        "description": "광주 공영 주차장 위치와 면수",
        "update_cycle": "quarterly",
        "contact_name": "박주차",
    }
    resp = client.post("/datasets/new", data=data, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/datasets/parking-lots"
    page = soup(client.get("/datasets/parking-lots"))
    assert "공영 주차장 현황" in page.select_one("h1").get_text()
    assert page.select_one(".badge-internal").get_text(strip=True) == "내부"
    meta = page.select_one(".ds-meta").get_text(" ", strip=True)
    assert "교통물류" in meta and "분기" in meta and "박주차" in meta and "주차장" in meta


def test_new_dataset_form_shows_field_errors_in_korean_and_english(
    client: TestClient, city: dict[str, Any]
) -> None:
    login(client, "editor")
    data = {
        **_form(client),
        "name": "Bad Name!",
        "title": "",
        "owner_org": "ai-policy",
        "visibility": "public",
        "temporal_start": "not-a-date",
        "description": "그대로 남아야 하는 설명",
    }
    resp = client.post("/datasets/new", data=data)
    assert resp.status_code == 422
    page = soup(resp)
    assert "입력값을 확인해 주세요" in page.select_one("[role=alert]").get_text()
    name_error = page.select_one("#name-error")
    assert "영문 소문자" in name_error.get_text() and name_error.select_one("[lang=en]").get_text(strip=True)
    assert page.select_one("input[name=name]")["aria-invalid"] == "true"
    assert page.select_one("input[name=name]")["value"] == "Bad Name!"
    assert page.select_one("#title-error") is not None
    assert page.select_one("#temporal_start-error") is not None
    assert page.select_one("textarea[name=description]").get_text() == "그대로 남아야 하는 설명"


def test_new_dataset_duplicate_name_and_foreign_org(client: TestClient, catalog: dict[str, Any]) -> None:
    login(client, "editor")
    resp = client.post(
        "/datasets/new",
        data={**_form(client), "name": "population", "title": "중복", "owner_org": "ai-policy"},
    )
    assert resp.status_code == 422 and "이미 있습니다" in soup(resp).select_one("#name-error").get_text()
    resp = client.post(
        "/datasets/new",
        data={**_form(client), "name": "elsewhere", "title": "남의 기관", "owner_org": "transport"},
    )
    assert resp.status_code == 422 and soup(resp).select_one("#owner_org-error") is not None


def test_new_dataset_without_csrf_is_403(client: TestClient, city: dict[str, Any]) -> None:
    login(client, "editor")
    resp = client.post("/datasets/new", data={"name": "x", "title": "x", "owner_org": "ai-policy"})
    assert resp.status_code == 403 and "CSRF" in text_of(resp)


def test_user_without_editable_orgs_is_told_so(client: TestClient, city: dict[str, Any]) -> None:
    login(client, "member")
    assert "편집자 권한" in text_of(client.get("/datasets/new"))


def test_token_page_creates_shows_once_and_revokes(client: TestClient, city: dict[str, Any]) -> None:
    login(client, "editor")
    csrf = _csrf(client, "/me/tokens")
    resp = client.post("/me/tokens", data={"csrf": csrf, "name": "분석 스크립트", "expires_days": "30"})
    assert resp.status_code == 200
    raw = soup(resp).select_one("#new-token").get_text(strip=True)
    assert raw.startswith("hc_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status_code == 200 and me.json()["username"] == "editor"
    listing = soup(client.get("/me/tokens"))
    assert listing.select_one("#new-token") is None and raw not in listing.get_text()  # shown once
    assert "분석 스크립트" in listing.get_text() and "사용 중" in listing.get_text()
    revoke = listing.select_one("form[action$='/revoke']")
    resp = client.post(revoke["action"], data={"csrf": csrf}, follow_redirects=False)
    assert resp.status_code == 303
    assert "폐기됨" in text_of(client.get("/me/tokens"))
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    empty = client.post("/me/tokens", data={"csrf": csrf, "name": " "})
    assert empty.status_code == 422 and "토큰 이름을 입력하세요" in text_of(empty)


def test_language_switch_is_remembered(client: TestClient, catalog: dict[str, Any]) -> None:
    ko = soup(client.get("/datasets"))
    assert ko.html["lang"] == "ko" and ko.select_one("h1").get_text() == "데이터셋 목록"
    switch = ko.select_one(".lang-switch a[hreflang=en]")
    en = soup(client.get(switch["href"]))
    assert en.html["lang"] == "en" and en.select_one("h1").get_text() == "Datasets"
    later = soup(client.get("/datasets/population"))  # no ?lang: the session remembers
    assert later.html["lang"] == "en" and "Publisher" in later.get_text()
    assert "Public administration" in later.select_one(".ds-meta").get_text()
    error = soup(client.get("/datasets/secret-plan"))
    assert error.html["lang"] == "en"
    back = soup(client.get("/?lang=ko"))
    assert back.html["lang"] == "ko"


def test_every_message_has_both_languages() -> None:
    for key, pair in MESSAGES.items():
        assert len(pair) == 2 and all(p.strip() for p in pair), key


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("/", "recent"),
        ("/datasets", "items"),
        ("/datasets/population", "dataset"),
        ("/orgs", None),
        ("/orgs/ai-policy", "datasets"),
        ("/login", "signed_in"),
    ],
)
def test_json_twins(client: TestClient, catalog: dict[str, Any], url: str, key: str | None) -> None:
    page = soup(client.get(url))
    link = page.select_one("footer a.json-link")
    assert link.get_text(strip=True) == "JSON"
    resp = client.get(link["href"])
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    if key is None:
        assert isinstance(body, list) and {o["slug"] for o in body} >= {"gwangju", "ai-policy", "kepco"}
    else:
        assert key in body


def test_json_twin_of_the_dataset_page_matches_the_api(client: TestClient, catalog: dict[str, Any]) -> None:
    twin = client.get("/datasets/population?format=json").json()
    api = client.get("/api/v1/datasets/population").json()
    assert twin["dataset"]["name"] == api["name"] and twin["dataset"]["title"] == api["title"]
    assert twin["preview"]["columns"][0]["name"] == "행정동"
    assert twin["preview"]["rows"][0]["행정동"] == "충장동"
    assert twin["resource"]["versions"][0]["source_encoding"] == "cp949"
    assert client.get("/datasets/secret-plan?format=json").json()["status"] == 404


def test_json_twins_when_signed_in(client: TestClient, catalog: dict[str, Any]) -> None:
    login(client, "editor")
    assert client.get("/me/tokens?format=json").json()["user"]["username"] == "editor"
    assert "upload_url" in client.get("/datasets/population/upload?format=json").json()
    assert client.get("/datasets/new?format=json").json()["orgs"][0]["slug"] == "ai-policy"
    job = catalog["job"]
    twin = client.get(f"/jobs/{job.id}?format=json").json()
    assert twin["state"] == "succeeded"
