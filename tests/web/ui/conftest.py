"""Fixtures for the UI tests: a city, a few datasets, and a page parser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from tests.factories import make_dataset, upload

from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM

CP949_ROWS = [
    ("충장동", "1,234", "2024.01.12"),
    ("동명동", "987", "2024.02.01"),
    ("계림1동", "12,001", "2024.03.05"),
]


def soup(resp: Any) -> BeautifulSoup:
    return BeautifulSoup(resp.text, "html.parser")


def text_of(resp: Any) -> str:
    return soup(resp).get_text(" ", strip=True)


def write_cp949_csv(path: Path, rows: list[tuple[str, str, str]] = CP949_ROWS) -> Path:
    lines = ["행정동,인구수,기준일"] + [f'{dong},"{n}",{day}' for dong, n, day in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp949"))
    return path


@pytest.fixture
def catalog(services: Services, city: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """A public dataset with one CP949 CSV, an internal and a restricted one."""
    public = make_dataset(
        services,
        description="광주광역시 행정동별 주민등록 인구",
        contact_name="김데이터",
        contact_email="data@gwangju.go.kr",
        update_cycle="monthly",
        spatial_coverage="광주광역시",
    )
    internal = make_dataset(
        services,
        name="bus-ridership",
        title="버스 승차 인원",
        owner_org="transport",
        visibility="internal",
        theme="transport",
        licence="kogl-2",
    )
    restricted = make_dataset(services, name="secret-plan", title="비공개 계획", visibility="restricted")
    src = write_cp949_csv(tmp_path / "인구.csv")
    job = upload(
        services, SYSTEM, "population", src, copy_to=tmp_path / "up" / "인구.csv", resource="population"
    )
    assert job.state == "succeeded", job.error
    return {"public": public, "internal": internal, "restricted": restricted, "job": job}


@pytest.fixture
def anon(client: TestClient) -> TestClient:
    return client


__all__ = ["soup", "text_of", "write_cp949_csv"]
