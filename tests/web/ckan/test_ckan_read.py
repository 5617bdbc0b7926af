"""The CKAN Action API, reading: envelope, package dicts, search, visibility, datastore."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from hubcity.domain.datasets import THEMES
from tests.web.ckan.conftest import failed, key, ok

PUBLIC = ["parking-fines", "population", "public-parking"]


def test_status_and_envelope_on_both_prefixes_without_redirects(reader: TestClient) -> None:
    for path in ("/api/action/status_show", "/api/3/action/status_show"):
        resp = reader.get(path, follow_redirects=False)
        result = ok(resp)
        assert result["ckan_version"].startswith("2.") and "datastore" in result["extensions"]
        assert resp.headers["content-type"].startswith("application/json")
    # a trailing slash is served, never redirected
    assert ok(reader.get("/api/3/action/package_list/", follow_redirects=False)) == PUBLIC
    error = failed(reader.get("/api/3/action/no_such_action", follow_redirects=False), 400, "Bad Request")
    assert "Action name not known: no_such_action" in error["message"]
    failed(reader.post("/api/action/", follow_redirects=False), 400, "Bad Request")
    failed(reader.put("/api/3/action/package_list"), 400, "Bad Request")
    failed(reader.post("/api/3/action/package_search", content=b"{not json"), 400, "Bad Request")
    no_boundary = {"Content-Type": "multipart/form-data"}
    error = failed(
        reader.post("/api/3/action/package_search", content=b"x", headers=no_boundary), 400, "Bad Request"
    )
    assert "form" in error["message"]
    assert "public" in ok(reader.get("/api/3/action/help_show?name=package_list"))
    failed(reader.get("/api/3/action/help_show?name=nothing"), 404, "Not Found Error")


def test_package_list_shows_public_only_and_private_to_those_who_may_read(
    reader: TestClient, shared_catalogue: dict[str, Any]
) -> None:
    tokens = shared_catalogue["tokens"]
    assert ok(reader.post("/api/3/action/package_list", json={})) == PUBLIC
    # include_private: what each caller may read, no more
    everything = {"include_private": True}
    assert ok(reader.post("/api/3/action/package_list", json=everything)) == PUBLIC
    staff = ok(reader.post("/api/3/action/package_list", json=everything, headers=key(tokens["other"])))
    assert staff == sorted([*PUBLIC, "staff-only"])
    owner = ok(
        reader.post(
            "/api/3/action/package_list", json=everything, headers={"Authorization": tokens["member"]}
        )
    )
    assert owner == sorted([*PUBLIC, "staff-only", "secret-parking"])
    partner = ok(reader.post("/api/3/action/package_list", json=everything, headers=key(tokens["partner"])))
    assert partner == PUBLIC
    assert ok(reader.get("/api/3/action/package_list?limit=2&offset=1")) == PUBLIC[1:3]


def test_package_show_maps_hubcity_metadata_to_ckan_fields(reader: TestClient) -> None:
    pkg = ok(reader.get("/api/3/action/package_show?id=public-parking"))
    assert pkg["id"] == pkg["name"] == "public-parking"
    assert (
        pkg["title"] == "광주광역시 공영주차장 현황" and pkg["notes"] == "구별 공영주차장의 위치와 주차면 수"
    )
    assert pkg["owner_org"] == "ai-policy" and pkg["organization"]["title"] == "인공지능정책과"
    assert pkg["private"] is False and pkg["state"] == "active" and pkg["type"] == "dataset"
    assert [t["name"] for t in pkg["tags"]] == ["주차장", "교통"]
    assert [(g["name"], g["title"]) for g in pkg["groups"]] == [("transport", "교통물류")]
    assert pkg["license_id"] == "kogl-1" and pkg["license_title"].startswith("공공누리 제1유형")
    assert pkg["maintainer"] == "김주차" and pkg["maintainer_email"] == "parking@gwangju.go.kr"
    assert pkg["metadata_created"] and pkg["metadata_modified"]
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    assert extras == {
        "title_en": "Public parking lots",
        "theme": "transport",
        "update_cycle": "yearly",
        "visibility": "public",
        "spatial_coverage": "광주광역시",
        "temporal_start": "2024-01-01",
        "temporal_end": "2024-12-31",
    }
    (res,) = pkg["resources"]
    assert res["id"].isdigit() and res["package_id"] == "public-parking"
    assert res["format"] == "CSV" and res["datastore_active"] is True and res["row_count"] == 4
    assert res["size"] > 0 and res["mimetype"] == "text/csv"
    assert res["url"].startswith("http://testserver/api/v1/datasets/public-parking/resources/lots/download")
    download = reader.get(res["url"])
    assert download.status_code == 200
    assert "상무지구 공영주차장" in download.content.decode("utf-8-sig")
    # the same by name, and resource_show by the resource id
    assert (
        ok(reader.post("/api/action/package_show", json={"name": "public-parking"}))["id"] == "public-parking"
    )
    assert ok(reader.get(f"/api/3/action/resource_show?id={res['id']}")) == res


def test_restricted_dataset_is_invisible_to_the_public_and_to_other_organisations(
    reader: TestClient, shared_catalogue: dict[str, Any]
) -> None:
    tokens = shared_catalogue["tokens"]
    owner = key(tokens["editor"])
    pkg = ok(reader.get("/api/3/action/package_show?id=secret-parking", headers=owner))
    assert pkg["private"] is True
    assert {"key": "visibility", "value": "restricted"} in pkg["extras"]
    resource_id = pkg["resources"][0]["id"]
    for headers in ({}, key(tokens["other"]), key(tokens["partner"])):
        error = failed(
            reader.get("/api/3/action/package_show?id=secret-parking", headers=headers),
            404,
            "Not Found Error",
        )
        assert error["message"].startswith("Not found: ")
        failed(
            reader.get(f"/api/3/action/resource_show?id={resource_id}", headers=headers),
            404,
            "Not Found Error",
        )
        found = ok(
            reader.post(
                "/api/3/action/package_search",
                json={"q": "주차", "include_private": True, "facet.field": ["tags"]},
                headers=headers,
            )
        )
        assert "secret-parking" not in [r["name"] for r in found["results"]]
        assert found["facets"]["tags"].get("단속") is None
    # a bad token is refused, not treated as anonymous
    error = failed(
        reader.get("/api/3/action/package_list", headers=key("hc_not-a-token")), 403, "Authorization Error"
    )
    assert "API" in error["message"]


def test_package_search_filters_pages_sorts_and_facets(
    reader: TestClient, shared_catalogue: dict[str, Any]
) -> None:
    def search(**params: Any) -> dict[str, Any]:
        result: dict[str, Any] = ok(reader.post("/api/3/action/package_search", json=params))
        return result

    found = search(q="주차")  # Korean-aware: finds 주차장 and 주차위반
    assert sorted(r["name"] for r in found["results"]) == ["parking-fines", "public-parking"]
    assert found["count"] == 2 and found["results"][0]["resources"] is not None
    assert search(q="*:*")["count"] == 3
    assert [r["name"] for r in search(fq="organization:transport")["results"]] == ["parking-fines"]
    assert [r["name"] for r in search(fq="tags:주차장")["results"]] == ["public-parking"]
    assert [r["name"] for r in search(fq='tags:"교통"')["results"]] == ["public-parking"]
    assert [r["name"] for r in search(fq="res_format:CSV")["results"]] == ["public-parking"]
    assert sorted(r["name"] for r in search(fq="groups:transport")["results"]) == [
        "parking-fines",
        "public-parking",
    ]
    assert [r["name"] for r in search(fq="license_id:kogl-2")["results"]] == ["population"]
    both = search(q="주차", fq="+organization:ai-policy +dataset_type:dataset")
    assert [r["name"] for r in both["results"]] == ["public-parking"]
    # paging and sorting
    by_title = search(sort="title_string asc", rows=2)
    assert [r["title"] for r in by_title["results"]] == sorted(
        r["title"] for r in search(rows=10)["results"]
    )[:2]
    assert len(search(rows=1, start=2)["results"]) == 1 and search(rows=0)["results"] == []
    newest = search(sort="metadata_created desc")["results"]
    assert newest[0]["name"] == "parking-fines"
    # facets in CKAN's two shapes
    faceted = search(
        **{"facet.field": json.dumps(["organization", "groups", "tags", "res_format", "license_id"])}
    )
    assert faceted["facets"]["organization"] == {"ai-policy": 2, "transport": 1}
    assert faceted["facets"]["groups"] == {"transport": 2, "public-admin": 1}
    assert faceted["facets"]["res_format"] == {"CSV": 1}
    assert faceted["facets"]["tags"] == {"과태료": 1, "교통": 1, "인구": 1, "주차장": 1}
    orgs = faceted["search_facets"]["organization"]
    assert orgs["title"] == "organization"
    assert orgs["items"][0] == {"name": "ai-policy", "display_name": "인공지능정책과", "count": 2}
    filtered = search(fq="organization:transport", **{"facet.field": ["organization"]})
    assert filtered["facets"]["organization"] == {"transport": 1}
    # what hubcity cannot search by is a Search Query Error, not a silent empty page
    error = failed(
        reader.get("/api/3/action/package_search?fq=num_resources:[1 TO *]"), 400, "Search Query Error"
    )
    assert "num_resources" in error["message"]
    failed(reader.get("/api/3/action/package_search?fq=-tags:x"), 400, "Search Query Error")
    failed(reader.get("/api/3/action/package_search?sort=colour asc"), 400, "Search Query Error")
    failed(reader.get("/api/3/action/package_search?rows=ten"), 409, "Validation Error")


def test_organizations_groups_tags_and_users(reader: TestClient, shared_catalogue: dict[str, Any]) -> None:
    names = ok(reader.get("/api/3/action/organization_list"))
    assert names == sorted(names) and {"ai-policy", "transport", "kepco"} <= set(names)
    full = ok(reader.get("/api/3/action/organization_list?all_fields=true&sort=package_count desc"))
    assert full[0]["name"] == "ai-policy" and full[0]["package_count"] == 2
    org = ok(reader.get("/api/3/action/organization_show?id=transport&include_datasets=true"))
    assert org["title"] == "대중교통과" and org["is_organization"] is True
    assert [p["name"] for p in org["packages"]] == ["parking-fines"] and "users" not in org
    failed(reader.get("/api/3/action/organization_show?id=nowhere"), 404, "Not Found Error")

    groups = ok(reader.get("/api/3/action/group_list?all_fields=true"))
    assert len(groups) == 16 and {g["name"] for g in groups} == set(THEMES)
    assert next(g for g in groups if g["name"] == "transport")["package_count"] == 2
    assert ok(reader.get("/api/3/action/group_show?id=transport"))["title"] == "교통물류"

    tags = ok(reader.get("/api/3/action/tag_list"))
    assert tags == sorted(["주차장", "교통", "인구", "과태료"]) and "단속" not in tags
    assert ok(reader.get("/api/3/action/tag_list?query=주차")) == ["주차장"]

    tokens = shared_catalogue["tokens"]
    failed(reader.get("/api/3/action/user_show?id=editor"), 403, "Authorization Error")
    me = ok(reader.get("/api/3/action/user_show", headers={"Authorization": tokens["editor"]}))
    assert me["name"] == "editor" and me["email"] == "" and me["organizations"][0]["name"] == "ai-policy"
    seen = ok(reader.get("/api/3/action/user_show?id=editor", headers=key(tokens["other"])))
    assert seen["fullname"] == "김편집" and "email" not in seen
    failed(
        reader.get("/api/3/action/user_show?id=nobody", headers=key(tokens["other"])), 404, "Not Found Error"
    )


def test_datastore_search_filters_sorts_and_pages(
    reader: TestClient, shared_catalogue: dict[str, Any]
) -> None:
    pkg = ok(reader.get("/api/3/action/package_show?id=public-parking"))
    rid = pkg["resources"][0]["id"]
    result = ok(reader.post("/api/3/action/datastore_search", json={"resource_id": rid}))
    assert [(f["id"], f["type"]) for f in result["fields"]] == [
        ("구", "text"),
        ("주차장명", "text"),
        ("주차면수", "int8"),
        ("개장일", "date"),
    ]
    assert result["total"] == 4 and len(result["records"]) == 4
    assert {"start", "next"} <= set(result["_links"])
    west = ok(
        reader.post(
            "/api/3/action/datastore_search",
            json={
                "resource_id": rid,
                "filters": {"구": "서구"},
                "sort": "주차면수 desc",
                "fields": ["주차장명", "주차면수"],
            },
        )
    )
    assert west["total"] == 2
    assert west["records"] == [
        {"주차장명": "상무지구 공영주차장", "주차면수": 1050},
        {"주차장명": "풍암 공영주차장", "주차면수": 85},
    ]
    # GET with JSON-encoded filters, q, limit and offset, as CKAN's own examples send them
    filters = json.dumps({"구": ["동구", "북구"]}, ensure_ascii=False)
    page = ok(
        reader.get(
            "/api/3/action/datastore_search",
            params={"resource_id": rid, "filters": filters, "sort": "개장일", "limit": 1, "offset": 1},
        )
    )
    assert page["total"] == 2 and page["records"][0]["주차장명"] == "첨단 공영주차장"
    assert "offset=2" in page["_links"]["next"]
    assert (
        ok(reader.get("/api/3/action/datastore_search", params={"resource_id": rid, "q": "상무"}))["total"]
        == 1
    )
    as_lists = ok(
        reader.get(
            "/api/3/action/datastore_search",
            params={"resource_id": rid, "records_format": "lists", "limit": 1},
        )
    )
    assert as_lists["records"] == [["동구", "충장로 공영주차장", 120, "2019-03-01"]]
    error = failed(
        reader.post("/api/3/action/datastore_search", json={"resource_id": rid, "filters": {"색깔": "빨강"}}),
        409,
        "Validation Error",
    )
    assert "색깔" in json.dumps(error, ensure_ascii=False)
    failed(reader.get("/api/3/action/datastore_search?resource_id=999999"), 404, "Not Found Error")


def test_datastore_search_sql_reads_resources_by_id_under_the_callers_rights(
    reader: TestClient, shared_catalogue: dict[str, Any]
) -> None:
    tokens = shared_catalogue["tokens"]
    rid = ok(reader.get("/api/3/action/package_show?id=public-parking"))["resources"][0]["id"]
    secret = ok(reader.get("/api/3/action/package_show?id=secret-parking", headers=key(tokens["editor"])))
    secret_id = secret["resources"][0]["id"]
    sql = f'SELECT "구", sum("주차면수") AS total FROM "{rid}" GROUP BY "구" ORDER BY total DESC'
    result = ok(reader.post("/api/3/action/datastore_search_sql", json={"sql": sql}))
    assert result["records"][0] == {"구": "서구", "total": 1135}
    assert [f["id"] for f in result["fields"]] == ["구", "total"] and result["fields"][1]["type"] in (
        "int8",
        "numeric",
    )
    # the restricted table does not exist for the public; its owner reads it
    failed(
        reader.get("/api/3/action/datastore_search_sql", params={"sql": f'SELECT * FROM "{secret_id}"'}),
        409,
        "Validation Error",
    )
    own = ok(
        reader.get(
            "/api/3/action/datastore_search_sql",
            params={"sql": f'SELECT count(*) AS n FROM "{secret_id}"'},
            headers=key(tokens["editor"]),
        )
    )
    assert own["records"] == [{"n": 1}]
    error = failed(
        reader.post("/api/3/action/datastore_search_sql", json={"sql": f'DELETE FROM "{rid}"'}),
        409,
        "Validation Error",
    )
    assert error["query"]
