"""Uploads through /api/v1: jobs, versions, previews, downloads, and bad input that loses nothing."""

from __future__ import annotations

import csv
import io
import json
import threading
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
from fastapi.testclient import TestClient

from hubcity.bootstrap import Services
from hubcity.web.app import create_app
from tests.factories import api_token, make_dataset, wait_job

ROWS = [("행정동", "인구수", "기준일"), ("충장동", "1,234", "2024.01.31"), ("동명동", "12,345", "2024.01.31")]


def _csv(rows: list[tuple[str, ...]] | None = None, encoding: str = "cp949") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows or ROWS)
    return buf.getvalue().encode(encoding)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _upload(client: TestClient, token: str, content: bytes, filename: str = "인구.csv", **form: str) -> Any:
    resp = client.post(
        "/api/v1/datasets/population/resources",
        headers=_auth(token),
        files={"file": (filename, content, "text/csv")},
        data={"resource": "people", **form},
    )
    assert resp.status_code == 202, resp.text
    return resp.json()


def test_upload_makes_a_typed_version_with_preview_and_profile(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    make_dataset(services)
    token = api_token(services, city["actors"]["editor"])
    job = _upload(client, token, _csv())
    assert job["state"] == "succeeded", job
    assert job["resource"] == "people" and job["version"] == 1
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=_auth(token)).json()["progress"] == 1.0

    res = client.get("/api/v1/datasets/population/resources/people").json()
    assert res["source_encoding"] == "cp949"
    assert res["row_count"] == 2
    assert [(c["name"], c["type"]) for c in res["columns"]] == [
        ("행정동", "text"),
        ("인구수", "integer"),
        ("기준일", "date"),
    ]
    assert res["columns"][1]["max"] == "12345"
    assert 0 <= res["quality"]["score"] <= 100
    assert [v["number"] for v in res["versions"]] == [1]

    rows = client.get("/api/v1/datasets/population/resources/people/rows?limit=10").json()
    assert rows["total"] == 2
    assert rows["rows"][0] == {"행정동": "충장동", "인구수": 1234, "기준일": "2024-01-31"}


