"""The query API: SQL over /api/v1/query, and rows filtered, sorted and aggregated per resource."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM
from tests.factories import api_token, make_dataset, upload

ROWS = [
    ("충장동", "동구", 3200, "2024-01-05", "불법주차 신고"),
    ("동명동", "동구", 4100, "2024-02-11", "공영주차장 요금 문의"),
    ("농성1동", "서구", 12800, "2024-02-20", "가로등 고장"),
    ("치평동", "서구", 35200, "2024-03-02", "주차 단속 요청"),
    ("봉선1동", "남구", 20100, "2024-03-15", "소음"),
    ("용봉동", "북구", 41000, "2024-04-01", "불법 주정차"),
]


@pytest.fixture
def parking(services: Services, city: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    make_dataset(services, name="complaints", title="민원 현황", owner_org="transport", visibility="public")
    make_dataset(services, name="secret", title="내부 자료", owner_org="transport", visibility="restricted")
    csv = tmp_path / "c.csv"
    lines = ["행정동,자치구,인구수,접수일,내용", *(",".join(map(str, r)) for r in ROWS)]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    upload(services, SYSTEM, "complaints", csv, copy_to=tmp_path / "u" / "c.csv", resource="rows")
    upload(services, SYSTEM, "secret", csv, copy_to=tmp_path / "u2" / "c.csv", resource="rows")
    return city


def _auth(services: Services, city: dict[str, Any], who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(services, city['actors'][who])}"}


def test_sql_over_the_api(client: TestClient, services: Services, parking: dict[str, Any]) -> None:
    sql = "SELECT 자치구, sum(인구수) AS 인구 FROM complaints.rows GROUP BY 자치구 ORDER BY 인구 DESC"
    resp = client.post("/api/v1/query", json={"sql": sql})  # public data: no sign-in needed
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["columns"] == [{"name": "자치구", "type": "VARCHAR"}, {"name": "인구", "type": "HUGEINT"}]
    assert body["rows"][0] == {"자치구": "서구", "인구": 48000}
    assert body["truncated"] is False and body["tables"] == ["complaints.rows@v1"]
    capped = client.post("/api/v1/query", json={"sql": "SELECT * FROM complaints.rows", "max_rows": 2}).json()
    assert len(capped["rows"]) == 2 and capped["truncated"] is True


def test_sql_errors_share_the_api_error_shape(
    client: TestClient, services: Services, parking: dict[str, Any]
) -> None:
    hidden = client.post("/api/v1/query", json={"sql": "SELECT * FROM secret.rows"})
    assert hidden.status_code == 400
    body = hidden.json()
    assert body["ok"] is False and "does not exist" in body["error_en"] and body["error"].startswith("SQL")
    owner = client.post(
        "/api/v1/query",
        json={"sql": "SELECT count(*) AS n FROM secret.rows"},
        headers=_auth(services, parking, "other"),
    )
    assert owner.status_code == 200 and owner.json()["rows"] == [{"n": 6}]
    escape = client.post("/api/v1/query", json={"sql": "SELECT * FROM read_csv('/etc/passwd')"})
    assert escape.status_code == 400 and "root:" not in escape.text
    empty = client.post("/api/v1/query", json={"sql": ""})
    assert empty.status_code == 422


def test_schema_browser_lists_only_readable_tables(
    client: TestClient, services: Services, parking: dict[str, Any]
) -> None:
    anon = client.get("/api/v1/query/tables").json()
    assert [t["name"] for t in anon] == ["complaints.rows"]
    assert [c["name"] for c in anon[0]["columns"]] == ["행정동", "자치구", "인구수", "접수일", "내용"]
    owner = client.get("/api/v1/query/tables", headers=_auth(services, parking, "other")).json()
    assert sorted(t["name"] for t in owner) == ["complaints.rows", "secret.rows"]
    plan = client.post(
        "/api/v1/query/explain", json={"sql": "SELECT 행정동 FROM complaints.rows WHERE 인구수 > 5"}
    )
    assert plan.status_code == 200 and "READ_PARQUET" in plan.json()["plan"].upper()


def test_rows_filters_sort_and_select(client: TestClient, parking: dict[str, Any]) -> None:
    base = "/api/v1/datasets/complaints/resources/rows/rows"
    resp = client.get(base, params={"자치구": "동구"})
    assert resp.status_code == 200, resp.text
    assert [r["행정동"] for r in resp.json()["rows"]] == ["충장동", "동명동"]
    body = client.get(
        base, params={"인구수__gt": "10000", "sort": "-인구수", "select": "행정동,인구수"}
    ).json()
    assert [r["행정동"] for r in body["rows"]] == ["용봉동", "치평동", "봉선1동", "농성1동"]
    assert set(body["rows"][0]) == {"행정동", "인구수"} and body["total"] == 4
    assert [c["name"] for c in body["columns"]] == ["행정동", "인구수"]
    body = client.get(base, params={"자치구__in": "남구,북구", "limit": 1}).json()
    assert body["total"] == 2 and len(body["rows"]) == 1
    body = client.get(base, params={"내용__like": "%주차%"}).json()
    assert [r["행정동"] for r in body["rows"]] == ["충장동", "동명동", "치평동"]
    body = client.get(base, params={"q": "주정차"}).json()
    assert [r["행정동"] for r in body["rows"]] == ["용봉동"]
    body = client.get(base, params={"접수일__gte": "2024-03-01", "접수일__lt": "2024-04-01"}).json()
    assert [r["행정동"] for r in body["rows"]] == ["치평동", "봉선1동"]


def test_rows_filter_mistakes_are_clear_not_500(client: TestClient, parking: dict[str, Any]) -> None:
    base = "/api/v1/datasets/complaints/resources/rows/rows"
    unknown = client.get(base, params={"없는열": "x"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "filters" and "없는열" in unknown.json()["error"]
    bad_value = client.get(base, params={"인구수__gt": "많이"})
    assert bad_value.status_code == 422 and "filter value" in bad_value.json()["error_en"]
    bad_sort = client.get(base, params={"sort": "nope"})
    assert bad_sort.status_code == 422
    hidden = client.get("/api/v1/datasets/secret/resources/rows/rows", params={"자치구": "동구"})
    assert hidden.status_code == 404


def test_aggregate(client: TestClient, parking: dict[str, Any]) -> None:
    base = "/api/v1/datasets/complaints/resources/rows/aggregate"
    resp = client.get(base, params=[("group_by", "자치구"), ("metric", "count"), ("metric", "sum:인구수")])
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["rows"][0] == {"자치구": "남구", "count": 1, "sum_인구수": 20100}
    assert {r["자치구"]: r["count"] for r in body["rows"]} == {"남구": 1, "동구": 2, "북구": 1, "서구": 2}
    filtered = client.get(
        base, params={"group_by": "자치구", "metric": "max:인구수", "자치구": "서구"}
    ).json()
    assert filtered["rows"] == [{"자치구": "서구", "max_인구수": 35200}]
    total = client.get(base, params={"metric": "avg:인구수"}).json()
    assert total["rows"] == [{"avg_인구수": pytest.approx(sum(r[2] for r in ROWS) / len(ROWS))}]
    wrong = client.get(base, params={"metric": "sum:자치구"})
    assert wrong.status_code == 422 and "numeric" in wrong.json()["error_en"]
    unknown = client.get(base, params={"metric": "median:인구수"})
    assert unknown.status_code == 422


def test_query_rate_is_limited_per_role_with_retry_after(
    client: TestClient, services: Services, parking: dict[str, Any]
) -> None:
    from hubcity.services.quota import QueryQuota

    quota = QueryQuota({"anonymous": 2, "member": 5, "editor": 3, "admin": 3, "sysadmin": 0})
    services.query.quota = services.resources.quota = quota
    sql = {"sql": "SELECT count(*) FROM complaints.rows"}
    rows = "/api/v1/datasets/complaints/resources/rows/rows"
    assert client.post("/api/v1/query", json=sql).status_code == 200
    assert client.get(rows, params={"자치구": "동구"}).status_code == 200  # rows and SQL share the quota
    over = client.post("/api/v1/query", json=sql)
    assert over.status_code == 429
    assert 1 <= int(over.headers["Retry-After"]) <= 60
    assert "분당 2회" in over.json()["error"] and over.json()["ok"] is False
    # a signed-in editor has a quota of their own, by role
    editor = _auth(services, parking, "other")
    codes = [client.post("/api/v1/query", json=sql, headers=editor).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # the operator's own actor (sysadmin) is never limited
    for _ in range(10):
        services.query.run(services.accounts.actor_for(services.accounts.find_user("admin").id), sql["sql"])
