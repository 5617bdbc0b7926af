"""Every real Korean public-data file in ../shared/data/real ingests as SOURCES.md describes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from tests.conftest import IN_CI, REAL_DATA

from hubcity.adapters.readers import ingest_file, list_sheets
from hubcity.domain.ingest import ColumnType, IngestOutcome, SourceFormat

REAL = REAL_DATA

# outside CI a checkout without the real files may skip them; in CI their absence is a failure
pytestmark = pytest.mark.skipif(not REAL.is_dir() and not IN_CI, reason=f"{REAL} is not present")

INT, D, T, DT, B = (
    ColumnType.INTEGER,
    ColumnType.DECIMAL,
    ColumnType.TEXT,
    ColumnType.DATE,
    ColumnType.BOOLEAN,
)

# file: (rows, encoding, header row, {column: type})
EXPECTED: dict[str, tuple[int, str | None, int, dict[str, ColumnType]]] = {
    "gwangju_bus_stop_ridership_20221231.csv": (
        19_831,
        "cp949",
        1,
        {"정류장명": T, "정류장 번호": T, "권종": T, "승하차구분": T, "거래건수": INT},
    ),
    "gwangju_construction_sites_20241015.csv": (
        26,
        "cp949",
        1,
        {
            "연번": INT,
            "사업개요": T,
            "사업기간(시작연월일)": DT,
            "총사업비(백만원)": INT,
            "담당자전화번호": T,
        },
    ),
    "gwangju_seogu_child_protection_zones_20240724.csv": (
        72,
        "utf-8-sig",
        1,
        {"시설종류": T, "소재지지번주소": T, "위도": D, "경도": D, "CCTV설치여부": B, "CCTV설치대수": INT},
    ),
    "gwangju_seogu_mobile_parking_enforcement_20221231.csv": (
        33_833,
        "cp949",
        1,
        {"순번": INT, "단속일시": DT, "단속장소": T, "위도": D, "경도": D},
    ),
    "gwangju_gwangsan_food_waste_sticker_sellers.csv": (
        694,
        "cp949",
        1,
        {"연번": INT, "사업장명": T, "주소": T, "위도": D, "경도": D, "데이터기준일자": DT},
    ),
    "gwangju_jeonse_fraud_victims_20250331.csv": (
        3,
        "utf-8-sig",
        1,
        {"연도": INT, "동구": INT, "서구": INT, "남구": INT, "북구": INT, "광산구": INT},
    ),
    "seoul_subway_card_ridership_202102.csv": (
        16_751,
        "utf-8-sig",
        1,
        {"사용일자": DT, "노선명": T, "역명": T, "승차총승객수": INT, "하차총승객수": INT, "등록일자": DT},
    ),
    "seoul_crime_by_police_station.csv": (31, "cp949", 1, {"관서명": T, "절도 발생": INT, "폭력 검거": INT}),
    "seoul_population_by_gu_2017q1.xls": (
        26,
        None,
        1,
        {"기간": T, "자치구": T, "세대": INT, "인구_합계_계": INT, "인구_한국인_남자": INT, "세대당인구": D},
    ),
    "seoul_sdot_sensor_locations_2020.csv": (851, "utf-8", 1, {"시리얼": T, "위도": D, "경도": D}),
    "kosis_census2010_population_by_province_age.csv": (
        480,
        "cp949",
        3,
        {"C행정구역별": T, "행정구역별": T, "시점": INT, "인구 (명)": D, "성비(명) (%)": D},
    ),
    "kosis_resident_population_by_region_age_2016.xlsx": (
        846,
        None,
        1,
        {"행정구역(동읍면)별(1)": T, "항목": T, "2016_20 - 24세": D, "2016_30 - 34세": INT},
    ),
    "mois_admin_dong_codes_KIKcd_H_20230501.xlsx": (
        8_509,
        None,
        1,
        {"행정동코드": T, "시도명": T, "시군구명": T, "읍면동명": T, "생성일자": DT, "말소일자": DT},
    ),
    "kepco_electricity_use_by_sigungu_2024.csv": (
        1_602,
        "utf-8-sig",
        1,
        {"연도": INT, "시도": T, "계약종별": T, **{f"{m}월": INT for m in range(1, 13)}},
    ),
    "mois_resident_population_households_202509.csv": (
        18,
        "cp949",
        1,
        {"행정구역": T, "2025년09월_총인구수": INT, "2025년09월_세대당 인구": D, "2025년09월_남여 비율": D},
    ),
}

_cache: dict[str, tuple[IngestOutcome, Path]] = {}


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("real")


def _ingest(name: str, out_dir: Path) -> tuple[IngestOutcome, Path]:
    if name not in _cache:
        dest = out_dir / f"{name}.parquet"
        _cache[name] = (ingest_file(REAL / name, dest, filename=name), dest)
    return _cache[name]


def _query(dest: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect()
    try:
        return con.execute(sql.replace("{t}", f"read_parquet('{dest}')")).fetchall()
    finally:
        con.close()


def test_every_real_file_is_covered() -> None:
    files = sorted(p.name for p in REAL.iterdir() if p.suffix != ".md")
    assert files == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_file(name: str, out_dir: Path) -> None:
    rows, encoding, header_row, types = EXPECTED[name]
    outcome, dest = _ingest(name, out_dir)
    assert outcome.row_count == rows
    assert outcome.source_encoding == encoding
    assert outcome.header_row == header_row
    got = {c.name: c.type for c in outcome.columns}
    for column, ctype in types.items():
        assert got[column] == ctype, column
    assert _query(dest, "SELECT count(*) FROM {t}") == [(rows,)]
    described = [r[0] for r in _query(dest, "DESCRIBE SELECT * FROM {t}")]
    assert described == [c.name for c in outcome.columns]
    assert 0 <= outcome.quality.score <= 100
    assert all(c.null_count <= rows for c in outcome.columns)


def test_bus_stops_columns_and_totals(out_dir: Path) -> None:
    outcome, dest = _ingest("gwangju_bus_stop_ridership_20221231.csv", out_dir)
    assert [c.name for c in outcome.columns] == ["정류장명", "정류장 번호", "권종", "승하차구분", "거래건수"]
    assert outcome.format is SourceFormat.CSV and outcome.delimiter == ","
    # the 9 trailing total rows are kept, with empty stop names
    assert _query(dest, "SELECT count(*) FROM {t} WHERE 정류장명 IS NULL") == [(9,)]
    assert _query(dest, 'SELECT "정류장 번호" FROM {t} LIMIT 1') == [("4356",)]
    completeness = [c for c in outcome.quality.checks if c.rule == "completeness" and c.column == "정류장명"]
    assert completeness[0].failing == 9 and completeness[0].examples[:1] == [19_823]


def test_kepco_trimmed_month_names(out_dir: Path) -> None:
    outcome, dest = _ingest("kepco_electricity_use_by_sigungu_2024.csv", out_dir)
    months = [c for c in outcome.columns if c.name.endswith("월")]
    assert [c.name for c in months] == [f"{m}월" for m in range(1, 13)]
    assert months[0].original_name == " 1월 "
    assert _query(dest, 'SELECT "1월" FROM {t} LIMIT 1') == [(24_457_510,)]
    assert _query(dest, "SELECT count(*) FROM {t} WHERE 시도 = '광주광역시'") == [(35,)]
    # ' - ' is a null, not a parse failure
    assert sum(c.null_count for c in months) == 5


def test_crime_thousands_separators(out_dir: Path) -> None:
    _, dest = _ingest("seoul_crime_by_police_station.csv", out_dir)
    assert _query(dest, "SELECT \"절도 발생\" FROM {t} WHERE 관서명 = '중부서'") == [(1_395,)]


def test_subway_dates_and_stray_column(out_dir: Path) -> None:
    import datetime as dt

    outcome, dest = _ingest("seoul_subway_card_ridership_202102.csv", out_dir)
    assert len(outcome.columns) == 6
    assert any(w.code == "extra_empty_column" for w in outcome.warnings)
    assert _query(dest, "SELECT min(사용일자), max(사용일자) FROM {t}") == [
        (dt.date(2021, 2, 1), dt.date(2021, 2, 28))
    ]


def test_mois_households_decimals(out_dir: Path) -> None:
    _, dest = _ingest("mois_resident_population_households_202509.csv", out_dir)
    rows = _query(dest, 'SELECT "2025년09월_총인구수", "2025년09월_세대당 인구" FROM {t} LIMIT 1')
    assert rows == [(51_149_546, 2.11)]


def test_food_waste_cp949_only_syllable(out_dir: Path) -> None:
    outcome, dest = _ingest("gwangju_gwangsan_food_waste_sticker_sellers.csv", out_dir)
    assert outcome.source_encoding == "cp949"
    assert _query(dest, "SELECT count(*) FROM {t} WHERE 사업장명 = '태백수퍼마켙'") == [(1,)]


def test_kosis_csv_title_rows_and_apostrophe_codes(out_dir: Path) -> None:
    _, dest = _ingest("kosis_census2010_population_by_province_age.csv", out_dir)
    assert _query(dest, "SELECT C행정구역별, 행정구역별 FROM {t} LIMIT 1") == [("'00", "전국")]


def test_kosis_xlsx_merged_two_row_header(out_dir: Path) -> None:
    name = "kosis_resident_population_by_region_age_2016.xlsx"
    outcome, _ = _ingest(name, out_dir)
    assert outcome.sheets == ["데이터", "메타정보"] and outcome.sheet == "데이터"
    assert [c.name for c in outcome.columns][3:5] == ["2016_계", "2016_20 - 24세"]
    assert list_sheets(REAL / name, name) == ["데이터", "메타정보"]


def test_kosis_xlsx_metadata_sheet(tmp_path: Path) -> None:
    name = "kosis_resident_population_by_region_age_2016.xlsx"
    from hubcity.domain.ingest import IngestOptions

    outcome = ingest_file(
        REAL / name, tmp_path / "m.parquet", filename=name, options=IngestOptions(sheet="메타정보")
    )
    assert outcome.sheet == "메타정보" and outcome.row_count > 0


def test_seoul_xls_three_header_rows(out_dir: Path) -> None:
    outcome, dest = _ingest("seoul_population_by_gu_2017q1.xls", out_dir)
    assert outcome.format is SourceFormat.XLS
    names = [c.name for c in outcome.columns]
    assert names[:6] == ["기간", "자치구", "세대", "인구_합계_계", "인구_합계_남자", "인구_합계_여자"]
    assert "인구_등록외국인_여자" in names
    assert _query(dest, "SELECT 자치구, 세대 FROM {t} LIMIT 1") == [("합계", 4_202_888)]


def test_mois_codes_stay_text(out_dir: Path) -> None:
    import datetime as dt

    outcome, dest = _ingest("mois_admin_dong_codes_KIKcd_H_20230501.xlsx", out_dir)
    assert _query(dest, "SELECT count(*) FROM {t} WHERE length(행정동코드) = 10") == [(8_509,)]
    assert _query(dest, "SELECT count(*) FROM {t} WHERE 말소일자 IS NULL") == [(3_882,)]
    assert _query(dest, "SELECT 생성일자 FROM {t} LIMIT 1") == [(dt.date(1988, 4, 23),)]
    code = [c for c in outcome.quality.checks if c.rule == "code_format"]
    assert code and code[0].column == "행정동코드" and code[0].failing == 0
