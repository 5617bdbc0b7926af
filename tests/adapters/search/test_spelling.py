"""Spelling candidates for "did you mean": Hangul compared jamo by jamo, Latin letter by letter."""

from __future__ import annotations

import pytest

from hubcity.adapters.search.spelling import compose, corrections, decompose, from_keyboard, jamo_distance
from hubcity.services.search import district_of


def test_syllables_come_apart_into_jamo_and_back() -> None:
    assert decompose("장") == (12, 0, 21)  # ㅈ ㅏ ㅇ
    assert compose(*decompose("횡")) == "횡"
    assert compose(12, 0) == "자"


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("주차징", "주차장"),
        ("인구헨황", "인구현황"),
        ("미세먼제", "미세먼지"),
        ("경로단", "경로당"),
        ("충잔동", "충장동"),
    ],
)
def test_a_korean_slip_is_one_jamo_away(typo: str, meant: str) -> None:
    assert jamo_distance(typo, meant) == 1
    near, _ = corrections(typo)
    assert meant in near


def test_dropped_and_swapped_syllables_come_after_jamo_slips() -> None:
    near, far = corrections("주차차장")
    assert "주차장" in far and "주차장" not in near
    _, far = corrections("차주장")
    assert "주차장" in far
    near, far = corrections("주차징")
    assert "주차장" in near and "주차" in far  # '주차' (a syllable dropped) is the weaker guess


def test_english_words_get_single_letter_edits() -> None:
    (tier,) = corrections("parkng")
    assert "parking" in tier
    (tier,) = corrections("populaiton")
    assert "population" in tier
    assert corrections("bus") == []  # too short to guess


def test_korean_typed_in_english_mode_is_read_back() -> None:
    assert from_keyboard("wnckwkd") == "주차장"
    assert from_keyboard("rhkdwn") == "광주"
    assert from_keyboard("dlsrngusghkd") == "인구현황"  # ㅗ+ㅏ joined into ㅘ
    assert from_keyboard("dkfmaekdns") == "아름다운"
    assert from_keyboard("parking") is None  # starts with a vowel key: not Hangul
    keyboard, *_ = corrections("wnckwkd")
    assert keyboard == ["주차장"]


@pytest.mark.parametrize(
    ("coverage", "district"),
    [
        ("광주광역시 서구", "서구"),
        ("광주광역시 북구 첨단3지구", "북구"),
        ("광산구청 관내", "광산구"),
        ("광주광역시", None),
        ("광주광역시 동구, 남구", None),
        ("", None),
    ],
)
def test_the_district_comes_from_the_spatial_coverage(coverage: str, district: str | None) -> None:
    assert district_of(coverage) == district
