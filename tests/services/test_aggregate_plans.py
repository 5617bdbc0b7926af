"""Group-bys give the same groups, in the same order, however the engine is asked to run them."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM
from hubcity.domain.query import Aggregate, RowFilter
from tests.factories import make_dataset, upload

DONGS = ["충장동", "동명동", "농성1동", "치평동", "봉선1동", "용봉동", "수완동", "첨단1동", ""]


@pytest.fixture
def table(services: Services, city: dict[str, Any], tmp_path: Path) -> Path:
    src = tmp_path / "src" / "민원.csv"
    src.parent.mkdir()
    with src.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["행정동", "분야", "처리기간"])
        for i in range(500):
            out.writerow([DONGS[i * 7 % len(DONGS)], f"분야{i % 13}", i % 17])
    make_dataset(services, name="complaints")
    job = upload(services, SYSTEM, "complaints", src, copy_to=tmp_path / "up" / "민원.csv", resource="log")
    assert job.state == "succeeded", job.error
    _, _, ver = services.resources.get_version(SYSTEM, "complaints", "log")
    return services.resources.lake.local_path(ver.parquet_key or "")


@pytest.mark.parametrize(
    ("group_by", "sort", "limit"),
    [
        (["행정동"], (), 100),
        (["행정동", "분야"], (), 100),
        (["행정동", "분야"], (), 20),  # truncated: the first 20 groups in order
        (["분야"], (("count", True),), 5),  # the top five
        (["행정동"], (("avg_처리기간", False), ("행정동", True)), 4),
        ([], (), 10),
    ],
)
def test_the_same_groups_whether_sorted_whole_or_only_the_top_kept(
    services: Services, table: Path, group_by: list[str], sort: tuple[tuple[str, bool], ...], limit: int
) -> None:
    reader = services.resources.reader
    metrics = [Aggregate("count"), Aggregate("avg", "처리기간")]
    filters = (RowFilter("처리기간", "lt", "15"),)

    def run(groups_at_most: int | None) -> tuple[list[dict[str, Any]], bool]:
        return reader.aggregate(
            table,
            group_by=group_by,
            metrics=metrics,
            filters=filters,
            limit=limit,
            sort=sort,
            groups_at_most=groups_at_most,
        )

    top = run(None)  # LIMIT: DuckDB keeps the top ones
    assert run(1) == top  # an estimate within the limit (even a wrong one): sorted whole
    assert run(10**9) == top
    rows, truncated = top
    assert len(rows) <= limit
    if group_by == ["행정동", "분야"] and limit == 20:
        assert truncated and len(rows) == 20


def test_the_profile_estimate_reaches_the_engine(services: Services, table: Path) -> None:
    _, _, ver = services.resources.get_version(SYSTEM, "complaints", "log")
    profile = {c["name"]: c for c in ver.columns}
    assert profile["행정동"]["distinct_count"] == len(DONGS) - 1 and profile["행정동"]["null_count"] > 0
    rows, truncated, _ = services.resources.aggregate(
        SYSTEM, "complaints", "log", group_by=["행정동"], metrics=[]
    )
    assert not truncated and len(rows) == len(DONGS)
    assert [r["행정동"] for r in rows] == sorted(d for d in DONGS if d) + [None]
