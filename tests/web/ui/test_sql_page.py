"""The SQL page: a citizen queries public tables, an official saves and shares a query."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.factories import login
from tests.web.ui.conftest import soup, text_of

from hubcity.bootstrap import Services

SQL = 'SELECT 행정동, 인구수 FROM "population"."population" ORDER BY 인구수 DESC'


def test_anonymous_user_queries_public_tables(anon: TestClient, catalog: dict[str, Any]) -> None:
    page = anon.get("/sql")
    assert page.status_code == 200
    browser = text_of(page)
    assert '"population"."population"' in browser and "행정동" in browser
    assert "bus-ridership" not in browser and "secret-plan" not in browser  # internal and restricted
    result = anon.get("/sql", params={"sql": SQL})
    assert result.status_code == 200
    cells = [
        [td.get_text() for td in tr.find_all("td")] for tr in soup(result).select("#sql-result tbody tr")
    ]
    assert cells[0] == ["계림1동", "12001"] and len(cells) == 3
    assert soup(result).select_one("#sql-input").get_text() == SQL
    twin = anon.get("/sql", params={"sql": SQL, "format": "json"}).json()
    assert twin["rows"][0] == {"행정동": "계림1동", "인구수": 12001}


def test_errors_are_shown_in_both_languages(anon: TestClient, catalog: dict[str, Any]) -> None:
    page = anon.get("/sql", params={"sql": 'SELECT * FROM "secret-plan".x'})
    assert page.status_code == 400
    alert = soup(page).select_one("[role=alert]").get_text(" ")
    assert "SQL 오류" in alert and "SQL error" in alert and "does not exist" in alert
    plan = anon.get("/sql", params={"sql": SQL, "explain": "1"})
    assert "READ_PARQUET" in soup(plan).select_one("pre.plan").get_text().upper()


def test_official_saves_and_shares_a_query(
    client: TestClient, services: Services, catalog: dict[str, Any]
) -> None:
    csrf = login(client, "editor")
    internal_sql = 'SELECT count(*) AS n FROM "population"."population"'
    saved = client.post(
        "/sql/save",
        data={
            "csrf": csrf,
            "sql": internal_sql,
            "title": "인구 행 수",
            "description": "점검용",
            "shared": "true",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    url = saved.headers["location"]
    page = client.get(url)
    assert "인구 행 수" in text_of(page) and soup(page).select_one("#sql-result td").get_text() == "3"
    assert "인구 행 수" in text_of(client.get("/sql"))  # listed among the user's saved queries
    api = client.get("/api/v1/queries").json()
    assert [q["title"] for q in api] == ["인구 행 수"] and api[0]["shared"] is True
    # without the CSRF token nothing is saved
    refused = client.post("/sql/save", data={"sql": internal_sql, "title": "x"}, follow_redirects=False)
    assert refused.status_code == 403
    # anyone with the link opens it; a private one stays private
    client.post("/logout", data={"csrf": csrf})
    assert client.get(url).status_code == 200
    query_id = url.rsplit("=", 1)[1]
    owner = services.accounts.find_user("editor")
    assert owner is not None
    services.query.update_saved(services.accounts.actor_for(owner.id), query_id, {"shared": False})
    assert client.get(url).status_code == 404
    assert client.post(f"/api/v1/queries/{query_id}/run").status_code == 404
