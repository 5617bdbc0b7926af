"""The text index of free-text columns: built at ingest, and never changes an answer."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from hubcity.adapters.db.tables import VersionRow
from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM
from hubcity.domain.query import Aggregate, RowFilter, RowQuery
from tests.factories import make_dataset, upload

HEADER = ["접수번호", "접수일자", "처리부서", "민원내용", "비고"]
TEXTS = [
    "{dong} 이면도로에 불법주차 차량이 줄지어 있어 통행이 어렵습니다",
    "{dong} 공영주차장 요금 정산기가 고장나 출차가 되지 않습니다",
    "{dong} 공영 주차장 확충을 요청합니다, 저녁마다 주차 공간이 부족합니다",
    "{dong} 가로등이 꺼져 있어 밤길 보행이 위험합니다 CCTV 설치 요청",
    "{dong} 쓰레기 무단투기가 계속되어 악취가 심합니다 cctv도 없습니다",
    "Parking lot at {dong} is FULL every evening; 주차 100% 만차",
    "{dong} 버스 정류장 안내단말기가 고장나 도착 정보가 나오지 않습니다_안내",
]
DONGS = ["충장동", "동명동", "농성1동", "치평동", "봉선1동", "용봉동", "수완동", "첨단1동"]
DEPTS = ["동구청 교통과", "서구청 건설과", "대중교통과", "북구청 환경과"]

NEEDLES = [
    "%주차%",
    "%공영주차장%",
    "%차%",  # one character: no bigram
    "%공영_차장%",  # _ between the pieces
    "%주차장 요금%",
    "충장동%",  # anchored at the start
    "%니다",  # anchored at the end
    "%CCTV%",  # case matters for LIKE
    "%cctv%",
    "%100\\%%",  # a backslash is a plain character in LIKE
    "%100%%",
    "%_안내",
    "%",
    "%%",
    "%없는말%",
    "Parking%FULL%",
]
QS = ["주차", "공영주차장", "cctv", "CCTV", "full", "차", "동", "없는말", "교통과"]


def _rows(n: int = 300) -> list[list[str]]:
    rng = random.Random(3)
    out = []
    for i in range(n):
        text = rng.choice(TEXTS).format(dong=rng.choice(DONGS)) + f" (#{i})"
        out.append([f"1AA-{i:05d}", f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", rng.choice(DEPTS), text, ""])
    return out


def _like(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern), re.S)


@pytest.fixture
def complaints(services: Services, city: dict[str, Any], tmp_path: Path) -> list[list[str]]:
    make_dataset(services, name="complaints", title="민원", owner_org="transport", visibility="public")
    rows = _rows()
    csv = tmp_path / "c.csv"
    body = [",".join(HEADER), *(",".join(f'"{v}"' if "," in v else v for v in r) for r in rows)]
    csv.write_text("\n".join(body) + "\n", encoding="utf-8")
    job = upload(services, SYSTEM, "complaints", csv, copy_to=tmp_path / "u" / "c.csv", resource="log")
    assert job.state == "succeeded", job.error
    return rows


def _plain_rows(services: Services, query: RowQuery) -> tuple[list[dict[str, Any]], int]:
    """The same question answered by a full scan of the data file, without any index."""
    _, _, ver = services.resources.get_version(SYSTEM, "complaints", "log")
    texts = [c["name"] for c in ver.columns if c["type"] == "text"]
    path = services.resources.lake.local_path(ver.parquet_key or "")
    return services.resources.reader.query_rows(
        path, query, columns=[c["name"] for c in ver.columns], text_columns=texts
    )


def test_free_text_column_gets_an_index_and_codes_do_not(services: Services, complaints: Any) -> None:
    _, _, ver = services.resources.get_version(SYSTEM, "complaints", "log")
    indexed = {c["name"] for c in ver.columns if c.get("text_index")}
    assert indexed == {
        "민원내용"
    }  # 접수번호 (short codes), 접수일자, 처리부서 (few values), 비고 (empty): none
    stem = next(c["text_index"] for c in ver.columns if c["name"] == "민원내용")
    folder = (ver.parquet_key or "").rpartition("/")[0]
    for part in ("values", "grams", "rows"):
        assert services.resources.lake.exists(f"{folder}/{stem}.{part}.parquet")


def test_like_filter_answers_as_a_full_scan(services: Services, complaints: list[list[str]]) -> None:
    for needle in NEEDLES:
        _check_like(services, complaints, needle)


def _check_like(services: Services, complaints: list[list[str]], needle: str) -> None:
    query = RowQuery(
        filters=(RowFilter("민원내용", "like", needle),), sort=(("접수번호", False),), limit=1000
    )
    page = services.resources.query_rows(SYSTEM, "complaints", "log", query)
    expected = [r[0] for r in complaints if _like(needle).fullmatch(r[3])]
    assert [r["접수번호"] for r in page.rows] == expected, needle
    assert page.total == len(expected)
    assert (page.rows, page.total) == _plain_rows(services, query)
    rows, _, _ = services.resources.aggregate(
        SYSTEM,
        "complaints",
        "log",
        group_by=["처리부서"],
        metrics=[Aggregate("count")],
        filters=query.filters,
        sort=(("count", True),),
        limit=3,
    )
    counts: dict[str, int] = {}
    for r in complaints:
        if _like(needle).fullmatch(r[3]):
            counts[r[2]] = counts.get(r[2], 0) + 1
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    assert [(r["처리부서"], r["count"]) for r in rows] == top


def test_q_answers_as_a_full_scan(services: Services, complaints: list[list[str]]) -> None:
    for q in QS:
        query = RowQuery(q=q, sort=(("접수번호", False),), limit=1000)
        page = services.resources.query_rows(SYSTEM, "complaints", "log", query)
        expected = [r[0] for r in complaints if any(q.lower() in v.lower() for v in r)]
        assert [r["접수번호"] for r in page.rows] == expected, q
        assert (page.rows, page.total) == _plain_rows(services, query)


def test_top_ten_through_the_api(client: TestClient, services: Services, complaints: list[list[str]]) -> None:
    resp = client.get(
        "/api/v1/datasets/complaints/resources/log/aggregate",
        params={"group_by": "처리부서", "민원내용__like": "%주차%", "sort": "-count", "limit": 2},
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    counts: dict[str, int] = {}
    for r in complaints:
        if "주차" in r[3]:
            counts[r[2]] = counts.get(r[2], 0) + 1
    assert [(r["처리부서"], r["count"]) for r in body["rows"]] == sorted(
        counts.items(), key=lambda kv: (-kv[1], kv[0])
    )[:2]
    assert body["truncated"] is True
    bad = client.get(
        "/api/v1/datasets/complaints/resources/log/aggregate",
        params={"group_by": "처리부서", "sort": "-금액"},
    )
    assert bad.status_code == 422 and bad.json()["ok"] is False


def test_a_version_without_an_index_still_answers(services: Services, complaints: list[list[str]]) -> None:
    _, _, ver = services.resources.get_version(SYSTEM, "complaints", "log")
    plain = [{k: v for k, v in c.items() if k != "text_index"} for c in ver.columns]
    with services.engine.begin() as conn:  # as versions published before text indexes were stored
        conn.execute(update(VersionRow).where(VersionRow.id == ver.id).values(columns=plain))
    query = RowQuery(filters=(RowFilter("민원내용", "like", "%공영주차장%"),), q="충장", limit=1000)
    page = services.resources.query_rows(SYSTEM, "complaints", "log", query)
    expected = [r[0] for r in complaints if "공영주차장" in r[3] and any("충장" in v.lower() for v in r)]
    assert sorted(r["접수번호"] for r in page.rows) == sorted(expected) and page.total == len(expected) > 0
