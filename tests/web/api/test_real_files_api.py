"""Every real Korean public-data file ingests through the API with the right encoding, header and rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hubcity.bootstrap import Services
from tests.conftest import REAL_DATA
from tests.factories import api_token, make_dataset

# file -> (source encoding, data rows, some column names that must be there)
EXPECTED: dict[str, tuple[str | None, int, list[str]]] = {
    "gwangju_bus_stop_ridership_20221231.csv": ("cp949", 19_831, ["정류장명", "정류장 번호", "거래건수"]),
    "gwangju_construction_sites_20241015.csv": (
        "cp949",
        26,
        ["사업명", "총사업비(백만원)", "담당자전화번호"],
    ),
    "gwangju_seogu_child_protection_zones_20240724.csv": ("utf-8-sig", 72, ["시설종류", "CCTV설치대수"]),
    "gwangju_seogu_mobile_parking_enforcement_20221231.csv": ("cp949", 33_833, ["단속일시", "단속장소"]),
    "gwangju_gwangsan_food_waste_sticker_sellers.csv": ("cp949", 694, ["사업장명", "주소"]),
    "gwangju_jeonse_fraud_victims_20250331.csv": ("utf-8-sig", 3, ["연도", "동구", "광산구"]),
    "seoul_subway_card_ridership_202102.csv": ("utf-8-sig", 16_751, ["사용일자", "역명", "승차총승객수"]),
    "seoul_crime_by_police_station.csv": ("cp949", 31, ["관서명", "절도 발생"]),
    "seoul_population_by_gu_2017q1.xls": (None, 26, []),
    "seoul_sdot_sensor_locations_2020.csv": ("utf-8", 851, ["시리얼", "위도", "경도"]),
    "kosis_census2010_population_by_province_age.csv": ("cp949", 480, ["행정구역별", "인구 (명)"]),
    "kosis_resident_population_by_region_age_2016.xlsx": (None, 846, []),
    "mois_admin_dong_codes_KIKcd_H_20230501.xlsx": (None, 8_509, ["행정동코드", "시도명", "말소일자"]),
    "kepco_electricity_use_by_sigungu_2024.csv": ("utf-8-sig", 1_602, ["시군구", "계약종별", "1월", "12월"]),
    "mois_resident_population_households_202509.csv": ("cp949", 18, ["행정구역", "2025년09월_총인구수"]),
}


def test_every_real_file_is_listed() -> None:
    on_disk = {p.name for p in REAL_DATA.iterdir() if p.suffix in {".csv", ".xls", ".xlsx"}}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("filename", sorted(EXPECTED))
def test_real_file_through_the_api(
    filename: str, client: TestClient, services: Services, city: dict[str, Any], real_data: Path
) -> None:
    encoding, rows, columns = EXPECTED[filename]
    make_dataset(services, name="real")
    token = api_token(services, city["actors"]["editor"])
    with (real_data / filename).open("rb") as fh:
        resp = client.post(
            "/api/v1/datasets/real/resources",
            headers={"Authorization": f"Bearer {token}"},
            files={"file": (filename, fh)},
            data={"resource": "data"},
        )
    assert resp.status_code == 202, resp.text
    job = resp.json()
    assert job["state"] == "succeeded", job["error"]
    res = client.get("/api/v1/datasets/real/resources/data").json()
    assert res["row_count"] == rows
    assert res["source_encoding"] == encoding
    names = [c["name"] for c in res["columns"]]
    for name in columns:
        assert name in names
    if filename.endswith((".xls", ".xlsx")):
        assert res["versions"][0]["sheets"], "sheets are listed"
    preview = client.get("/api/v1/datasets/real/resources/data/rows?limit=100").json()
    assert len(preview["rows"]) == min(100, rows)
    assert set(preview["rows"][0]) == set(names)
