"""Uploading through the path the page's JavaScript takes, and through the no-JavaScript form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from tests.factories import login, make_dataset
from tests.web.ui.conftest import soup, text_of, write_cp949_csv


def test_upload_page_has_the_form_the_script_needs(
    client: TestClient, services: Any, city: dict[str, Any]
) -> None:
    make_dataset(services)
    login(client, "editor")
    page = soup(client.get("/datasets/population/upload"))
    form = page.select_one("form#upload-form")
    assert form["data-api"] == "/api/v1/datasets/population/resources"
    assert form["enctype"] == "multipart/form-data" and form["action"] == "/datasets/population/upload"
    assert form["data-csrf"] == form.select_one("input[name=csrf]")["value"]
    for name in ("file", "resource", "encoding", "sheet"):
        field = form.select_one(f"[name={name}]")
        assert page.select_one(f"label[for={field['id']}]") is not None
    encodings = [o.get_text(strip=True) for o in form.select("select[name=encoding] option")]
    assert encodings == ["자동 감지", "UTF-8", "CP949"]
    bars = page.select("[role=progressbar]")
    assert len(bars) == 2 and all(b["aria-valuenow"] == "0" for b in bars)
    assert page.select_one("script[src^='/static/hubcity.js']") is not None


def test_cp949_upload_through_the_api_shows_a_korean_preview(
    client: TestClient, services: Any, city: dict[str, Any], tmp_path: Path
) -> None:
    make_dataset(services)
    csrf = login(client, "editor")
    src = write_cp949_csv(tmp_path / "광주_인구.csv")
    with src.open("rb") as fh:
        resp = client.post(
            "/api/v1/datasets/population/resources",
            files={"file": ("광주_인구.csv", fh, "text/csv")},
            data={"resource": "dong-population"},
            headers={"X-CSRF-Token": csrf},
        )
    assert resp.status_code == 202, resp.text
    job = client.get(f"/api/v1/jobs/{resp.json()['id']}").json()
    assert job["state"] == "succeeded" and job["resource"] == "dong-population"

    page = soup(client.get(f"/datasets/population?resource={job['resource']}"))
    headers = [th.get_text(strip=True) for th in page.select("table.preview thead th")][1:]
    assert headers == ["행정동", "인구수", "기준일"]
    rows = [
        [td.get_text(strip=True) for td in tr.select("td")][1:]
        for tr in page.select("table.preview tbody tr")
    ]
    assert rows[0][0] == "충장동" and rows[0][1] == "1234"
    assert rows[2] == ["계림1동", "12001", "2024-03-05"]
    assert "cp949" in page.select_one("table.versions").get_text()
    assert (
        "김편집" in page.select_one("table.versions").get_text()
        or "editor" in page.select_one("table.versions").get_text()
    )


def test_api_upload_with_session_but_without_csrf_header_is_refused(
    client: TestClient, services: Any, city: dict[str, Any], tmp_path: Path
) -> None:
    make_dataset(services)
    login(client, "editor")
    src = write_cp949_csv(tmp_path / "a.csv")
    resp = client.post("/api/v1/datasets/population/resources", files={"file": ("a.csv", src.read_bytes())})
    assert resp.status_code == 403 and resp.json()["status"] == 403


def test_no_javascript_upload_goes_to_the_job_page(
    client: TestClient, services: Any, city: dict[str, Any], tmp_path: Path
) -> None:
    make_dataset(services)
    login(client, "editor")
    csrf = str(soup(client.get("/datasets/population/upload")).select_one("input[name=csrf]")["value"])
    src = write_cp949_csv(tmp_path / "a.csv")
    resp = client.post(
        "/datasets/population/upload",
        data={"csrf": csrf, "resource": "", "encoding": "cp949", "sheet": ""},
        files={"file": ("a.csv", src.read_bytes(), "text/csv")},
        follow_redirects=False,
    )
    assert resp.status_code == 303 and resp.headers["location"].startswith("/jobs/")
    job_page = soup(client.get(resp.headers["location"]))
    assert "완료" in job_page.select_one(".badge").get_text()
    assert job_page.select_one("progress")["value"] == "100"
    link = job_page.select_one("a.btn[href^='/datasets/population?resource=']")
    assert link is not None
    assert "충장동" in soup(client.get(link["href"])).select_one("table.preview").get_text()


def test_no_javascript_upload_without_file_or_csrf(
    client: TestClient, services: Any, city: dict[str, Any]
) -> None:
    make_dataset(services)
    login(client, "editor")
    csrf = str(soup(client.get("/datasets/population/upload")).select_one("input[name=csrf]")["value"])
    resp = client.post("/datasets/population/upload", data={"csrf": csrf, "resource": "x"})
    assert resp.status_code == 422 and "올릴 파일을 고르세요" in text_of(resp)
    resp = client.post("/datasets/population/upload", files={"file": ("a.csv", b"a,b\n1,2\n")})
    assert resp.status_code == 403


def test_failed_ingest_says_what_and_that_the_previous_version_is_intact(
    client: TestClient, services: Any, city: dict[str, Any], tmp_path: Path
) -> None:
    make_dataset(services)
    csrf = login(client, "editor")
    good = write_cp949_csv(tmp_path / "a.csv")
    ok = client.post(
        "/api/v1/datasets/population/resources",
        files={"file": ("a.csv", good.read_bytes())},
        data={"resource": "pop"},
        headers={"X-CSRF-Token": csrf},
    )
    assert ok.status_code == 202
    bad = client.post(
        "/api/v1/datasets/population/resources",
        files={"file": ("broken.xlsx", b"PK\x03\x04garbage")},
        data={"resource": "pop"},
        headers={"X-CSRF-Token": csrf},
    )
    assert bad.status_code == 202
    job_page = client.get(f"/jobs/{bad.json()['id']}")
    assert job_page.status_code == 200
    alert = soup(job_page).select_one("[role=alert]").get_text(" ", strip=True)
    assert (
        "파일을 처리하지 못했습니다" in alert
        and "이전 버전은 그대로" in alert
        and "previous version is intact" in alert
    )
    page = soup(client.get("/datasets/population?resource=pop"))
    assert "충장동" in page.select_one("table.preview").get_text()  # version 1 still shown


def test_job_of_someone_else_is_404(
    client: TestClient, services: Any, city: dict[str, Any], tmp_path: Path
) -> None:
    make_dataset(services)
    csrf = login(client, "editor")
    src = write_cp949_csv(tmp_path / "a.csv")
    job = client.post(
        "/api/v1/datasets/population/resources",
        files={"file": ("a.csv", src.read_bytes())},
        headers={"X-CSRF-Token": csrf},
    ).json()
    client.post(
        "/logout", data={"csrf": str(soup(client.get("/")).select_one("header input[name=csrf]")["value"])}
    )
    login(client, "other")
    assert client.get(f"/jobs/{job['id']}").status_code == 404
