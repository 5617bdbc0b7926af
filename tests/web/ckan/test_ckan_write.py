"""The CKAN Action API, writing: packages and resources through the services and their rights."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from hubcity.bootstrap import Services
from hubcity.domain.accounts import ANONYMOUS
from tests.factories import login
from tests.web.ckan.conftest import LOTS, csv_bytes, failed, key, ok

NEW = {
    "name": "bus-stops",
    "title": "버스정류장 위치",
    "notes": "광주 시내버스 정류장",
    "owner_org": "ai-policy",
    "tags": [{"name": "버스"}, {"name": "정류장"}],
    "groups": [{"name": "transport"}],
    "license_id": "kogl-1",
    "maintainer": "박버스",
    "extras": [
        {"key": "title_en", "value": "Bus stops"},
        {"key": "update_cycle", "value": "monthly"},
        {"key": "unknown_to_hubcity", "value": "ignored"},
    ],
    "resources": [{"url": "https://elsewhere.example/stops.csv", "name": "stops"}],
    "author_url": "ignored too",
}


def test_package_create_update_patch_delete(
    ckan: TestClient, services: Services, catalogue: dict[str, Any]
) -> None:
    tokens = catalogue["tokens"]
    editor = key(tokens["editor"])
    # anonymous and other organisations may not write
    failed(ckan.post("/api/3/action/package_create", json=NEW), 403, "Authorization Error")
    error = failed(
        ckan.post("/api/3/action/package_create", json=NEW, headers=key(tokens["other"])),
        403,
        "Authorization Error",
    )
    assert error["message"].startswith("Access denied: ")
    # writes are POST only
    failed(ckan.get("/api/3/action/package_create?name=x"), 400, "Bad Request")

    pkg = ok(ckan.post("/api/3/action/package_create", json=NEW, headers=editor))
    assert pkg["name"] == "bus-stops" and pkg["title"] == "버스정류장 위치" and pkg["private"] is False
    assert [t["name"] for t in pkg["tags"]] == ["버스", "정류장"] and pkg["groups"][0]["name"] == "transport"
    assert pkg["resources"] == []  # links are not stored; files come through resource_create
    dataset = services.catalog.get_dataset(ANONYMOUS, "bus-stops")  # the catalogue has it, as a user sees it
    assert (dataset.title_en, dataset.update_cycle, dataset.contact_name) == (
        "Bus stops",
        "monthly",
        "박버스",
    )

    error = failed(
        ckan.post("/api/3/action/package_create", json=NEW, headers=editor), 409, "Validation Error"
    )
    assert "bus-stops" in error["name"][0]
    bad = {**NEW, "name": "bad-licence", "license_id": "my-own-licence"}
    error = failed(
        ckan.post("/api/3/action/package_create", json=bad, headers=editor), 409, "Validation Error"
    )
    assert "license_id" in error and "kogl-1" in error["message"]
    bad_theme = {**NEW, "name": "bad-cycle", "extras": [{"key": "update_cycle", "value": "hourly"}]}
    error = failed(
        ckan.post("/api/3/action/package_create", json=bad_theme, headers=editor), 409, "Validation Error"
    )
    assert "update_cycle" in error

    # patch changes what it names and nothing else
    patched = ok(
        ckan.post(
            "/api/3/action/package_patch",
            json={"id": "bus-stops", "title": "시내버스 정류장 위치", "private": True},
            headers={"Authorization": tokens["editor"]},
        )
    )
    assert patched["title"] == "시내버스 정류장 위치" and patched["notes"] == "광주 시내버스 정류장"
    assert patched["private"] is True and {"key": "visibility", "value": "restricted"} in patched["extras"]
    failed(ckan.get("/api/3/action/package_show?id=bus-stops"), 404, "Not Found Error")
    # update replaces the whole dataset, as CKAN's does
    full = {**patched, "notes": "", "tags": [{"name": "버스"}], "private": False}
    full["extras"] = [e for e in full["extras"] if e["key"] != "visibility"]
    updated = ok(ckan.post("/api/3/action/package_update", json=full, headers=editor))
    assert (
        updated["notes"] == ""
        and [t["name"] for t in updated["tags"]] == ["버스"]
        and updated["private"] is False
    )
    assert ok(ckan.get("/api/3/action/package_show?id=bus-stops"))["title"] == "시내버스 정류장 위치"
    error = failed(
        ckan.post("/api/3/action/package_update", json={**full, "name": "renamed"}, headers=editor),
        409,
        "Validation Error",
    )
    assert "name" in error
    failed(
        ckan.post(
            "/api/3/action/package_patch",
            json={"id": "bus-stops", "title": "x"},
            headers=key(tokens["other"]),
        ),
        403,
        "Authorization Error",
    )

    assert ok(ckan.post("/api/3/action/package_delete", json={"id": "bus-stops"}, headers=editor)) is None
    failed(ckan.get("/api/3/action/package_show?id=bus-stops", headers=editor), 404, "Not Found Error")
    assert "bus-stops" not in ok(ckan.get("/api/3/action/package_list"))
    failed(ckan.post("/api/3/action/package_delete", json={}, headers=editor), 409, "Validation Error")


def test_browser_session_writes_need_the_csrf_token(ckan: TestClient) -> None:
    csrf = login(ckan, "editor")
    body = {"id": "population", "title": "인구 현황"}
    failed(ckan.post("/api/3/action/package_patch", json=body), 403, "Authorization Error")
    assert (
        ok(ckan.post("/api/3/action/package_patch", json=body, headers={"X-CSRF-Token": csrf}))["title"]
        == "인구 현황"
    )


def test_resource_create_and_patch_ingest_the_upload(
    ckan: TestClient, services: Services, catalogue: dict[str, Any]
) -> None:
    tokens = catalogue["tokens"]
    editor = key(tokens["editor"])
    content = csv_bytes(LOTS)
    resource = ok(
        ckan.post(
            "/api/3/action/resource_create",
            data={"package_id": "population", "name": "주차장 목록"},
            files={"upload": ("주차장.csv", content, "text/csv")},
            headers=editor,
        )
    )
    assert resource["package_id"] == "population" and resource["datastore_active"] is True
    assert resource["format"] == "CSV" and resource["row_count"] == 4 and resource["version"] == 1
    assert resource["source_encoding"] == "cp949"
    rows = ok(ckan.get(f"/api/3/action/datastore_search?resource_id={resource['id']}"))
    assert rows["records"][1]["주차면수"] == 1050
    # resource_create always makes a new resource, even for a file of the same name
    second = ok(
        ckan.post(
            "/api/3/action/resource_create",
            data={"package_id": "population"},
            files={"upload": ("주차장.csv", content, "text/csv")},
            headers=editor,
        )
    )
    assert second["id"] != resource["id"]
    assert len(ok(ckan.get("/api/3/action/package_show?id=population"))["resources"]) == 2

    # resource_patch with a file: a new version of the same resource
    more = csv_bytes([*LOTS, ("남구", "봉선 공영주차장", "60", "2022.01.10")], encoding="utf-8")
    patched = ok(
        ckan.post(
            "/api/3/action/resource_patch",
            data={"id": resource["id"]},
            files={"upload": ("주차장-2.csv", more, "text/csv")},
            headers=editor,
        )
    )
    assert patched["id"] == resource["id"] and patched["version"] == 2 and patched["row_count"] == 5
    # without a file nothing changes
    same = ok(ckan.post("/api/3/action/resource_patch", json={"id": resource["id"]}, headers=editor))
    assert same["version"] == 2

    # a file that cannot be read: a Validation Error that says why, and the old version stays
    error = failed(
        ckan.post(
            "/api/3/action/resource_patch",
            data={"id": resource["id"]},
            files={
                "upload": ("broken.xlsx", b"PK\x03\x04 not really a workbook", "application/octet-stream")
            },
            headers=editor,
        ),
        409,
        "Validation Error",
    )
    assert error["upload"] and error["message_en"]
    assert ok(ckan.get(f"/api/3/action/resource_show?id={resource['id']}"))["version"] == 2

    # links only: refused with a clear message
    error = failed(
        ckan.post(
            "/api/3/action/resource_create",
            json={"package_id": "population", "url": "https://elsewhere.example/x.csv"},
            headers=editor,
        ),
        409,
        "Validation Error",
    )
    assert "upload" in error["url"][0]
    # rights: anonymous uploads are refused before the file is taken in; other organisations too
    failed(
        ckan.post(
            "/api/3/action/resource_create",
            data={"package_id": "population"},
            files={"upload": ("a.csv", content, "text/csv")},
        ),
        403,
        "Authorization Error",
    )
    failed(
        ckan.post(
            "/api/3/action/resource_create",
            data={"package_id": "population"},
            files={"upload": ("a.csv", content, "text/csv")},
            headers=key(tokens["other"]),
        ),
        403,
        "Authorization Error",
    )
    failed(
        ckan.post(
            "/api/3/action/resource_patch",
            data={"id": resource["id"]},
            files={"upload": ("a.csv", content, "text/csv")},
            headers=key(tokens["other"]),
        ),
        403,
        "Authorization Error",
    )
    # every upload was taken over by an ingest or removed: nothing is left behind
    assert not list(services.settings.uploads_dir.glob("ckan-upload-*"))
