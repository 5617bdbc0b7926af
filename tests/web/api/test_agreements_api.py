"""Agreements through /api/v1/agreements and partner pushes through the upload API, with API tokens."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM
from hubcity.domain.koreatime import korean_date
from tests.factories import PASSWORD, api_token, login, make_dataset

URL = "/api/v1/agreements"
SHAPE = {"ok", "error", "error_en", "errors", "status"}


def _auth(services: Services, who: str) -> dict[str, str]:
    user = services.accounts.find_user(who)
    assert user is not None
    return {"Authorization": f"Bearer {api_token(services, services.accounts.actor_for(user.id), name=who)}"}


def _csv(rows: list[tuple[str, ...]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def _body(**overrides: Any) -> dict[str, Any]:
    today = korean_date(datetime.now(UTC))
    body: dict[str, Any] = {
        "title": "한전 전력 데이터 공유 협약",
        "partner": "kepco",
        "city_org": "ai-policy",
        "datasets": ["grid-load", "kepco-usage"],
        "purpose": "자치구별 전력 수요 예측과 에너지 자립 정책 수립",
        "legal_basis": "「데이터기반행정 활성화에 관한 법률」 제15조",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=365)).isoformat(),
        "delete_after_days": 30,
        "partner_contact": {"name": "정도윤", "email": "doyun@kepco.example", "phone": "061-345-3114"},
        "city_contact": {"name": "정과장", "phone": "062-613-4000"},
    }
    body.update(overrides)
    return body


def _setup(client: TestClient, services: Services, city: dict[str, Any]) -> dict[str, dict[str, str]]:
    acc = services.accounts
    acc.create_user(
        SYSTEM, username="chief", password=PASSWORD, display_name="정과장", org="ai-policy", role="admin"
    )
    make_dataset(services, name="grid-load", title="변전소 최대부하", visibility="restricted")
    make_dataset(
        services, name="kepco-usage", title="한전 전력 사용량", owner_org="kepco", visibility="internal"
    )
    auth = {who: _auth(services, who) for who in ("chief", "editor", "member", "other", "partner", "admin")}
    resp = client.post(
        "/api/v1/datasets/grid-load/resources",
        headers=auth["editor"],
        files={
            "file": (
                "grid.csv",
                _csv([("자치구", "최대부하_MW"), ("동구", "41"), ("서구", "77")]),
                "text/csv",
            )
        },
        data={"resource": "grid"},
    )
    assert resp.status_code == 202 and resp.json()["state"] == "succeeded", resp.text
    return auth


def _push(client: TestClient, auth: dict[str, str], **headers: str | bytes) -> Any:
    return client.post(
        "/api/v1/datasets/kepco-usage/resources",
        headers={**auth, **headers},
        files={"file": ("usage.csv", _csv([("자치구", "사용량_kWh"), ("동구", "1200")]), "text/csv")},
        data={"resource": "usage"},
    )


def test_agreement_crud_and_rights_over_http(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    auth = _setup(client, services, city)
    assert client.get(URL).status_code == 401
    assert client.post(URL, json=_body()).status_code == 401
    denied = client.post(URL, json=_body(), headers=auth["editor"])
    assert denied.status_code == 403 and set(denied.json()) == SHAPE

    resp = client.post(URL, json=_body(), headers=auth["chief"])
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert created["status"] == "active" and created["status_label"] == "시행 중"
    assert created["no_onward_transfer"] is True and created["can_manage"] is True
    assert [(d["name"], d["side"], d["shared"]) for d in created["datasets"]] == [
        ("grid-load", "city", "active"),
        ("kepco-usage", "partner", None),
    ]
    assert created["contacts"]["partner"]["name"] == "정도윤"
    agreement_url = f"{URL}/{created['id']}"

    seen = client.get(agreement_url, headers=auth["partner"])
    assert seen.status_code == 200 and seen.json()["can_manage"] is False
    assert [a["id"] for a in client.get(URL, headers=auth["member"]).json()["items"]] == [created["id"]]
    assert client.get(URL, headers=auth["other"]).json() == {"items": [], "total": 0}
    hidden = client.get(agreement_url, headers=auth["other"])
    assert hidden.status_code == 404 and set(hidden.json()) == SHAPE
    assert client.get(f"{agreement_url}/transfers", headers=auth["other"]).status_code == 404
    assert client.patch(agreement_url, json={"title": "고침"}, headers=auth["partner"]).status_code == 403
    assert client.get(URL, params={"status": "paused"}, headers=auth["chief"]).status_code == 422

    patched = client.patch(
        agreement_url, json={"ends_on": "2099-12-31", "title": "한전 협약 (연장)"}, headers=auth["chief"]
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["ends_on"], patched.json()["title"]) == ("2099-12-31", "한전 협약 (연장)")

    bad = client.post(
        URL,
        json=_body(starts_on="내일", partner="transport", delete_after_days=-1, no_onward_transfer=False),
        headers=auth["chief"],
    )
    assert bad.status_code == 422 and set(bad.json()) == SHAPE
    assert {e["field"] for e in bad.json()["errors"]} == {
        "starts_on",
        "delete_after_days",
        "no_onward_transfer",
    }
    wrong_party = client.post(URL, json=_body(partner="transport"), headers=auth["chief"])
    assert wrong_party.status_code == 422
    assert "partner" in {e["field"] for e in wrong_party.json()["errors"]}
    assert client.post(URL, json={"title": 3, "datasets": "x"}, headers=auth["chief"]).status_code == 422

    assert client.post(f"{agreement_url}/terminate", json={}, headers=auth["chief"]).status_code == 422
    ended = client.post(f"{agreement_url}/terminate", json={"reason": "사업 종료"}, headers=auth["chief"])
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert ended.json()["datasets"][0]["shared"] == "revoked"
    assert (
        client.post(f"{agreement_url}/terminate", json={"reason": "또"}, headers=auth["chief"]).status_code
        == 409
    )
    assert client.get(URL, params={"status": "ended"}, headers=auth["partner"]).json()["total"] == 1


def test_session_writes_need_the_csrf_token(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    _setup(client, services, city)
    token = login(client, "chief")
    assert client.post(URL, json=_body()).status_code == 403
    assert client.post(URL, json=_body(), headers={"X-CSRF-Token": token}).status_code == 201


def test_partner_push_lands_only_inside_an_agreement(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    auth = _setup(client, services, city)
    official = {
        "X-Hubcity-Official": quote("한전 정도윤 차장"),
        "X-Hubcity-Case": "에너지정책과-2026-0412".encode(),  # raw UTF-8 works too
    }
    refused = _push(client, auth["partner"], **official)
    assert refused.status_code == 403 and "협약" in refused.json()["error"], refused.text
    assert "agreement" in refused.json()["error_en"]

    created = client.post(URL, json=_body(), headers=auth["chief"]).json()
    missing = _push(client, auth["partner"], **{"X-Hubcity-Case": "ENERGY-1"})
    assert missing.status_code == 400 and set(missing.json()) == SHAPE
    assert (
        "X-Hubcity-Official" in missing.json()["error"] and "X-Hubcity-Official" in missing.json()["error_en"]
    )
    assert [e["field"] for e in missing.json()["errors"]] == ["official"]
    assert _push(client, auth["partner"]).status_code == 400

    pushed = _push(client, auth["partner"], **official)
    assert pushed.status_code == 202 and pushed.json()["state"] == "succeeded", pushed.text
    transfers = client.get(f"{URL}/{created['id']}/transfers", headers=auth["member"])
    assert transfers.status_code == 200
    [record] = transfers.json()["items"]
    assert (record["direction"], record["dataset"], record["resource"], record["version"]) == (
        "in",
        "kepco-usage",
        "usage",
        1,
    )
    assert (record["official"], record["case"], record["username"]) == (
        "한전 정도윤 차장",
        "에너지정책과-2026-0412",
        "partner",
    )
    assert record["job"] == f"/api/v1/jobs/{pushed.json()['id']}"
    # the city's own uploads to its datasets need no agreement and no headers
    again = client.post(
        "/api/v1/datasets/grid-load/resources",
        headers=auth["editor"],
        files={"file": ("grid.csv", _csv([("자치구", "최대부하_MW"), ("북구", "63")]), "text/csv")},
        data={"resource": "grid"},
    )
    assert again.status_code == 202


def test_partner_reads_while_active_exports_are_recorded_and_the_end_revokes(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    auth = _setup(client, services, city)
    rows_url = "/api/v1/datasets/grid-load/resources/grid/rows"
    assert client.get(rows_url, headers=auth["partner"]).status_code == 404
    created = client.post(URL, json=_body(), headers=auth["chief"]).json()

    rows = client.get(rows_url, headers=auth["partner"])
    assert rows.status_code == 200 and rows.json()["total"] == 2
    download = client.get(
        "/api/v1/datasets/grid-load/resources/grid/download",
        params={"format": "csv", "case": "KEPCO-2026-77"},
        headers=auth["partner"],
    )
    assert download.status_code == 200 and "최대부하_MW" in download.content.decode("utf-8-sig")
    [out] = client.get(f"{URL}/{created['id']}/transfers", headers=auth["chief"]).json()["items"]
    assert (out["direction"], out["official"], out["case"], out["version"], out["format"]) == (
        "out",
        "최한전",
        "KEPCO-2026-77",
        1,
        "csv",
    )

    # the last day passes: the periodic check records the end and the partner reads 404
    services.agreements.store.update_agreement(
        created["id"], {"ends_on": korean_date(datetime.now(UTC)) - timedelta(days=1)}
    )
    assert services.agreements.check() == 1
    gone = client.get(rows_url, headers=auth["partner"])
    assert gone.status_code == 404 and set(gone.json()) == SHAPE
    after = client.get(f"{URL}/{created['id']}", headers=auth["partner"]).json()
    assert after["status"] == "ended" and after["datasets"][0]["shared"] == "revoked"


def _form(**overrides: str) -> dict[str, str]:
    body = _body()
    form = {k: str(v) for k, v in body.items() if isinstance(v, str | int)}
    form["datasets"] = "grid-load\nkepco-usage"
    for side in ("partner", "city"):
        for f, v in body[f"{side}_contact"].items():
            form[f"{side}_contact.{f}"] = v
    form.update(overrides)
    return form


def test_agreement_pages_register_show_and_end(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    """The UI twin of the API: the form with errors beside the fields, the page, the termination."""
    _setup(client, services, city)
    assert client.get("/agreements", follow_redirects=False).headers["location"] == "/login?next=/agreements"
    csrf = login(client, "chief")
    assert "협약 등록" in client.get("/agreements").text
    bad = client.post(
        "/agreements/new", data={**_form(ends_on="2020-01-01", **{"city_contact.phone": ""}), "csrf": csrf}
    )
    assert bad.status_code == 422
    soup = BeautifulSoup(bad.text, "html.parser")
    assert "종료일이 시작일보다 앞섭니다" in soup.select_one("#ends_on-error").get_text()
    assert "이메일이나 전화번호" in soup.select_one("[id='city_contact.name-error']").get_text()
    assert soup.select_one("#f-title")["value"] == "한전 전력 데이터 공유 협약"  # what was typed stays

    made = client.post("/agreements/new", data={**_form(), "csrf": csrf}, follow_redirects=False)
    assert made.status_code == 303, made.text
    page_url = made.headers["location"]
    page = BeautifulSoup(client.get(page_url).text, "html.parser")
    assert page.select_one("h1 .agr-status-active") is not None
    assert "제3자 재제공 금지" in page.select_one(".no-onward").get_text()
    shared = [r.select("td")[-1].get_text(strip=True) for r in page.select(".agreement-datasets tbody tr")]
    assert shared == ["제공 중", "—"]
    edit = client.get(f"{page_url}/edit")
    assert edit.status_code == 200 and "grid-load\nkepco-usage" in edit.text
    changed = client.post(
        f"{page_url}/edit", data={**_form(title="한전 협약 (변경)"), "csrf": csrf}, follow_redirects=False
    )
    assert changed.status_code == 303
    twin = client.get(page_url, params={"format": "json"}).json()
    assert twin["agreement"]["title"] == "한전 협약 (변경)" and twin["transfers"] == []

    no_reason = client.post(f"{page_url}/terminate", data={"csrf": csrf, "reason": ""})
    assert no_reason.status_code == 422 and "종료 사유" in no_reason.text
    ended = client.post(
        f"{page_url}/terminate", data={"csrf": csrf, "reason": "사업 종료"}, follow_redirects=False
    )
    assert ended.status_code == 303
    page = BeautifulSoup(client.get(page_url).text, "html.parser")
    assert page.select_one("h1 .agr-status-ended") is not None and page.select_one("#f-reason") is None
    assert client.get("/agreements", params={"status": "ended"}).text.count("agreement-row") == 1

    client.post("/logout", data={"csrf": csrf})
    login(client, "other")
    assert client.get(page_url).status_code == 404
    assert client.get("/agreements/new").status_code == 403


def test_partner_upload_page_asks_for_the_official_and_case(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    auth = _setup(client, services, city)
    created = client.post(URL, json=_body(), headers=auth["chief"]).json()
    csrf = login(client, "partner")
    form = BeautifulSoup(client.get("/datasets/kepco-usage/upload").text, "html.parser")
    assert form.select_one("#f-official") is not None and form.select_one("#f-case") is not None
    file = {"file": ("usage.csv", _csv([("자치구", "사용량_kWh"), ("서구", "870")]), "text/csv")}
    missing = client.post(
        "/datasets/kepco-usage/upload", data={"csrf": csrf, "resource": "usage"}, files=file
    )
    assert missing.status_code == 422 and "요청 담당자" in missing.text
    done = client.post(
        "/datasets/kepco-usage/upload",
        data={"csrf": csrf, "resource": "usage", "official": "한전 정도윤 차장", "case": "에너지정책과-7"},
        files=file,
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/jobs/")
    [record] = client.get(f"{URL}/{created['id']}/transfers").json()["items"]
    assert (record["official"], record["case"], record["direction"]) == (
        "한전 정도윤 차장",
        "에너지정책과-7",
        "in",
    )
    # the city's own datasets ask for neither
    client.post("/logout", data={"csrf": csrf})
    login(client, "editor")
    assert (
        BeautifulSoup(client.get("/datasets/grid-load/upload").text, "html.parser").select_one("#f-official")
        is None
    )


def test_a_push_through_the_ckan_api_is_checked_and_recorded_too(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    auth = _setup(client, services, city)
    created = client.post(URL, json=_body(), headers=auth["chief"]).json()

    def push(**fields: str) -> Any:
        return client.post(
            "/api/3/action/resource_create",
            headers=auth["partner"],
            files={"upload": ("usage.csv", _csv([("자치구", "사용량_kWh"), ("동구", "1200")]), "text/csv")},
            data={"package_id": "kepco-usage", "name": "usage", **fields},
        )

    missing = push(case="ENERGY-1")
    assert missing.status_code == 409 and missing.json()["success"] is False, missing.text
    assert "official" in missing.json()["error"]
    pushed = push(official="한전 정도윤 차장", case="에너지정책과-2026-0412")
    assert pushed.status_code == 200 and pushed.json()["success"] is True, pushed.text
    [record] = client.get(f"{URL}/{created['id']}/transfers", headers=auth["member"]).json()["items"]
    assert (record["direction"], record["dataset"], record["official"], record["case"]) == (
        "in",
        "kepco-usage",
        "한전 정도윤 차장",
        "에너지정책과-2026-0412",
    )
