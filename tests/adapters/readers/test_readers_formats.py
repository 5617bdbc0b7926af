"""JSON, JSON Lines, Parquet and generated XLSX files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter
from tests.adapters.readers._parquet import parquet_rows as _rows

from hubcity.adapters.readers import ingest_file, list_sheets
from hubcity.domain.ingest import ColumnType, IngestOptions, SourceFormat

T = ColumnType


def test_json_array_keys_unioned_nested_as_text(tmp_path: Path) -> None:
    src = tmp_path / "a.json"
    items = [
        {"구": "동구", "인구": 1000, "위치": {"lat": 35.1}},
        {"구": "서구", "인구": "2,000", "코드": "29140", "태그": ["a", "b"]},
    ]
    src.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    outcome = ingest_file(src, tmp_path / "a.parquet", filename="a.json")
    assert outcome.format is SourceFormat.JSON
    assert [c.name for c in outcome.columns] == ["구", "인구", "위치", "코드", "태그"]
    types = {c.name: c.type for c in outcome.columns}
    assert types["인구"] is T.INTEGER and types["코드"] is T.TEXT
    rows = _rows(tmp_path / "a.parquet")
    assert rows[0][:2] == ("동구", 1000) and json.loads(rows[0][2]) == {"lat": 35.1}
    assert json.loads(rows[1][4]) == ["a", "b"]


def test_json_lines(tmp_path: Path) -> None:
    src = tmp_path / "a.jsonl"
    src.write_text('{"a": 1, "b": true}\n{"a": 2, "c": "2023-01-12"}\n', encoding="utf-8")
    outcome = ingest_file(src, tmp_path / "a.parquet", filename="a.jsonl")
    assert outcome.row_count == 2
    types = {c.name: c.type for c in outcome.columns}
    assert types == {"a": T.INTEGER, "b": T.BOOLEAN, "c": T.DATE}


def test_parquet_schema_kept(tmp_path: Path) -> None:
    src = tmp_path / "in.parquet"
    table = pa.table(
        {
            "n": pa.array([1, 2], pa.int32()),
            "x": [1.5, None],
            "s": ["가", "나"],
            "d": pa.array([dt.date(2023, 1, 12), None]),
            "ts": pa.array([dt.datetime(2023, 1, 1, 1, 2), None]),
            "b": [True, False],
            "l": [[1], [2, 3]],
        }
    )
    pq.write_table(table, src)
    outcome = ingest_file(src, tmp_path / "out.parquet", filename="in.parquet")
    types = [c.type for c in outcome.columns]
    assert types == [T.INTEGER, T.DECIMAL, T.TEXT, T.DATE, T.TIMESTAMP, T.BOOLEAN, T.TEXT]
    assert outcome.columns[1].null_count == 1
    assert _rows(tmp_path / "out.parquet", "SELECT n, s FROM {t}") == [(1, "가"), (2, "나")]


def _workbook(path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path))
    empty = wb.add_worksheet("빈시트")
    empty.write(0, 0, "")
    ws = wb.add_worksheet("인구")
    ws.write(0, 0, "광주광역시 자치구별 인구")  # title row
    ws.merge_range(2, 0, 3, 0, "자치구")
    ws.merge_range(2, 1, 2, 2, "2023")
    ws.write(3, 1, "남자")
    ws.write(3, 2, "여자")
    ws.merge_range(2, 3, 3, 3, "기준일")
    ws.merge_range(2, 4, 3, 4, "행정동코드")
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, (gu, m, f, code) in enumerate(
        [("동구", 50_000.0, 52_000.0, "2911000000"), ("서구", 140_000.0, 150_000.5, "2914000000")], start=4
    ):
        ws.write(r, 0, gu)
        ws.write_number(r, 1, m)
        ws.write_number(r, 2, f)
        ws.write_datetime(r, 3, dt.datetime(2023, 1, 12), date_format)
        ws.write_string(r, 4, code)
    wb.close()


def test_xlsx_title_merged_header_and_floats(tmp_path: Path) -> None:
    src = tmp_path / "pop.xlsx"
    _workbook(src)
    assert list_sheets(src, "pop.xlsx") == ["빈시트", "인구"]
    outcome = ingest_file(src, tmp_path / "pop.parquet", filename="pop.xlsx")
    assert outcome.sheet == "인구" and outcome.sheets == ["빈시트", "인구"]
    assert outcome.header_row == 3
    assert [c.name for c in outcome.columns] == ["자치구", "2023_남자", "2023_여자", "기준일", "행정동코드"]
    types = [c.type for c in outcome.columns]
    assert types == [T.TEXT, T.INTEGER, T.DECIMAL, T.DATE, T.TEXT]
    assert _rows(tmp_path / "pop.parquet", 'SELECT "2023_남자", 기준일 FROM {t} LIMIT 1') == [
        (50_000, dt.date(2023, 1, 12))
    ]


def test_xlsx_sheet_and_header_override(tmp_path: Path) -> None:
    src = tmp_path / "pop.xlsx"
    _workbook(src)
    outcome = ingest_file(
        src, tmp_path / "o.parquet", filename="pop.xlsx", options=IngestOptions(sheet="인구", header_row=4)
    )
    assert outcome.header_row == 4
    assert outcome.row_count == 2
    assert list_sheets(tmp_path / "pop.xlsx", "x.csv") == []