def test_new_version_keeps_the_old_one_downloadable(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    make_dataset(services)
    token = api_token(services, city["actors"]["editor"])
    _upload(client, token, _csv())
    second = _upload(client, token, _csv([*ROWS, ("계림1동", "3,000", "2024.01.31")]))
    assert second["version"] == 2
    res = client.get("/api/v1/datasets/population/resources/people").json()
    assert res["current_version"] == 2 and res["row_count"] == 3
    assert [v["number"] for v in res["versions"]] == [2, 1]
    old = client.get("/api/v1/datasets/population/resources/people/rows?version=1").json()
    assert old["total"] == 2 and old["version"] == 1
    old_csv = client.get("/api/v1/datasets/population/resources/people/download?format=csv&version=1")
    assert old_csv.content.decode("utf-8-sig").count("\n") == 3


def test_same_file_twice_does_not_make_a_new_version(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    make_dataset(services)
    token = api_token(services, city["actors"]["editor"])
    _upload(client, token, _csv())
    again = _upload(client, token, _csv())
    assert again["state"] == "succeeded" and again["version"] is None
    assert "새 버전을 만들지 않았습니다" in again["message"]
    assert client.get("/api/v1/datasets/population/resources/people").json()["current_version"] == 1


def test_downloads_in_every_format(
    client: TestClient, services: Services, city: dict[str, Any], tmp_path: Path
) -> None:
    make_dataset(services)
    token = api_token(services, city["actors"]["editor"])
    rows = [*ROWS, ('=HYPERLINK("http://evil")', "5", "2024.01.31")]
    _upload(client, token, _csv(rows, "utf-8"), filename="people.csv")
    base = "/api/v1/datasets/population/resources/people/download"

    bom = client.get(f"{base}?format=csv")
    assert bom.status_code == 200 and bom.content.startswith(b"\xef\xbb\xbf")
    text = bom.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "행정동,인구수,기준일"
    assert "'=HYPERLINK" in text  # formula injection neutralised for spreadsheet users
    assert "1234" in text

    cp949 = client.get(f"{base}?format=csv-cp949")
    assert cp949.content.decode("cp949").splitlines()[1].startswith("충장동")

    xlsx = client.get(f"{base}?format=xlsx")
    (tmp_path / "x.xlsx").write_bytes(xlsx.content)
    sheet = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == ["행정동", "인구수", "기준일"]
    assert sheet["B2"].value == 1234
    assert str(sheet["A4"].value).startswith("'=")

    parquet = client.get(f"{base}?format=parquet")
    (tmp_path / "x.parquet").write_bytes(parquet.content)
    con = duckdb.connect()
    try:
        assert con.execute(
            f"SELECT sum(인구수) FROM read_parquet('{tmp_path / 'x.parquet'}')"
        ).fetchone() == (13584,)
    finally:
        con.close()

    assert json.loads(client.get(f"{base}?format=json").content)[1]["행정동"] == "동명동"
    lines = client.get(f"{base}?format=jsonl").content.decode().splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["인구수"] == 1234
    assert client.get(f"{base}?format=source").content == _csv(rows, "utf-8")
    assert client.get(f"{base}?format=docx").status_code == 422
    assert client.get(f"{base}?format=csv&version=9").status_code == 404


def test_cp949_export_refuses_characters_cp949_cannot_hold(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    make_dataset(services)
    token = api_token(services, city["actors"]["editor"])
    _upload(client, token, _csv([("이름", "값"), ("😀 smile", "1")], "utf-8"), filename="emoji.csv")
    resp = client.get("/api/v1/datasets/population/resources/people/download?format=csv-cp949")
    assert resp.status_code == 422
    assert "UTF-8" in resp.json()["error_en"] and "Line 2" in resp.json()["error_en"]


def test_bad_files_fail_the_job_and_keep_the_previous_version(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    make_dataset(services)
    token = api_token(services, city["actors"]["editor"])
    _upload(client, token, _csv())
    bad_inputs = {
        "garbage.csv": bytes(range(256)) * 64,
        "declared.csv": _csv(),  # CP949 bytes declared as UTF-8 below
        "bomb.xlsx": b"PK\x03\x04 not really a zip",
        "cut.csv": '이름,값\n"열린 따옴표,1\n'.encode() + "충장동".encode("cp949")[:1],
    }
    for name, content in bad_inputs.items():
        form = {"encoding": "utf-8"} if name == "declared.csv" else {}
        job = _upload(client, token, content, filename=name, **form)
        assert job["state"] == "failed", (name, job)
        assert job["error"]["message"] and job["error"]["message_en"], job
        assert job["error"]["message"] != job["error"]["message_en"]
    res = client.get("/api/v1/datasets/population/resources/people").json()
    assert res["current_version"] == 1 and res["row_count"] == 2
    assert client.get("/api/v1/datasets/population/resources/people/rows").json()["total"] == 2


def test_empty_upload_and_bad_form_values_are_refused_up_front(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    make_dataset(services)
    h = _auth(api_token(services, city["actors"]["editor"]))
    url = "/api/v1/datasets/population/resources"
    empty = client.post(url, headers=h, files={"file": ("e.csv", b"", "text/csv")})
    assert empty.status_code == 422 and empty.json()["error"] == "빈 파일입니다."
    enc = client.post(url, headers=h, files={"file": ("a.csv", b"a\n1\n")}, data={"encoding": "klingon"})
    assert enc.status_code == 422
    slug = client.post(url, headers=h, files={"file": ("a.csv", b"a\n1\n")}, data={"resource": "Bad Name"})
    assert slug.status_code == 422
    types = client.post(url, headers=h, files={"file": ("a.csv", b"a\n1\n")}, data={"column_types": "[1]"})
    assert types.status_code == 422
    assert client.post(url, headers=h).status_code == 422  # no file at all
    outsider = _auth(api_token(services, city["actors"]["other"]))
    assert client.post(url, headers=outsider, files={"file": ("a.csv", b"a\n1\n")}).status_code == 403
    assert client.post(url, files={"file": ("a.csv", b"a\n1\n")}).status_code == 403


def test_user_changes_a_column_type_and_reruns(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    make_dataset(services)
    token = api_token(services, city["actors"]["editor"])
    _upload(client, token, _csv())
    resp = client.post(
        "/api/v1/datasets/population/resources/people/retype",
        json={"column_types": {"인구수": "text"}},
        headers=_auth(token),
    )
    assert resp.status_code == 202, resp.text
    assert resp.json()["state"] == "succeeded" and resp.json()["version"] == 2
    res = client.get("/api/v1/datasets/population/resources/people").json()
    assert {c["name"]: c["type"] for c in res["columns"]}["인구수"] == "text"
    bad = client.post(
        "/api/v1/datasets/population/resources/people/retype",
        json={"column_types": {"없는열": "text"}},
        headers=_auth(token),
    )
    assert bad.status_code == 422


def test_two_uploads_at_the_same_moment_both_land_as_distinct_versions(
    threaded_services: Services, city_threaded: dict[str, Any]
) -> None:
    services = threaded_services
    make_dataset(services)
    token = api_token(services, city_threaded["actors"]["editor"])
    bodies = [_csv(), _csv([*ROWS, ("양림동", "7", "2024.01.31")])]
    results: list[dict[str, Any]] = []
    with TestClient(create_app(services=services)) as client:

        def send(content: bytes) -> None:
            results.append(_upload(client, token, content))

        threads = [threading.Thread(target=send, args=(b,)) for b in bodies]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        editor = city_threaded["actors"]["editor"]
        done = [wait_job(services, editor, r["id"]) for r in results]
        assert sorted(j.version_number or 0 for j in done) == [1, 2]
        res = client.get("/api/v1/datasets/population/resources/people").json()
        assert [v["number"] for v in res["versions"]] == [2, 1]
        assert {v["row_count"] for v in res["versions"]} == {2, 3}


def test_an_upload_over_the_size_limit_is_refused_before_it_is_stored(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    make_dataset(services)
    services.settings.ingest.max_upload_mb = 1
    token = api_token(services, city["actors"]["editor"])
    big = b"a,b\n" + b"1,2\n" * 300_000  # 1.2 MB
    resp = client.post(
        "/api/v1/datasets/population/resources", headers=_auth(token), files={"file": ("big.csv", big)}
    )
    assert resp.status_code == 422 and "too large" in resp.json()["error_en"]
    assert not any(services.settings.uploads_dir.glob("upload-*"))
    assert client.get("/api/v1/datasets/population/resources").json() == []


def test_any_encoding_name_python_knows_reaches_the_reader(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    make_dataset(services)
    token = api_token(services, city["actors"]["editor"])
    job = _upload(client, token, _csv(), encoding="ks_c_5601_1987")  # Windows' name for CP949
    assert job["state"] == "succeeded", job
    res = client.get("/api/v1/datasets/population/resources/people").json()
    assert res["source_encoding"] == "cp949"
    assert [c["name"] for c in res["columns"]] == ["행정동", "인구수", "기준일"]
