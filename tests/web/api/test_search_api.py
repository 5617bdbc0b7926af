"""/api/v1/search: Korean words find what they mean, under each user's rights."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from hubcity.bootstrap import Services
from tests.factories import api_token, make_dataset, upload


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def catalogue(services: Services, city: dict[str, Any]) -> dict[str, Any]:
    editor = city["actors"]["editor"]
    other = city["actors"]["other"]
    make_dataset(
        services,
        editor,
        name="public-parking",
        title="광주광역시 공영주차장 현황",
        title_en="Public parking lots",
        keywords=["주차장", "교통"],
        theme="transport",
        description="구별 공영주차장의 위치와 주차면 수입니다.",
    )
    make_dataset(
        services,
        other,
        name="parking-fines",
        title="주차위반 과태료 부과 현황",
        owner_org="transport",
        keywords=["과태료"],
        theme="transport",
    )
    make_dataset(
        services,
        editor,
        name="population",
        title="행정동별 인구현황",
        title_en="Population by dong",
        keywords=["인구"],
        theme="public-admin",
    )
    make_dataset(
        services, editor, name="households", title="세대 및 인구 수", keywords=["세대"], theme="public-admin"
    )
    make_dataset(
        services,
        editor,
        name="chungjang-complaints",
        title="충장동 민원 접수 현황",
        keywords=["민원"],
        theme="public-admin",
    )
    make_dataset(
        services,
        editor,
        name="internal-parking",
        title="관용차 주차 배정표",
        visibility="internal",
        theme="transport",
    )
    make_dataset(
        services,
        editor,
        name="restricted-parking",
        title="주차 단속 요원 명단",
        visibility="restricted",
        theme="transport",
    )
    return city


def _names(body: dict[str, Any]) -> list[str]:
    return [hit["dataset"]["name"] for hit in body["results"]]


def _search(client: TestClient, q: str, token: str | None = None, **params: Any) -> dict[str, Any]:
    res = client.get("/api/v1/search", params={"q": q, **params}, headers=_auth(token) if token else {})
    assert res.status_code == 200, res.text
    body: dict[str, Any] = res.json()
    assert body["count"] == len(body["results"]) or body["count"] > body["limit"]
    return body


def test_a_word_finds_the_compounds_that_contain_it(client: TestClient, catalogue: dict[str, Any]) -> None:
    body = _search(client, "주차")
    # anonymous: only public datasets; '주차' is inside '공영주차장' and '주차위반'
    assert set(_names(body)) == {"public-parking", "parking-fines"}
    assert body["facets"]["theme"] == {"transport": 2}


def test_particles_do_not_break_a_match(client: TestClient, catalogue: dict[str, Any]) -> None:
    assert _names(_search(client, "주차장을"))[0] == "public-parking"
    assert set(_names(_search(client, "인구는"))) == {"population", "households"}
    assert "chungjang-complaints" in _names(_search(client, "충장동의 민원"))


def test_spacing_variants_find_the_same_dataset(client: TestClient, catalogue: dict[str, Any]) -> None:
    assert "population" in _names(_search(client, "인구 현황"))
    assert "population" in _names(_search(client, "인구현황"))


def test_every_word_must_match(client: TestClient, catalogue: dict[str, Any]) -> None:
    assert _names(_search(client, "주차 과태료")) == ["parking-fines"]
    assert _search(client, "주차 세대")["count"] == 0


def test_english_words_find_english_titles(client: TestClient, catalogue: dict[str, Any]) -> None:
    assert _names(_search(client, "parking")) == ["public-parking"]


def test_the_title_outranks_the_description(
    client: TestClient, services: Services, catalogue: dict[str, Any]
) -> None:
    make_dataset(
        services,
        catalogue["actors"]["editor"],
        name="bus-stops",
        title="버스 정류장 위치",
        description="정류장 주변 공영주차장 정보는 별도 데이터셋을 보세요.",
    )
    names = _names(_search(client, "공영주차장"))
    assert names[:2] == ["public-parking", "bus-stops"]


def test_results_say_why_they_matched(client: TestClient, catalogue: dict[str, Any]) -> None:
    hit = _search(client, "주차장")["results"][0]
    assert hit["dataset"]["name"] == "public-parking"
    assert "title" in hit["matched"] and "keywords" in hit["matched"]
    assert "<mark>주차장</mark>" in hit["highlight"]["title"]
    assert "<mark>" in hit["highlight"]["description"]


def test_visibility_applies_to_results_and_facets(
    client: TestClient, services: Services, catalogue: dict[str, Any]
) -> None:
    actors = catalogue["actors"]
    anonymous = _search(client, "주차")
    staff = _search(client, "주차", api_token(services, actors["other"]))
    owner = _search(client, "주차", api_token(services, actors["member"]))
    admin = _search(client, "주차", api_token(services, actors["admin"]))
    assert "internal-parking" not in _names(anonymous)
    assert set(_names(staff)) == {"public-parking", "parking-fines", "internal-parking"}
    assert set(_names(owner)) == set(_names(staff)) | {"restricted-parking"}
    assert admin["count"] == owner["count"] == 4
    assert staff["facets"]["theme"] == {"transport": 3}
    assert staff["facets"]["org"] == {"ai-policy": 2, "transport": 1}
    # the restricted dataset leaves no trace in what others see: not in counts, not in facets
    assert anonymous["count"] == 2 and anonymous["facets"]["org"] == {"ai-policy": 1, "transport": 1}


def test_facet_filters_narrow_the_results(client: TestClient, catalogue: dict[str, Any]) -> None:
    body = _search(client, "현황", facet="org:transport")
    assert _names(body) == ["parking-fines"]
    # a facet's own counts ignore its own filter, so the other organisations stay choosable
    assert body["facets"]["org"]["ai-policy"] >= 2
    bad = client.get("/api/v1/search", params={"q": "현황", "facet": "colour:red"})
    assert bad.status_code == 422
    assert bad.json()["error"] and bad.json()["error_en"].startswith("facet must")


def test_changes_reach_the_index(client: TestClient, services: Services, catalogue: dict[str, Any]) -> None:
    editor = catalogue["actors"]["editor"]
    assert _search(client, "미세먼지")["count"] == 0
    services.catalog.update_dataset(editor, "households", {"keywords": ["세대", "미세먼지"]})
    assert _names(_search(client, "미세먼지")) == ["households"]
    services.catalog.delete_dataset(editor, "households")
    assert _search(client, "미세먼지")["count"] == 0


def test_column_names_are_searchable(
    client: TestClient, services: Services, catalogue: dict[str, Any], tmp_path: Path
) -> None:
    editor = catalogue["actors"]["editor"]
    src = tmp_path / "ev.csv"
    src.write_bytes("충전소명,급속충전기수\n첨단충전소,4\n".encode("cp949"))
    upload(services, editor, "households", src, copy_to=tmp_path / "up" / "ev.csv")
    hit = _search(client, "충전기")["results"][0]
    assert hit["dataset"]["name"] == "households"
    assert set(hit["matched"]) == {"columns"}  # found by a column name alone


def test_searches_that_found_nothing_are_counted_for_staff(
    client: TestClient, services: Services, catalogue: dict[str, Any]
) -> None:
    for _ in range(3):
        _search(client, "반려동물 등록")
    _search(client, "주차")  # found something: not counted
    staff = api_token(services, catalogue["actors"]["other"])
    misses = client.get("/api/v1/search/misses", headers=_auth(staff)).json()
    assert [(m["query"], m["count"]) for m in misses] == [("반려동물 등록", 3)]
    assert client.get("/api/v1/search/misses").status_code in (401, 403)


def test_the_dataset_list_searches_the_same_way(client: TestClient, catalogue: dict[str, Any]) -> None:
    body = client.get("/api/v1/datasets", params={"q": "주차장을"}).json()
    assert [d["name"] for d in body["items"]][0] == "public-parking"
    page = client.get("/datasets", params={"q": "주차"})
    assert page.status_code == 200
    assert "<mark>주차</mark>" in page.text


# -- did you mean ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("주차징", "주차장"),  # one vowel: ㅣ for ㅏ
        ("인구헨황", "인구현황"),  # ㅔ for ㅕ
        ("충잔동", "충장동"),  # a final consonant
        ("parkng", "parking"),
        ("wnckwkd", "주차장"),  # typed with the keyboard in English mode
    ],
)
def test_a_misspelt_query_gets_a_suggestion(
    client: TestClient, catalogue: dict[str, Any], typo: str, meant: str
) -> None:
    body = _search(client, typo)
    assert body["suggestion"] == meant
    assert _search(client, meant)["count"] > body["count"]


def test_a_suggestion_keeps_the_other_words_and_the_particles(
    client: TestClient, catalogue: dict[str, Any]
) -> None:
    assert _search(client, "주차징을")["suggestion"] == "주차장을"
    assert _search(client, "충장동의 민언")["suggestion"] == "충장동의 민원"


def test_no_suggestion_for_what_is_spelt_right(client: TestClient, catalogue: dict[str, Any]) -> None:
    for q in ("주차장", "인구 현황", "parking", "충장동의 민원"):
        assert _search(client, q)["suggestion"] is None
    # a word that is in no dataset and near none gets nothing either
    assert _search(client, "블록체인")["suggestion"] is None


def test_a_suggestion_never_reveals_what_the_user_may_not_read(
    client: TestClient, services: Services, catalogue: dict[str, Any]
) -> None:
    # '관용차' is only in an internal dataset: no hint of it for a citizen, a correction for staff
    assert _search(client, "관용처")["suggestion"] is None
    staff = api_token(services, catalogue["actors"]["other"])
    assert _search(client, "관용처", staff)["suggestion"] == "관용차"


def test_the_dataset_list_offers_the_suggestion_as_a_link(
    client: TestClient, catalogue: dict[str, Any]
) -> None:
    page = BeautifulSoup(client.get("/datasets", params={"q": "주차징"}).text, "html.parser")
    hint = page.select_one(".suggestion")
    assert hint is not None and "이것을 찾으셨나요?" in hint.text
    link = hint.select_one("a")
    assert link is not None and link.text.strip() == "주차장"
    assert "주차장" in unquote(str(link["href"]))
    assert client.get("/datasets", params={"q": "주차징", "format": "json"}).json()["suggestion"] == "주차장"


# -- facets: update cycle and 자치구 ------------------------------------------------------------------


@pytest.fixture
def districts(services: Services, catalogue: dict[str, Any]) -> dict[str, Any]:
    editor, other = catalogue["actors"]["editor"], catalogue["actors"]["other"]
    make_dataset(
        services,
        other,
        name="seogu-enforcement",
        owner_org="transport",
        title="서구 불법주정차 단속 현황",
        keywords=["주차단속"],
        spatial_coverage="광주광역시 서구",
        update_cycle="monthly",
        theme="transport",
    )
    make_dataset(
        services,
        editor,
        name="bukgu-resident-parking",
        title="북구 거주자우선주차구역 현황",
        spatial_coverage="광주광역시 북구",
        update_cycle="quarterly",
        theme="transport",
    )
    make_dataset(
        services,
        editor,
        name="bukgu-parking-staff",
        title="북구 주차관리 인력 배치",
        spatial_coverage="광주광역시 북구 운암동",
        update_cycle="quarterly",
        visibility="internal",
        theme="transport",
    )
    make_dataset(
        services,
        editor,
        name="two-districts-parking",
        title="동구·남구 공동 주차장 조사",
        spatial_coverage="광주광역시 동구, 남구",
        theme="transport",
    )
    return catalogue


def test_district_and_update_cycle_facets_follow_visibility(
    client: TestClient, services: Services, districts: dict[str, Any]
) -> None:
    anonymous = _search(client, "주차")
    # city-wide and two-district coverage give no 자치구
    assert anonymous["facets"]["district"] == {"서구": 1, "북구": 1}
    assert anonymous["facets"]["update_cycle"] == {"monthly": 1, "quarterly": 1}
    staff = _search(client, "주차", api_token(services, districts["actors"]["other"]))
    assert staff["facets"]["district"] == {"서구": 1, "북구": 2}
    assert staff["facets"]["update_cycle"] == {"monthly": 1, "quarterly": 2}


def test_district_and_update_cycle_filter_the_results(client: TestClient, districts: dict[str, Any]) -> None:
    by_facet = _search(client, "주차", facet="district:북구")
    by_param = _search(client, "주차", district="북구")
    assert _names(by_facet) == _names(by_param) == ["bukgu-resident-parking"]
    # the district facet ignores its own filter, the others apply it
    assert by_facet["facets"]["district"] == {"서구": 1, "북구": 1}
    assert by_facet["facets"]["theme"] == {"transport": 1}
    assert _names(_search(client, "주차", facet="update_cycle:monthly")) == ["seogu-enforcement"]
    assert _search(client, "주차", district="중구")["count"] == 0


def test_listing_without_words_has_the_same_facets(client: TestClient, districts: dict[str, Any]) -> None:
    everything = _search(client, "")
    assert everything["facets"]["district"] == {"서구": 1, "북구": 1}
    assert everything["facets"]["update_cycle"] == {"monthly": 1, "quarterly": 1}
    assert _names(_search(client, "", district="서구")) == ["seogu-enforcement"]


def test_the_dataset_list_filters_by_district(client: TestClient, districts: dict[str, Any]) -> None:
    page = BeautifulSoup(client.get("/datasets", params={"q": "주차"}).text, "html.parser")
    headings = [h.text for h in page.select(".filters .facet h3")]
    assert "자치구" in headings and "갱신 주기" in headings
    link = next(a for a in page.select(".filters .facet a") if "북구" in a.text)
    filtered = BeautifulSoup(client.get(str(link["href"])).text, "html.parser")
    assert [a["href"] for a in filtered.select(".cards h3 a")] == ["/datasets/bukgu-resident-parking"]
    assert "분기" in page.text  # the update cycle by its Korean name


def test_search_results_sort_by_title_and_by_date(client: TestClient, districts: dict[str, Any]) -> None:
    by_title = _search(client, "주차", sort="title")
    titles = [hit["dataset"]["title"] for hit in by_title["results"]]
    assert titles == sorted(titles) and len(titles) == by_title["count"] == 5
    by_date = _search(client, "주차", sort="created", limit=2, page=2)
    newest_first = [hit["dataset"]["name"] for hit in _search(client, "주차", sort="created")["results"]]
    assert _names(by_date) == newest_first[2:4]
