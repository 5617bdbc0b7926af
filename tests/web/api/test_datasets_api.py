"""The catalogue through /api/v1: create, read, change, delete — under each user's rights."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from hubcity.bootstrap import Services
from tests.factories import api_token, login, make_dataset


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_editor_creates_reads_updates_and_deletes_a_dataset(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    token = api_token(services, city["actors"]["editor"])
    body = {
        "name": "air-quality",
        "title": "대기질 측정 현황",
        "title_en": "Air quality",
        "owner_org": "ai-policy",
        "visibility": "public",
        "theme": "environment",
        "licence": "kogl-1",
        "keywords": "대기질, 미세먼지 , 대기질",
        "temporal_start": "2024-01-01",
        "temporal_end": "2024-12-31",
    }
    created = client.post("/api/v1/datasets", json=body, headers=_auth(token))
    assert created.status_code == 201, created.text
    data = created.json()
    assert data["title"] == "대기질 측정 현황"
    assert data["keywords"] == ["대기질", "미세먼지"]
    assert data["theme_label"] == "환경기상"
    assert data["licence_label"].startswith("공공누리 제1유형")

    got = client.get("/api/v1/datasets/air-quality")
    assert got.status_code == 200
    assert got.json()["owner_org_title"] == "인공지능정책과"

    patched = client.patch(
        "/api/v1/datasets/air-quality", json={"description": "시간별 측정값"}, headers=_auth(token)
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["description"] == "시간별 측정값"
    assert patched.json()["title"] == "대기질 측정 현황"

    assert client.delete("/api/v1/datasets/air-quality", headers=_auth(token)).status_code == 204
    assert client.get("/api/v1/datasets/air-quality").status_code == 404
    # the name can be used again
    assert client.post("/api/v1/datasets", json=body, headers=_auth(token)).status_code == 201


def test_raw_authorization_header_and_ckan_header_work_like_bearer(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    token = api_token(services, city["actors"]["editor"])
    assert client.get("/api/v1/me", headers={"Authorization": token}).json()["username"] == "editor"
    assert client.get("/api/v1/me", headers={"X-CKAN-API-Key": token}).json()["username"] == "editor"
    assert client.get("/api/v1/me").status_code == 401


def test_revoked_and_expired_tokens_are_refused(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    editor = city["actors"]["editor"]
    token_row, raw = services.accounts.create_token(editor, name="short")
    assert client.get("/api/v1/me", headers=_auth(raw)).status_code == 200
    services.accounts.revoke_token(editor, token_row.id)
    resp = client.get("/api/v1/me", headers=_auth(raw))
    assert resp.status_code == 401
    assert resp.json()["error_en"].startswith("The API token is not valid")
    assert client.get("/api/v1/me", headers=_auth("hc_not-a-token")).status_code == 401


def test_token_api_shows_the_token_once(client: TestClient, services: Services, city: dict[str, Any]) -> None:
    token = api_token(services, city["actors"]["member"])
    created = client.post(
        "/api/v1/tokens", json={"name": "notebook", "expires_days": 30}, headers=_auth(token)
    )
    assert created.status_code == 201
    raw = created.json()["token"]
    assert raw.startswith("hc_")
    listed = client.get("/api/v1/tokens", headers=_auth(token)).json()
    assert {t["name"] for t in listed} == {"test", "notebook"}
    assert all("token" not in t for t in listed)
    assert client.delete(f"/api/v1/tokens/{created.json()['id']}", headers=_auth(token)).status_code == 204
    assert client.get("/api/v1/me", headers=_auth(raw)).status_code == 401


def test_visibility_rules_hold_for_pages_lists_and_counts(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    make_dataset(services, name="open", title="공개 데이터", visibility="public")
    make_dataset(services, name="staff-only", title="내부 데이터", visibility="internal")
    make_dataset(services, name="secret", title="제한 데이터", visibility="restricted")

    def names(headers: dict[str, str]) -> set[str]:
        page = client.get("/api/v1/datasets?facets=true", headers=headers).json()
        assert page["total"] == len(page["items"])
        assert sum(page["facets"]["org"].values()) == page["total"]
        return {d["name"] for d in page["items"]}

    anonymous: dict[str, str] = {}
    member = _auth(api_token(services, city["actors"]["member"]))  # ai-policy member
    other = _auth(api_token(services, city["actors"]["other"]))  # transport staff
    partner = _auth(api_token(services, city["actors"]["partner"]))  # KEPCO
    admin = _auth(api_token(services, city["actors"]["admin"]))

    assert names(anonymous) == {"open"}
    assert names(partner) == {"open"}
    assert names(other) == {"open", "staff-only"}
    assert names(member) == {"open", "staff-only", "secret"}
    assert names(admin) == {"open", "staff-only", "secret"}

    # a dataset you may not read does not exist for you: same 404 as a missing one
    for headers in (anonymous, partner, other):
        resp = client.get("/api/v1/datasets/secret", headers=headers)
        assert resp.status_code == 404
        assert resp.json()["error_en"] == "Dataset 'secret' was not found."
    assert client.get("/api/v1/datasets/staff-only", headers=partner).status_code == 404
    assert client.get("/api/v1/datasets/staff-only", headers=other).status_code == 200
    orgs = {o["slug"]: o["dataset_count"] for o in client.get("/api/v1/orgs").json()}
    assert orgs["ai-policy"] == 1


def test_only_editors_of_the_owner_may_write(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    make_dataset(services, name="pop", visibility="public")
    member = _auth(api_token(services, city["actors"]["member"]))
    other = _auth(api_token(services, city["actors"]["other"]))
    assert client.patch("/api/v1/datasets/pop", json={"title": "x"}, headers=member).status_code == 403
    assert client.patch("/api/v1/datasets/pop", json={"title": "x"}, headers=other).status_code == 403
    assert client.delete("/api/v1/datasets/pop").status_code == 403
    body = {"name": "new", "title": "새 데이터", "owner_org": "ai-policy"}
    assert client.post("/api/v1/datasets", json=body, headers=other).status_code == 403
    assert client.post("/api/v1/datasets", json=body).status_code == 403


def test_invalid_metadata_gets_field_errors_not_500(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    token = _auth(api_token(services, city["actors"]["editor"]))
    bad = [
        {"name": "Bad Name!", "title": "x", "owner_org": "ai-policy"},
        {"name": "ok", "title": "", "owner_org": "ai-policy"},
        {"name": "ok", "title": "x", "owner_org": "nowhere"},
        {"name": "ok", "title": "x", "owner_org": "ai-policy", "theme": "space"},
        {"name": "ok", "title": "x", "owner_org": "ai-policy", "licence": "gpl"},
        {"name": "ok", "title": "x", "owner_org": "ai-policy", "visibility": "secret"},
        {
            "name": "ok",
            "title": "x",
            "owner_org": "ai-policy",
            "temporal_start": "2024-05-01",
            "temporal_end": "2024-01-01",
        },
        {"name": "ok", "title": "x", "owner_org": "ai-policy", "unknown_field": 1},
    ]
    for body in bad:
        resp = client.post("/api/v1/datasets", json=body, headers=token)
        assert resp.status_code == 422, (body, resp.text)
        err = resp.json()
        assert err["ok"] is False and err["status"] == 422 and err["error"] and err["error_en"]
    make_dataset(services, name="dup")
    resp = client.post(
        "/api/v1/datasets", json={"name": "dup", "title": "x", "owner_org": "ai-policy"}, headers=token
    )
    assert resp.status_code == 409
    assert (
        client.post(
            "/api/v1/datasets", content=b"{not json", headers=token | {"content-type": "application/json"}
        ).status_code
        == 422
    )


def test_browser_session_writes_to_the_api_need_the_csrf_header(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    csrf = login(client, "editor")
    body = {"name": "by-session", "title": "세션으로 만든 데이터", "owner_org": "ai-policy"}
    refused = client.post("/api/v1/datasets", json=body)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error_en"]
    assert client.post("/api/v1/datasets", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201
    assert client.get("/api/v1/me").json()["username"] == "editor"


def test_filters_sort_and_paging(client: TestClient, services: Services, city: dict[str, Any]) -> None:
    make_dataset(services, name="a-pop", title="인구 현황", theme="public-admin", licence="kogl-1")
    make_dataset(
        services,
        name="b-bus",
        title="버스 정류장",
        theme="transport",
        licence="kogl-2",
        owner_org="transport",
        keywords=["교통"],
    )
    make_dataset(services, name="c-air", title="대기질", theme="environment", licence="kogl-1")
    page = client.get("/api/v1/datasets?theme=transport").json()
    assert [d["name"] for d in page["items"]] == ["b-bus"]
    assert {d["name"] for d in client.get("/api/v1/datasets?licence=kogl-1").json()["items"]} == {
        "a-pop",
        "c-air",
    }
    assert [d["name"] for d in client.get("/api/v1/datasets?org=transport").json()["items"]] == ["b-bus"]
    assert [d["name"] for d in client.get("/api/v1/datasets?q=교통").json()["items"]] == ["b-bus"]
    titles = [d["name"] for d in client.get("/api/v1/datasets?sort=title").json()["items"]]
    assert titles == ["c-air", "b-bus", "a-pop"]  # 대기질 < 버스 < 인구 in Korean order
    paged = client.get("/api/v1/datasets?sort=title&limit=1&offset=1").json()
    assert paged["total"] == 3 and [d["name"] for d in paged["items"]] == ["b-bus"]
    facets = client.get("/api/v1/datasets?facets=true&theme=transport").json()["facets"]
    assert facets["theme"] == {"public-admin": 1, "transport": 1, "environment": 1}
    assert facets["licence"] == {"kogl-2": 1}
