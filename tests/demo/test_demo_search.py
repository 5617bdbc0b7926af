"""The demo city, loaded through the services: a citizen searching '주차' finds the parking data by 구."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hubcity.bootstrap import Services
from hubcity.demo.city import DATASETS
from hubcity.demo.loader import load_demo

PARKING = {
    "public-parking-lots",
    "resident-parking-bukgu",
    "illegal-parking-enforcement-seogu",
    "shared-parking-gwangsangu",
}


def test_an_anonymous_citizen_finds_the_parking_datasets_and_filters_by_district(
    services: Services, client: TestClient
) -> None:
    load_demo(services)
    body = client.get("/api/v1/search", params={"q": "주차"}).json()
    names = {hit["dataset"]["name"] for hit in body["results"]}
    assert names >= PARKING
    # the restricted 민원 table mentions parking too, but a citizen never sees it
    assert "civil-complaints" not in names
    assert all(d.visibility == "public" for d in DATASETS if d.name in names)
    assert body["facets"]["district"] == {"북구": 1, "서구": 1, "광산구": 1}
    only = client.get("/api/v1/search", params={"q": "주차", "district": "서구"}).json()
    assert [hit["dataset"]["name"] for hit in only["results"]] == ["illegal-parking-enforcement-seogu"]
    # each district dataset has a generated CSV to download
    res = client.get(
        "/api/v1/datasets/illegal-parking-enforcement-seogu/resources/enforcement-2025h1/download"
    )
    assert res.status_code == 200
    assert "단속일자" in res.content.decode("utf-8-sig").splitlines()[0]
