"""The pure typing and header rules (no I/O)."""

from __future__ import annotations

import datetime as dt

import pytest

from hubcity.domain.ingest import ColumnType
from hubcity.domain.typing_rules import (
    clean_header_names,
    combine_header_rows,
    expected_code_length,
    find_header_row,
    infer_type,
    is_code_name,
    parse_date,
)

T = ColumnType


@pytest.mark.parametrize(
    "value",
    ["2023-01-12", "2023.01.12", "2023. 1. 12.", "2023/01/12", "20230112", "2023년 1월 12일", " 2023-1-12 "],
)
def test_parse_date_forms(value: str) -> None:
    assert parse_date(value) == dt.date(2023, 1, 12)


@pytest.mark.parametrize("value", ["2023-13-01", "2023.1/4", "18991231", "21010101", "2023-02-30", "abc"])
def test_parse_date_rejects(value: str) -> None:
    assert parse_date(value) is None


@pytest.mark.parametrize(
    ("values", "name", "expected"),
    [
        (["1,395", "51,149,546", "-"], "값", T.INTEGER),
        (["          2.11", "0.99"], "값", T.DECIMAL),
        (["0123", "456"], "값", T.TEXT),
        (["062-613-6731"], "전화", T.TEXT),
        (["4356", "4671"], "정류장 번호", T.TEXT),
        (["2914051000"], "행정동코드", T.TEXT),
        (["Y", "N"], "여부", T.BOOLEAN),
        (["예", "아니오"], "여부", T.BOOLEAN),
        (["20230112", "20230113"], "일자", T.DATE),
        (["2017.03.20 09:55"], "시각", T.TIMESTAMP),
        (["", None, "N/A"], "빈칸", T.TEXT),
        (["1", "x"], "값", T.TEXT),
    ],
)
def test_infer_type(values: list[str | None], name: str, expected: ColumnType) -> None:
    assert infer_type(values, name) is expected


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("행정동코드", True),
        ("정류장 번호", True),
        ("station_id", True),
        ("ID", True),
        ("우편번호", True),
        ("ARS", True),
        ("No", True),
        ("code", True),
        ("ridership", False),
        ("연번", False),
        ("notice", False),
        ("인구", False),
    ],
)
def test_code_names(name: str, code: bool) -> None:
    assert is_code_name(name) is code


def test_expected_code_lengths() -> None:
    assert expected_code_length("법정동코드") == 10
    assert expected_code_length("행정동코드") == 10
    assert expected_code_length("시군구코드") == 5
    assert expected_code_length("인구") is None


def test_find_header_row_under_title() -> None:
    rows = [["총조사인구 총괄"], [], ["a", "b", "c"], ["1", "2", "3"], ["4", "5", "6"]]
    assert find_header_row(rows) == 2
    assert find_header_row([["a", "b"], ["1", "2"]]) == 0
    assert find_header_row([]) == 0


def test_combine_header_rows() -> None:
    rows = [
        ["기간", "인구", "인구", "인구", "세대"],
        ["기간", "합계", "합계", "한국인", "세대"],
        ["기간", "계", "남자", "계", "세대"],
    ]
    assert combine_header_rows(rows) == ["기간", "인구_합계_계", "인구_합계_남자", "인구_한국인_계", "세대"]
    # a blank cell under a spanning label inherits it
    assert combine_header_rows([["구", "2016", ""], ["", "남", "여"]]) == ["구", "2016_남", "2016_여"]


def test_clean_header_names() -> None:
    names, blank, dups = clean_header_names([" 1월 ", "", "값", "값", "\ufeff이름"])
    assert names == ["1월", "column_2", "값", "값_2", "이름"]
    assert blank == ["column_2"] and dups == ["값_2"]
