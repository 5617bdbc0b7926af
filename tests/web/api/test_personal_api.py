"""Personal-data findings through the API and the dataset page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from hubcity.bootstrap import Services
from tests.factories import api_token, login, make_dataset, upload
from tests.services.test_personal import write_people


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _setup(services: Services, city: dict[str, Any], tmp_path: Path) -> None:
    editor = city["actors"]["editor"]
    make_dataset(services, editor, name="welfare", title="긴급복지 지원 대상자", visibility="internal")
    job = upload(
        services,
        editor,
        "welfare",
        write_people(tmp_path / "p.csv"),
        copy_to=tmp_path / "u" / "p.csv",
        resource="people",
    )
    assert job.state == "succeeded"


def test_resource_columns_carry_findings_and_owners_decide(
    client: TestClient, services: Services, city: dict[str, Any], tmp_path: Path
) -> None:
    _setup(services, city, tmp_path)
    editor = _auth(api_token(services, city["actors"]["editor"]))
    member = _auth(api_token(services, city["actors"]["member"]))
    res = client.get("/api/v1/datasets/welfare/resources/people", headers=member).json()
    cols = {c["name"]: c for c in res["columns"]}
    p = cols["주민번호"]["personal"]
    assert p["kind"] == "rrn" and p["status"] == "suspected" and 0.9 <= p["confidence"] <= 1
    assert p["explanation"].startswith("표본 40개 중 37개가") and p["explanation_en"].startswith("37 of 40")
    assert cols["주민번호"]["top_values"] == [] and cols["주민번호"]["min"] is None  # no RRNs in the profile
    assert "personal" not in cols["지원금액"]

    url = "/api/v1/datasets/welfare/resources/people/columns/주민번호/personal"
    denied = client.post(url, json={"status": "confirmed"}, headers=member)
    assert denied.status_code == 403 and denied.json()["ok"] is False and denied.json()["error_en"]
    assert client.post(url, json={"status": "confirmed"}).status_code == 404  # anonymous: no such dataset
    bad = client.post(url, json={"status": "maybe"}, headers=editor)
    assert bad.status_code == 422 and bad.json()["ok"] is False
    assert (
        client.post(url, json={"status": "confirmed", "kind": "blood_type"}, headers=editor).status_code
        == 422
    )
    missing = client.post(
        "/api/v1/datasets/welfare/resources/people/columns/없음/personal",
        json={"status": "confirmed"},
        headers=editor,
    )
    assert missing.status_code == 404
    ok = client.post(url, json={"status": "confirmed"}, headers=editor)
    assert (
        ok.status_code == 200 and ok.json()["status"] == "confirmed" and ok.json()["decided_by"] == "editor"
    )
    again = client.get("/api/v1/datasets/welfare/resources/people", headers=member).json()
    assert next(c for c in again["columns"] if c["name"] == "주민번호")["personal"]["status"] == "confirmed"

    # publishing needs a legal basis now; the error names the column in both languages
    public = client.patch("/api/v1/datasets/welfare", json={"visibility": "public"}, headers=editor)
    assert public.status_code == 422, public.text
    body = public.json()
    assert (
        "주민번호" in body["error"]
        and "주민번호" in body["error_en"]
        and body["errors"][0]["field"] == "visibility"
    )
    ok_public = client.patch(
        "/api/v1/datasets/welfare",
        json={"visibility": "public", "legal_basis": "긴급복지지원법 제13조"},
        headers=editor,
    )
    assert ok_public.status_code == 200 and ok_public.json()["legal_basis"] == "긴급복지지원법 제13조"

    rescan = client.post("/api/v1/datasets/welfare/personal/rescan", headers=editor)
    assert rescan.status_code == 200 and rescan.json()["versions"] == 1 and rescan.json()["findings"] >= 3
    assert client.post("/api/v1/datasets/welfare/personal/rescan", headers=member).status_code == 403


def test_dataset_page_shows_findings_and_buttons_for_owners(
    client: TestClient, services: Services, city: dict[str, Any], tmp_path: Path
) -> None:
    _setup(services, city, tmp_path)
    csrf = login(client, "member")
    page = BeautifulSoup(client.get("/datasets/welfare?resource=people").text, "html.parser")
    badges = {b["data-kind"]: b for b in page.select(".badge-personal")}
    assert "rrn" in badges and badges["rrn"]["data-status"] == "suspected"
    assert "표본 40개 중 37개가 유효한 주민등록번호입니다" in page.get_text()
    assert not page.select("form.pii-decide")  # a member sees the findings, not the buttons
    client.get("/logout")
    client.cookies.clear()

    csrf = login(client, "editor")
    page = BeautifulSoup(client.get("/datasets/welfare?resource=people").text, "html.parser")
    forms = page.select("form.pii-decide")
    assert forms
    rrn_form = next(
        f for f in forms if "%EC%A3%BC%EB%AF%BC%EB%B2%88%ED%98%B8" in f["action"] or "주민번호" in f["action"]
    )
    resp = client.post(rrn_form["action"], data={"status": "dismissed", "csrf": csrf}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    page = BeautifulSoup(client.get("/datasets/welfare?resource=people").text, "html.parser")
    badges = {b["data-kind"]: b for b in page.select(".badge-personal")}
    assert badges["rrn"]["data-status"] == "dismissed"
    assert "editor" in page.get_text()
    # a forged form without the CSRF token changes nothing
    forged = client.post(rrn_form["action"], data={"status": "confirmed"}, follow_redirects=False)
    assert forged.status_code in (400, 403)
    en = BeautifulSoup(client.get("/datasets/welfare?resource=people&lang=en").text, "html.parser")
    assert "37 of 40 sampled values are valid RRNs" in en.get_text()
