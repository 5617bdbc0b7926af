"""KoreanAnalyzer on the real Kiwi model: what a user of a Korean catalogue search expects."""

from __future__ import annotations

import threading

import pytest

from hubcity.adapters.search.analyzer import KoreanAnalyzer, normalise

PLACES = ["충장동", "첨단1동", "신가동"]
PARTICLE_PAIRS = [("주차장을", "주차장"), ("인구는", "인구"), ("인구가", "인구")]
PARTICLES = {"을", "를", "이", "가", "은", "는", "의", "에", "에서", "으로", "로"}


@pytest.fixture(scope="module")
def analyzer() -> KoreanAnalyzer:
    return KoreanAnalyzer(proper_nouns=PLACES)


@pytest.fixture(scope="module")
def plain() -> KoreanAnalyzer:
    return KoreanAnalyzer()


def matches(analyzer: KoreanAnalyzer, query: str, doc_text: str) -> bool:
    """The search rule: every query group shares at least one term with the document."""
    doc_terms = set(analyzer.index_terms(doc_text))
    groups = analyzer.query_groups(query)
    return bool(groups) and all(doc_terms.intersection(group) for group in groups)


def test_normalise_folds_full_width_and_case() -> None:
    assert normalise("ＡＢＣ　２０２４ Bus") == "abc 2024 bus"


def test_index_terms_keep_nouns_compound_and_bigrams(analyzer: KoreanAnalyzer) -> None:
    terms = analyzer.index_terms("광주광역시 공영주차장 현황")
    assert {"주차장", "주차", "공영", "공영주차장", "현황"} <= set(terms)
    assert not PARTICLES & set(terms)


def test_index_terms_drop_particles_and_endings(analyzer: KoreanAnalyzer) -> None:
    assert analyzer.index_terms("주차장을") == analyzer.index_terms("주차장")
    assert analyzer.index_terms("인구는") == analyzer.index_terms("인구")
    terms = set(analyzer.index_terms("버스정류장의 위치를 제공합니다."))
    assert {"버스", "정류장", "위치"} <= terms
    assert not PARTICLES & terms
    assert not {"합니다", "니다", "."} & terms


def test_index_terms_count_every_occurrence(analyzer: KoreanAnalyzer) -> None:
    assert analyzer.index_terms("인구 인구").count("인구") == 2


@pytest.mark.parametrize(
    ("query", "doc"),
    [
        ("주차", "공영주차장 위치"),
        ("주차", "주차장 정보"),
        ("주차장", "광주광역시 공영주차장 현황"),
        ("주차장을", "주차장 정보"),
        ("인구", "동별 인구수"),
        ("인구", "인구현황"),
        ("현황", "인구현황"),
        ("인구는", "인구현황"),
        ("인구 현황", "인구현황"),
        ("인구 현황", "인구 현황"),
        ("인구현황", "인구 현황"),
        ("공영주차장", "공영 주차장 목록"),
    ],
)
def test_query_finds_compounds_and_spacing_variants(analyzer: KoreanAnalyzer, query: str, doc: str) -> None:
    assert matches(analyzer, query, doc)


@pytest.mark.parametrize(
    ("query", "doc"),
    [
        ("주차장", "버스정류장 위치"),
        ("인구 현황", "인구 통계"),
        ("parking", "주차장 정보"),
        ("충장동", "신가동 행정복지센터"),
    ],
)
def test_query_does_not_match_unrelated_documents(analyzer: KoreanAnalyzer, query: str, doc: str) -> None:
    assert not matches(analyzer, query, doc)


@pytest.mark.parametrize(("with_particle", "bare"), PARTICLE_PAIRS)
def test_particles_do_not_change_query_groups(
    analyzer: KoreanAnalyzer, with_particle: str, bare: str
) -> None:
    assert analyzer.query_groups(with_particle) == analyzer.query_groups(bare)


def test_query_group_shapes(analyzer: KoreanAnalyzer) -> None:
    assert analyzer.query_groups("주차") == [["주차"]]
    # a three-syllable word: the word itself, or both of its bigrams
    assert analyzer.query_groups("주차장을") == [["주차", "주차장"], ["차장", "주차장"]]
    assert len(analyzer.query_groups("인구 현황")) == 2
    assert analyzer.query_groups("인구 인구는") == [["인구"]]
    assert analyzer.query_groups("동") == [["동"]]


