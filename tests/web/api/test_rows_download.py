"""Rows without SQL, past the page: filtered downloads with no row cap (CSV and JSON Lines), versions
as of a moment, and cursors that keep to their version while a new one is published."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hubcity.bootstrap import Services, bootstrap
from hubcity.domain.accounts import SYSTEM
from hubcity.settings import Settings
from hubcity.web.app import create_app
from tests.factories import make_city, make_dataset, upload
from tests.services.test_personal import write_people

GU = ["동구", "서구", "남구", "북구", "광산구"]
CAP = 50


def write_counts(path: Path, rows: int, *, scale: int = 1) -> Path:
    lines = ["번호,자치구,인구수,메모"]
    lines += [f"{i},{GU[i % 5]},{(i * 37) % 1000 * scale},메모 {i}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def capped(settings: Settings) -> Iterator[Services]:
    """Services whose row cap is 50, so that 'no cap for downloads' can be seen."""
    small = settings.model_copy(update={"query": settings.query.model_copy(update={"row_limit": CAP})})
    svc = bootstrap(small, immediate=True)
    svc.migrate()
    make_city(svc)
    yield svc
    svc.close()


@pytest.fixture
def api(capped: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=capped)) as c:
        yield c


@pytest.fixture
def counts(capped: Services, tmp_path: Path) -> Path:
    make_dataset(capped, name="counts", title="자치구별 인구", owner_org="transport", visibility="public")
    src = write_counts(tmp_path / "counts.csv", 500)
    job = upload(capped, SYSTEM, "counts", src, copy_to=tmp_path / "u1" / "counts.csv", resource="rows")
    assert job.state == "succeeded", job.error
    return src


def csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


URL = "/api/v1/datasets/counts/resources/rows"


def test_a_filtered_download_has_every_row_past_the_cap_in_order_with_its_columns(
    api: TestClient, counts: Path
) -> None:
    page = api.get(f"{URL}/rows", params={"자치구": "동구", "limit": 500}).json()
    assert page["total"] == 100 and len(page["rows"]) == CAP  # a page stops at the cap

    got = api.get(
        f"{URL}/rows", params={"format": "csv", "자치구": "동구", "sort": "-인구수", "select": "번호,인구수"}
    )
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/csv")
    assert "counts-rows-v1-filtered.csv" in got.headers["content-disposition"]
    rows = csv_rows(got.content)
    assert len(rows) == 100 and list(rows[0]) == ["번호", "인구수"]
    values = [int(r["인구수"]) for r in rows]
    assert values == sorted(values, reverse=True)
    assert {int(r["번호"]) % 5 for r in rows} == {0}

    lines = api.get(f"{URL}/download", params={"format": "jsonl", "인구수__gte": 900, "q": "메모 1"}).text
    records = [json.loads(line) for line in lines.splitlines()]
    expected = [i for i in range(500) if (i * 37) % 1000 >= 900 and "메모 1" in f"메모 {i}"]
    assert sorted(int(r["번호"]) for r in records) == expected and len(expected) > 0

    # the whole version without filters is still the plain download
    whole = api.get(f"{URL}/download", params={"format": "csv"})
    assert len(csv_rows(whole.content)) == 500 and "filtered" not in whole.headers["content-disposition"]


def test_download_mistakes_are_explained(api: TestClient, counts: Path) -> None:
    unknown = api.get(f"{URL}/download", params={"format": "csv", "없는열": "1"})
    assert unknown.status_code == 422 and "없는열" in unknown.json()["error"]
    source = api.get(f"{URL}/download", params={"format": "source", "자치구": "동구"})
    assert source.status_code == 422 and any(e["field"] == "format" for e in source.json()["errors"])
    typed = api.get(f"{URL}/rows", params={"format": "csv", "인구수__gt": "많이"})
    assert typed.status_code == 422


def test_as_of_reads_the_version_current_then(
    capped: Services, api: TestClient, counts: Path, tmp_path: Path
) -> None:
    between = datetime.now(UTC)
    time.sleep(0.05)
    src = write_counts(tmp_path / "v2.csv", 20, scale=10)
    upload(capped, SYSTEM, "counts", src, copy_to=tmp_path / "u2" / "counts.csv", resource="rows")

    assert api.get(f"{URL}/rows").json()["version"] == 2
    then = api.get(f"{URL}/rows", params={"as_of": between.isoformat()}).json()
    assert then["version"] == 1 and then["total"] == 500
    old = api.get(f"{URL}/download", params={"format": "csv", "as_of": between.isoformat(), "자치구": "서구"})
    assert "v1-filtered" in old.headers["content-disposition"] and len(csv_rows(old.content)) == 100
    agg = api.get(f"{URL}/aggregate", params={"group_by": "자치구", "as_of": between.isoformat()}).json()
    assert agg["version"] == 1
    before = (between - timedelta(days=1)).isoformat()
    missing = api.get(f"{URL}/rows", params={"as_of": before})
    assert missing.status_code == 404 and "no version" in missing.json()["error_en"]


def test_a_cursor_keeps_to_its_version_while_a_new_one_is_published(
    capped: Services, api: TestClient, counts: Path, tmp_path: Path
) -> None:
    params: dict[str, Any] = {"자치구": "남구", "sort": "번호", "limit": 30}
    first = api.get(f"{URL}/rows", params=params).json()
    assert first["total"] == 100 and first["next_cursor"]
    src = write_counts(tmp_path / "v2.csv", 10, scale=10)
    upload(capped, SYSTEM, "counts", src, copy_to=tmp_path / "u2" / "counts.csv", resource="rows")

    seen = [r["번호"] for r in first["rows"]]
    cursor = first["next_cursor"]
    while cursor:
        page = api.get(f"{URL}/rows", params={**params, "cursor": cursor}).json()
        assert page["version"] == 1
        seen += [r["번호"] for r in page["rows"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 100  # no row twice, none missing
    assert sorted(map(int, seen)) == [i for i in range(500) if i % 5 == 2]
    # without a cursor the newest version answers
    assert api.get(f"{URL}/rows", params=params).json()["version"] == 2

    other = api.get(f"{URL}/rows", params={**params, "자치구": "북구", "cursor": first["next_cursor"]})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "cursor"
    garbage = api.get(f"{URL}/rows", params={"cursor": "!!not-a-cursor"})
    assert garbage.status_code == 422


def test_a_filtered_download_shows_no_hidden_column_and_is_audited(
    capped: Services, api: TestClient, tmp_path: Path
) -> None:
    make_dataset(capped, name="support", title="지원 현황", owner_org="ai-policy", visibility="public")
    src = write_people(tmp_path / "people.csv", rows=120, with_rrn=False)
    upload(capped, SYSTEM, "support", src, copy_to=tmp_path / "u" / "people.csv", resource="people")
    capped.personal.decide(
        SYSTEM, "support", "people", "연락처", "confirmed"
    )  # personal: hidden from readers
    url = "/api/v1/datasets/support/resources/people"
    got = api.get(f"{url}/download", params={"format": "csv", "읍면동": "충장동"})
    rows = csv_rows(got.content)
    assert rows and "연락처" not in rows[0] and set(rows[0]) == {"성명", "지원금액", "읍면동"}
    asked = api.get(f"{url}/download", params={"format": "csv", "select": "성명,연락처"})
    assert asked.status_code == 422 and "연락처" in asked.json()["error"]
    assert api.get(f"{url}/download", params={"format": "csv", "연락처__like": "010%"}).status_code == 422

    entries = capped.audit.list_entries(SYSTEM, dataset="support", action="export").items
    filtered = [e for e in entries if e.details.get("filters")]
    assert filtered and filtered[0].rows == len(rows)
    assert filtered[0].details["filters"] == ["읍면동 eq 충장동"]
    assert filtered[0].columns == ("성명", "지원금액", "읍면동")
