"""Every page renders, for anonymous and signed-in users, and says what a user expects to read."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.factories import login
from tests.web.ui.conftest import soup, text_of


def test_home_shows_tagline_search_datasets_and_orgs(client: TestClient, catalog: dict[str, Any]) -> None:
    resp = client.get("/")
    assert resp.status_code == 200
    page = soup(resp)
    assert page.html is not None and page.html["lang"] == "ko"
    assert "데이터 기반 행정" in page.select_one(".tagline").get_text()
    form = page.select_one("form[role=search]")
    assert form["action"] == "/datasets" and form.select_one("input[name=q]") is not None
    assert page.select_one("label[for=home-q]") is not None
    titles = [a.get_text(strip=True) for a in page.select(".dataset-card h3 a")]
    assert "행정동별 인구" in titles
    assert "비공개 계획" not in titles and "버스 승차 인원" not in titles  # not for anonymous readers
    assert "인공지능정책과" in text_of(resp)
    assert page.select_one("a.json-link")["href"] == "/?format=json"


def test_dataset_list_filters_with_counts_search_and_sort(
    client: TestClient, catalog: dict[str, Any]
) -> None:
    page = soup(client.get("/datasets"))
    facet_text = page.select_one("aside.filters").get_text(" ", strip=True)
    assert "공공행정" in facet_text and "공공누리 제1유형" in facet_text and "CSV" in facet_text
    theme_link = next(a for a in page.select(".facet a") if "공공행정" in a.get_text())
    assert "theme=public-admin" in theme_link["href"]

    filtered = soup(client.get("/datasets?theme=public-admin&sort=title"))
    assert "검색 결과 1건" in filtered.get_text()
    assert filtered.select_one(".facet li.active") is not None
    assert filtered.select_one("select#sort option[selected]")["value"] == "title"

    none = client.get("/datasets?q=존재하지않는단어")
    assert "조건에 맞는 데이터셋이 없습니다" in text_of(none)
    by_format = soup(client.get("/datasets?res_format=csv"))
    assert [a.get_text(strip=True) for a in by_format.select(".dataset-card h3 a")] == ["행정동별 인구"]


def test_dataset_list_paging(client: TestClient, services: Any, city: dict[str, Any]) -> None:
    from tests.factories import make_dataset

    for i in range(23):
        make_dataset(services, name=f"ds-{i:02d}", title=f"데이터 {i:02d}")
    first = soup(client.get("/datasets?sort=title"))
    assert len(first.select(".dataset-card")) == 20
    assert "1 / 2 쪽" in first.select_one("nav.pager").get_text()
    second = soup(client.get(first.select_one("a[rel=next]")["href"]))
    assert len(second.select(".dataset-card")) == 3


def test_dataset_page_shows_metadata_preview_profile_quality_versions(
    client: TestClient, catalog: dict[str, Any]
) -> None:
    resp = client.get("/datasets/population")
    assert resp.status_code == 200
    page = soup(resp)
    assert page.select_one("h1").get_text(" ", strip=True).startswith("행정동별 인구")
    assert page.select_one(".badge-public").get_text(strip=True) == "공개"
    meta = page.select_one(".ds-meta").get_text(" ", strip=True)
    for expected in (
        "인공지능정책과",
        "김데이터",
        "공공행정",
        "공공누리 제1유형",
        "월간",
        "광주광역시",
        "인구",
    ):
        assert expected in meta
    headers = [th.get_text(strip=True) for th in page.select("table.preview thead th")]
    assert headers == ["#", "행정동", "인구수", "기준일"]
    cells = [td.get_text(strip=True) for td in page.select("table.preview tbody tr")[0].select("td")]
    assert cells[1] == "충장동" and cells[2] == "1234"
    profile = page.select_one("table.profile").get_text(" ", strip=True)
    assert "integer" in profile and "충장동" in profile
    quality = page.select_one("table.quality").get_text(" ", strip=True)
    assert "완전성" in quality and "%" in quality
    assert page.select_one(".score-value").get_text(strip=True)
    versions = page.select_one("table.versions").get_text(" ", strip=True)
    assert "v1" in versions and "cp949" in versions and "system" in versions
    downloads = {a["href"] for a in page.select(".dl-list a")}
    base = "/api/v1/datasets/population/resources/population/download?format="
    for fmt in ("csv", "csv-cp949", "xlsx", "parquet", "json", "source"):
        assert f"{base}{fmt}&version=1" in downloads
    # the links work
    csv = client.get(f"{base}csv-cp949&version=1")
    assert csv.status_code == 200 and "충장동".encode("cp949") in csv.content


def test_dataset_page_counts_a_view(client: TestClient, catalog: dict[str, Any]) -> None:
    client.get("/datasets/population")
    client.get("/datasets/population")
    client.app.state.services.catalog.usage.flush()  # type: ignore[attr-defined]
    data = client.get("/api/v1/datasets/population").json()
    assert data["view_count"] >= 2


def test_older_version_is_viewable(
    client: TestClient, services: Any, catalog: dict[str, Any], tmp_path: Any
) -> None:
    from tests.factories import upload
    from tests.web.ui.conftest import write_cp949_csv

    from hubcity.domain.accounts import SYSTEM

    src = write_cp949_csv(tmp_path / "v2.csv", [("양림동", "5,000", "2024.04.01")])
    upload(services, SYSTEM, "population", src, copy_to=tmp_path / "up2" / "v2.csv", resource="population")
    current = soup(client.get("/datasets/population?resource=population"))
    assert "양림동" in current.select_one("table.preview").get_text()
    old = soup(client.get("/datasets/population?resource=population&version=1"))
    assert "충장동" in old.select_one("table.preview").get_text()
    assert "버전 1" in old.select_one(".notice").get_text()
    assert client.get("/datasets/population?resource=population&version=9").status_code == 404


def test_restricted_dataset_is_404_for_outsiders_and_visible_to_its_org(
    client: TestClient, catalog: dict[str, Any]
) -> None:
    resp = client.get("/datasets/secret-plan")
    assert resp.status_code == 404
    page = soup(resp)
    assert "찾을 수 없습니다" in page.get_text() and "not found" in page.get_text()
    assert page.select_one("a[href='/']") is not None
    assert "비공개 계획" not in page.get_text()

    login(client, "other")  # an editor of another department
    assert client.get("/datasets/secret-plan").status_code == 404
    assert client.get("/datasets/bus-ridership").status_code == 200  # internal: city staff
    client.post("/logout", data={"csrf": _csrf(client)})

    login(client, "member")
    resp = client.get("/datasets/secret-plan")
    assert resp.status_code == 200 and "비공개 계획" in text_of(resp)
    assert soup(resp).select_one(".badge-restricted") is not None


def _csrf(client: TestClient) -> str:
    page = soup(client.get("/login"))
    return str(page.select_one("input[name=csrf]")["value"])


def test_orgs_tree_and_org_page(client: TestClient, catalog: dict[str, Any]) -> None:
    page = soup(client.get("/orgs"))
    top = page.select("main > ul.tree > li")
    assert "광주광역시" in top[0].get_text()
    nested = top[0].select("ul.tree li")
    assert any(
        "인공지능정책과" in li.get_text() and "과" in li.select_one(".kind").get_text() for li in nested
    )
    assert "협력기관" in page.get_text()  # KEPCO's kind label

    org = client.get("/orgs/ai-policy")
    assert org.status_code == 200
    org_page = soup(org)
    assert "광주광역시" in org_page.select_one("nav.crumbs").get_text()
    assert "행정동별 인구" in org_page.get_text()
    assert "비공개 계획" not in org_page.get_text()
    assert client.get("/orgs/no-such-org").status_code == 404


def test_signed_in_header_and_pages(client: TestClient, catalog: dict[str, Any]) -> None:
    login(client, "editor")
    home = soup(client.get("/"))
    assert "김편집" in home.select_one("header").get_text()
    assert home.select_one("header form[action='/logout'] input[name=csrf]") is not None
    for url in ("/datasets/new", "/datasets/population/upload", "/me/tokens", "/orgs", "/datasets"):
        assert client.get(url).status_code == 200, url
    page = soup(client.get("/datasets/population"))
    assert page.select_one("a[href='/datasets/population/upload']") is not None


def test_anonymous_is_sent_to_login_for_editor_pages(client: TestClient, catalog: dict[str, Any]) -> None:
    for url in ("/datasets/new", "/datasets/population/upload", "/me/tokens"):
        resp = client.get(url, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"].startswith("/login?next=")
    assert soup(client.get("/datasets/population")).select_one("a[href$='/upload']") is None


def test_non_editor_cannot_open_the_upload_page(client: TestClient, catalog: dict[str, Any]) -> None:
    login(client, "member")
    resp = client.get("/datasets/population/upload")
    assert resp.status_code == 403
    assert "권한" in text_of(resp)


def test_unknown_page_and_static_files(client: TestClient) -> None:
    resp = client.get("/no/such/page")
    assert resp.status_code == 404 and "요청한 주소를 찾을 수 없습니다" in text_of(resp)
    css = client.get("/static/hubcity.css")
    assert css.status_code == 200 and "Malgun Gothic" in css.text
    assert client.get("/static/hubcity.js").status_code == 200
    assert client.get("/static/../app.py").status_code == 404