def test_a_compound_asks_for_each_of_its_parts(analyzer: KoreanAnalyzer) -> None:
    # '인구현황' is '인구 현황' written solid: both parts, or the compound whole
    assert analyzer.query_groups("인구현황") == [["인구", "인구현황"], ["현황", "인구현황"]]
    assert not matches(analyzer, "인구현황", "주차장 현황")
    assert not matches(analyzer, "공영주차장", "주차장 정보")


def test_lone_syllables_of_longer_words_pair_with_their_neighbour(analyzer: KoreanAnalyzer) -> None:
    groups = analyzer.query_groups("전기차")
    assert ["수"] not in groups and ["차"] not in groups
    assert matches(analyzer, "전기차", "전기차 충전소 현황")
    assert not matches(analyzer, "전기차", "전기 사용량")
    assert matches(analyzer, "인구수", "동별 인구수")


def test_place_names_are_asked_for_whole(analyzer: KoreanAnalyzer) -> None:
    assert analyzer.query_groups("첨단1동의") == [["첨단1동"]]
    assert not matches(analyzer, "첨단1동", "광산구 첨단2동 인구")


def test_query_of_only_particles_or_punctuation_is_empty(analyzer: KoreanAnalyzer) -> None:
    assert analyzer.query_groups("을 를") == []
    assert analyzer.query_groups(" ... !? ") == []
    assert analyzer.query_groups("") == []


def test_proper_nouns_stay_whole(analyzer: KoreanAnalyzer) -> None:
    assert "충장동" in analyzer.index_terms("충장동 행정복지센터 민원")
    assert "첨단1동" in analyzer.index_terms("첨단1동의 인구")
    assert "충장동" in analyzer.query_groups("충장동의")[0]
    assert matches(analyzer, "충장동의 민원", "충장동 행정복지센터 민원")
    assert matches(analyzer, "첨단1동", "광산구 첨단1동 CCTV 설치현황")


def test_place_names_still_match_without_the_user_dictionary(plain: KoreanAnalyzer) -> None:
    # Without the user word Kiwi splits '충장동' differently in a title and in '충장동의';
    # the joined compound and its bigrams still bring them together.
    assert "충장동" in plain.index_terms("충장동 행정복지센터 민원")
    assert matches(plain, "충장동의", "충장동 행정복지센터 민원")


def test_english_words_and_plurals(analyzer: KoreanAnalyzer) -> None:
    assert {"bus", "stops", "stop"} <= set(analyzer.index_terms("Bus stops"))
    assert analyzer.query_groups("Parking") == [["parking"]]
    assert matches(analyzer, "bus stop", "BUS STOPS in Gwangju")
    assert matches(analyzer, "cities", "City parking")
    assert "co2" in analyzer.index_terms("CO2 배출량")


def test_numbers_are_terms(analyzer: KoreanAnalyzer) -> None:
    assert "2024" in analyzer.index_terms("２０２４년 인구현황")
    assert matches(analyzer, "2024 인구", "2024년 동별 인구수")


def _texts() -> list[str]:
    base = [
        "광주광역시 공영주차장 현황",
        "충장동 행정복지센터 민원 처리 현황",
        "첨단1동의 인구는 얼마인가요",
        "Bus stops and parking lots",
        "신가동 버스정류장 위치정보를 제공합니다",
        "자치구별 인구현황 (2024년 12월 기준)",
    ]
    return [f"{text} {i}" for i in range(34) for text in base][:200]


@pytest.mark.slow
def test_shared_by_threads_gives_single_thread_results(analyzer: KoreanAnalyzer) -> None:
    texts = _texts()
    want = [(analyzer.index_terms(t), analyzer.query_groups(t)) for t in texts]

    shared = KoreanAnalyzer(proper_nouns=PLACES)  # fresh, so threads also race to load Kiwi
    results: dict[int, list[tuple[list[str], list[list[str]]]]] = {}
    start = threading.Barrier(4)

    def work(n: int) -> None:
        start.wait()
        results[n] = [(shared.index_terms(t), shared.query_groups(t)) for t in texts]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[n] for n in range(4)] == [want] * 4
