"""Whole-file type inference and casting, through real CSV files and DuckDB."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from hubcity.adapters.readers import ingest_file
from hubcity.domain.ingest import ColumnType, IngestOptions, IngestOutcome

T = ColumnType


def _run(tmp_path: Path, text: str, **options: Any) -> tuple[IngestOutcome, Path]:
    src = tmp_path / "t.csv"
    src.write_text(text, encoding="utf-8")
    dest = tmp_path / "t.parquet"
    return ingest_file(src, dest, filename="t.csv", options=IngestOptions(**options)), dest


def _column(tmp_path: Path, name: str, values: list[str], **options: Any) -> tuple[ColumnType, list[Any]]:
    text = name + "\n" + "".join(f'"{v}"\n' for v in values)
    outcome, dest = _run(tmp_path, text, **options)
    con = duckdb.connect()
    try:
        got = [r[0] for r in con.execute(f"SELECT * FROM read_parquet('{dest}')").fetchall()]
    finally:
        con.close()
    return outcome.columns[0].type, got


@pytest.mark.parametrize(
    "values",
    [
        ["2023-01-12", "2023-1-2"],
        ["2023.01.12", "2023.1.2."],
        ["2023/01/12", "2023/1/2"],
        ["20230112", "20230102"],
        ["2023년 1월 12일", "2023년 01월 02일"],
    ],
)
def test_date_forms(tmp_path: Path, values: list[str]) -> None:
    ctype, got = _column(tmp_path, "일자", values)
    assert ctype is T.DATE
    assert got == [dt.date(2023, 1, 12), dt.date(2023, 1, 2)]


def test_timestamps(tmp_path: Path) -> None:
    ctype, got = _column(tmp_path, "시각", ["2017.03.20 09:55", "2023-01-12 13:45:00"])
    assert ctype is T.TIMESTAMP
    assert got == [dt.datetime(2017, 3, 20, 9, 55), dt.datetime(2023, 1, 12, 13, 45)]


def test_eight_digits_outside_dates_are_integers(tmp_path: Path) -> None:
    assert _column(tmp_path, "값", ["20230112", "20231399"])[0] is T.INTEGER
    assert _column(tmp_path, "값", ["20230112", "18991231"])[0] is T.INTEGER


def test_mixed_separators_are_not_dates(tmp_path: Path) -> None:
    assert _column(tmp_path, "기간", ["2017.1/4", "2017.2/4"])[0] is T.TEXT


def test_thousands_separators_and_padding(tmp_path: Path) -> None:
    assert _column(tmp_path, "값", ["1,395", "51,149,546", "12"]) == (T.INTEGER, [1395, 51_149_546, 12])
    assert _column(tmp_path, "값", ["          2.11", "1,234.5"]) == (T.DECIMAL, [2.11, 1234.5])


def test_null_tokens_in_numeric_columns(tmp_path: Path) -> None:
    ctype, got = _column(tmp_path, "값", ["1", "-", " - ", "", "NULL", "N/A", "2"])
    assert ctype is T.INTEGER
    assert got == [1, None, None, None, None, None, 2]


def test_leading_zero_codes_stay_text(tmp_path: Path) -> None:
    assert _column(tmp_path, "값", ["0123", "456"]) == (T.TEXT, ["0123", "456"])
    assert _column(tmp_path, "값", ["0", "0.5"])[0] is T.DECIMAL


def test_phone_numbers_stay_text(tmp_path: Path) -> None:
    assert _column(tmp_path, "연락처", ["062-613-6731", "010-1234-5678"])[0] is T.TEXT


@pytest.mark.parametrize(
    "name", ["정류장 번호", "행정동코드", "station_id", "ARS", "우편번호", "No", "시리얼"]
)
def test_code_names_stay_text(tmp_path: Path, name: str) -> None:
    assert _column(tmp_path, name, ["4356", "4671"]) == (T.TEXT, ["4356", "4671"])


def test_names_that_only_look_like_codes_are_typed(tmp_path: Path) -> None:
    assert _column(tmp_path, "ridership", ["1", "2"])[0] is T.INTEGER
    assert _column(tmp_path, "연번", ["1", "2"])[0] is T.INTEGER


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["Y", "N", "y"], [True, False, True]),
        (["true", "FALSE"], [True, False]),
        (["예", "아니오"], [True, False]),
    ],
)
def test_booleans(tmp_path: Path, values: list[str], expected: list[bool]) -> None:
    assert _column(tmp_path, "여부", values) == (T.BOOLEAN, expected)


def test_boolean_words_mixed_with_text_stay_text(tmp_path: Path) -> None:
    assert _column(tmp_path, "여부", ["Y", "N", "maybe"])[0] is T.TEXT


def test_type_decided_on_the_whole_file_not_a_sample(tmp_path: Path) -> None:
    values = [str(i) for i in range(30_000)] + ["12a"]
    ctype, got = _column(tmp_path, "값", values)
    assert ctype is T.TEXT and got[-1] == "12a"
    dates = ["20230112"] * 30_000 + ["20231345"]
    assert _column(tmp_path, "값", dates)[0] is T.INTEGER


def test_type_override_nulls_failures_with_warning(tmp_path: Path) -> None:
    text = "값\n1\n2\nabc\n4\nxyz\n"
    outcome, dest = _run(tmp_path, text, column_types={"값": ColumnType.INTEGER})
    assert outcome.columns[0].type is T.INTEGER
    warning = [w for w in outcome.warnings if w.code == "type_override_failed"]
    assert len(warning) == 1 and warning[0].row == 3 and "2 values" in warning[0].message_en
    validity = [c for c in outcome.quality.checks if c.rule == "type_validity"]
    assert validity[0].failing == 2 and validity[0].checked == 5


def test_type_override_to_text_keeps_codes(tmp_path: Path) -> None:
    outcome, dest = _run(tmp_path, "값\n1\n2\n", column_types={"값": ColumnType.TEXT})
    assert outcome.columns[0].type is T.TEXT


def test_override_for_unknown_column_warns(tmp_path: Path) -> None:
    outcome, _ = _run(tmp_path, "a\n1\n", column_types={"b": ColumnType.DATE})
    assert any(w.code == "unknown_column" for w in outcome.warnings)


def test_quality_type_validity_for_malformed_numbers(tmp_path: Path) -> None:
    values = [f"{i:,}" for i in range(1_000, 1_030)] + ["2,317,54㎡"]
    text = "면적\n" + "".join(f'"{v}"\n' for v in values)
    outcome, _ = _run(tmp_path, text)
    assert outcome.columns[0].type is T.TEXT  # nothing is lost
    check = [c for c in outcome.quality.checks if c.rule == "type_validity"][0]
    assert (check.checked, check.failing, check.examples) == (31, 1, [31])
    assert check.rule_ko.startswith("유효성")


def test_quality_date_range(tmp_path: Path) -> None:
    outcome, _ = _run(tmp_path, "일자\n2023-01-01\n1850-05-05\n2023-02-02\n")
    check = [c for c in outcome.quality.checks if c.rule == "date_validity"][0]
    assert (check.failing, check.examples) == (1, [2])


def test_quality_code_format(tmp_path: Path) -> None:
    outcome, _ = _run(tmp_path, "행정동코드,이름\n2914051000,충장동\n291405100,오류\n2914052000,동명동\n")
    check = [c for c in outcome.quality.checks if c.rule == "code_format"][0]
    assert (check.column, check.failing, check.examples) == ("행정동코드", 1, [2])
    assert outcome.quality.score < 100


def test_quality_completeness_skips_mostly_empty_columns(tmp_path: Path) -> None:
    outcome, _ = _run(tmp_path, "a,b,c\n1,,x\n2,,\n3,,y\n")
    checked = {c.column: c for c in outcome.quality.checks if c.rule == "completeness"}
    assert set(checked) == {"a", "c"}
    assert (checked["c"].failing, checked["c"].examples) == (1, [2])
