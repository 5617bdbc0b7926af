"""The view files: each transformation on real Parquet, row filters, and the pseudonym key."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from hubcity.adapters.engines.views import DuckViewMaker, pseudonym
from hubcity.domain.grants import Transform, ViewSpec, parse_row_filter, parse_transform
from hubcity.errors import InvalidInput

ROWS = [
    # 이름, 주민번호, 나이, 동, 날짜, 금액, 건수
    ("김민수", "900101-1234567", 37, "동명동", "2026-03-15", 1_234_567, 3),
    ("이서연", "850505-2345678", 41, "2917059000", "2026-04-01", 98_765, 12),
    ("박지훈", "900101-1234567", 29, "광주광역시 광산구 수완동", "2025-12-31", 5_000, 7),
    ("최유진", None, None, "우산동", None, None, None),
]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "people.parquet"
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t (이름 VARCHAR, 주민번호 VARCHAR, 나이 BIGINT, 동 VARCHAR, 날짜 DATE, "
        "금액 BIGINT, 건수 BIGINT)"
    )
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)", ROWS)
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    con.close()
    return path


def _read(path: Path) -> list[dict[str, object]]:
    con = duckdb.connect()
    cur = con.execute(f"SELECT * FROM read_parquet('{path}')")
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def test_each_transformation(source: Path, tmp_path: Path) -> None:
    maker = DuckViewMaker(tmp_path / "views")
    spec = ViewSpec(
        columns=("주민번호", "이름", "나이", "동", "날짜", "금액", "건수"),
        transforms={
            "주민번호": Transform("pseudonym"),
            "이름": parse_transform("mask:1"),
            "나이": parse_transform("age_band"),
            "동": parse_transform("dong_to_gu"),
            "날짜": parse_transform("month"),
            "금액": parse_transform("round:1000"),
            "건수": parse_transform("suppress:5"),
        },
        grant_id=7,
        key_salt="salt",
    )
    path, rows = maker.make(source, 1, spec, b"k1")
    assert rows == 4 and path.parent.name == "g7"
    out = _read(path)
    assert list(out[0]) == list(spec.columns)  # the view's column order
    assert out[0]["주민번호"] == pseudonym(b"k1", "900101-1234567") == out[2]["주민번호"]
    assert out[0]["주민번호"] != out[1]["주민번호"] and out[3]["주민번호"] is None
    assert [r["이름"] for r in out] == ["김**", "이**", "박**", "최**"]
    assert [r["나이"] for r in out] == ["30-39", "40-49", "20-29", None]
    assert [r["동"] for r in out] == ["동구", "북구", "광산구", None]  # 우산동: in 북구 and 광산구
    assert [r["날짜"] for r in out] == ["2026-03", "2026-04", "2025-12", None]
    assert [r["금액"] for r in out] == [1_235_000, 99_000, 5_000, None]
    assert [r["건수"] for r in out] == [None, 12, 7, None]
    # another grant's key gives other pseudonyms: two recipients cannot link their copies
    other = ViewSpec(columns=("주민번호",), transforms={"주민번호": Transform("pseudonym")}, grant_id=8)
    other_path, _ = maker.make(source, 1, other, b"k2")
    assert _read(other_path)[0]["주민번호"] != out[0]["주민번호"]
    assert maker.destroy(7) == 1 and not path.exists() and other_path.exists()


def test_row_filters_and_impossible_views(source: Path, tmp_path: Path) -> None:
    maker = DuckViewMaker(tmp_path / "views")
    spec = ViewSpec(
        columns=("이름", "나이"),
        filters=(parse_row_filter("나이__gte=30"), parse_row_filter("동__in=동명동,우산동")),
    )
    path, rows = maker.make(source, 1, spec, b"k")
    assert rows == 1 and _read(path) == [{"이름": "김민수", "나이": 37}]
    assert maker.count_rows(source, spec) == 1
    impossible = ViewSpec(columns=("이름",), filters=(parse_row_filter("없는열=1"),), impossible=True)
    assert maker.make(source, 1, impossible, b"k")[1] == 0
    with pytest.raises(InvalidInput):
        maker.count_rows(source, ViewSpec(columns=(), filters=(parse_row_filter("나이=마흔"),)))


def test_parsing_rejects_what_it_cannot_do() -> None:
    with pytest.raises(ValueError):
        parse_transform("encrypt")
    with pytest.raises(ValueError):
        parse_transform("pseudonym:3")
    with pytest.raises(ValueError):
        parse_transform("mask:0")
    with pytest.raises(ValueError):
        parse_row_filter("나이 30")
    with pytest.raises(ValueError):
        parse_row_filter("나이__about=30")
    assert parse_row_filter({"column": "구", "op": "in", "value": ["동구", "서구"]}).value == ["동구", "서구"]
