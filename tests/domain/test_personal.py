"""Korean personal-data detection: values and columns, no I/O.

The numbers are made here with their published check-digit algorithms, written out again in
these helpers (not taken from the detector), so a wrong formula in either place shows.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from hubcity.domain.personal import (
    RULES_VERSION,
    PersonalKind,
    Verdict,
    check_business,
    check_card,
    check_corporate,
    check_driver_licence,
    check_foreigner,
    check_phone,
    check_rrn,
    classify_column,
    is_address,
    scan_column,
)

TODAY = date(2026, 11, 24)


# -- generators (published algorithms) -------------------------------------------------------------


def _rrn_digit(d12: str) -> int:
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    s = 0
    for i in range(12):
        s += int(d12[i]) * weights[i]
    return (11 - (s % 11)) % 10


def _frn_digit(d12: str) -> int:
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    s = sum(int(d12[i]) * weights[i] for i in range(12))
    return (13 - (s % 11)) % 10


def rrn(rng: random.Random, born: date, gender: int, *, valid: bool = True, foreigner: bool = False) -> str:
    front = born.strftime("%y%m%d")
    body = front + str(gender) + "".join(str(rng.randint(0, 9)) for _ in range(5))
    good = _frn_digit(body) if foreigner else _rrn_digit(body)
    last = good if valid else (good + rng.randint(1, 9)) % 10
    return f"{front}-{body[6:]}{last}"


def birth(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def old_rrn(rng: random.Random, valid: bool = True) -> str:
    born = birth(rng, date(1940, 1, 1), date(2010, 12, 31))
    gender = rng.choice([1, 2]) if born.year < 2000 else rng.choice([3, 4])
    return rrn(rng, born, gender, valid=valid)


def business(rng: random.Random, valid: bool = True) -> str:
    d = str(rng.randint(101, 999)) + "".join(str(rng.randint(0, 9)) for _ in range(6))
    weights = [1, 3, 7, 1, 3, 7, 1, 3, 5]
    s = sum(int(d[i]) * weights[i] for i in range(9)) + (int(d[8]) * 5) // 10
    check = (10 - s % 10) % 10
    if not valid:
        check = (check + rng.randint(1, 9)) % 10
    return f"{d[:3]}-{d[3:5]}-{d[5:]}{check}"


def corporate(rng: random.Random, valid: bool = True) -> str:
    d = rng.choice(["1101", "1311", "2001", "1601"]) + rng.choice(["11", "12", "21", "71"])
    d += "".join(str(rng.randint(0, 9)) for _ in range(6))
    s = sum(int(ch) * (2 if i % 2 else 1) for i, ch in enumerate(d))
    check = (10 - s % 10) % 10
    if not valid:
        check = (check + rng.randint(1, 9)) % 10
    return f"{d[:6]}-{d[6:]}{check}"


def card(rng: random.Random, valid: bool = True) -> str:
    body = rng.choice(["4", "51", "52", "9410", "35"])
    while len(body) < 15:
        body += str(rng.randint(0, 9))
    total = 0
    for i, ch in enumerate(reversed(body)):  # the check digit will sit to the right
        n = int(ch)
        if i % 2 == 0:
            n = n * 2 - 9 if n * 2 > 9 else n * 2
        total += n
    check = (10 - total % 10) % 10
    if not valid:
        check = (check + rng.randint(1, 9)) % 10
    digits = body + str(check)
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


# -- single values ------------------------------------------------------------------------------------


def test_rrn_valid_unverifiable_and_invalid() -> None:
    rng = random.Random(1)
    good = rrn(rng, date(1985, 3, 14), 1)
    assert check_rrn(good, TODAY) is Verdict.VALID
    assert check_rrn(good.replace("-", ""), TODAY) is Verdict.VALID
    # the same birth date and gender with a check digit that fails: a post-2020 number, or a typo
    assert check_rrn(rrn(rng, date(1985, 3, 14), 1, valid=False), TODAY) is Verdict.UNVERIFIABLE
    assert check_rrn("850230-1234567", TODAY) is Verdict.INVALID  # 30 February
    assert check_rrn("991301-1234567", TODAY) is Verdict.INVALID  # month 13
    assert check_rrn(rrn(rng, date(2030, 1, 1), 3), TODAY) is Verdict.INVALID  # born in the future
    assert check_rrn("85031-41234567", TODAY) is None
    assert check_rrn(rrn(rng, date(1985, 3, 14), 5, foreigner=True), TODAY) is None  # gender 5: a foreigner


def test_foreigner_numbers_use_their_own_check_digit() -> None:
    rng = random.Random(2)
    number = rrn(rng, date(1990, 7, 1), 5, foreigner=True)
    assert check_foreigner(number, TODAY) is Verdict.VALID
    assert check_rrn(number, TODAY) is None  # gender digit 5 is not a citizen's
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert check_foreigner(wrong, TODAY) is Verdict.UNVERIFIABLE


def test_business_corporate_and_card_checksums() -> None:
    rng = random.Random(3)
    for _ in range(50):
        assert check_business(business(rng)) is Verdict.VALID
        assert check_business(business(rng, valid=False)) is Verdict.INVALID
        assert check_corporate(corporate(rng)) is Verdict.VALID
        assert check_corporate(corporate(rng, valid=False)) is Verdict.INVALID
        assert check_card(card(rng)) is Verdict.VALID
        assert check_card(card(rng, valid=False)) is Verdict.INVALID
    assert check_business("012-34-56789") is None  # tax office codes never start with 0
    assert check_card("0000-0000-0000-0000") is None
    assert check_card("1234") is None


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("010-1234-5678", "mobile"),
        ("01012345678", "mobile"),
        ("+82 10-1234-5678", "mobile"),
        ("062-613-2114", "landline"),
        ("02-123-4567", "landline"),
        ("(062) 613-2114", "landline"),
        ("070-1234-5678", "landline"),
        ("1588-1234", "nationwide"),
        ("15881234", None),  # bare eight digits: a date or an amount as often
        ("20230112", None),
        ("2914051000", None),  # 행정동코드
        ("099-123-4567", None),  # no such area code
        ("1,234,567", None),
    ],
)
def test_phone_numbers(value: str, kind: str | None) -> None:
    assert check_phone(value) == kind


def test_driver_licence_region_codes() -> None:
    assert check_driver_licence("11-20-123456-78") is Verdict.VALID
    assert check_driver_licence("광주 24-123456-78") is Verdict.VALID
    assert check_driver_licence("99-20-123456-78") is Verdict.INVALID
    assert check_driver_licence("112012345678") is None
    assert check_driver_licence("112012345678", bare_digits=True) is Verdict.VALID


def test_addresses() -> None:
    assert is_address("광주광역시 북구 용봉로 77")
    assert is_address("광주광역시 서구 내방로 111 (쌍촌동)")
    assert is_address("광주 광산구 첨단중앙로182번길 12")
    assert is_address("광주광역시 남구 주월동 1234-5번지")
    assert is_address("경기도 성남시 분당구 판교역로 235")
    assert not is_address("광주광역시")
    assert not is_address("북구 용봉동")
    assert not is_address("2023-01-12")


# -- columns ------------------------------------------------------------------------------------------


def test_a_column_of_valid_rrns_explains_itself() -> None:
    rng = random.Random(4)
    values = [old_rrn(rng) for _ in range(37)] + [old_rrn(rng, valid=False) for _ in range(3)]
    finding = classify_column("col3", values, TODAY)
    assert finding is not None and finding.kind is PersonalKind.RRN
    assert finding.valid == 37 and finding.unverifiable == 3 and finding.sampled == 40
    assert finding.explanation.startswith("표본 40개 중 37개가 유효한 주민등록번호입니다")
    assert finding.explanation_en.startswith("37 of 40 sampled values are valid RRNs")
    assert "unverifiable" in finding.explanation_en
    assert finding.confidence >= 0.95
    assert finding.unique_identifier
    stored = finding.as_dict()
    assert stored["rules"] == RULES_VERSION and stored["counts"]["valid"] == 37
    assert not any(v in str(stored) for v in values)  # the finding never carries the values


def test_post_2020_numbers_are_unverifiable_not_invalid() -> None:
    rng = random.Random(5)
    # children born since October 2020: random digits after the gender digit, no check digit
    values = [
        rrn(
            rng,
            birth(rng, date(2020, 10, 1), date(2026, 6, 30)),
            rng.choice([3, 4]),
            valid=rng.random() < 0.1,
        )
        for _ in range(60)
    ]
    finding = classify_column("번호", values, TODAY)
    assert finding is not None and finding.kind is PersonalKind.RRN
    assert finding.unverifiable >= 45 and finding.invalid == 0
    assert finding.confidence >= 0.6
    assert "확인할 수 없습니다" in finding.explanation


def test_order_numbers_that_start_with_a_date_are_not_rrns() -> None:
    rng = random.Random(6)
    # 230115 + 1 + six digits: reads as someone born in 1923, but check digits pass only by chance
    values = [
        f"{rng.randint(21, 25)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}-1{rng.randint(0, 999999):06d}"
    ]
    values += [
        f"{rng.randint(21, 25)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}1{rng.randint(0, 999999):06d}"
        for _ in range(199)
    ]
    assert not any(f.kind is PersonalKind.RRN for f in scan_column("주문번호", values, TODAY))


def test_the_header_lowers_the_bar() -> None:
    rng = random.Random(7)
    values = [old_rrn(rng) for _ in range(8)] + ["미제출"] * 12  # 40 % of values, with a telling header
    assert classify_column("비고", values, TODAY) is None
    named = classify_column("주민등록번호", values, TODAY)
    assert named is not None and named.kind is PersonalKind.RRN and named.header_hint


def test_foreigner_business_and_corporate_columns() -> None:
    rng = random.Random(8)
    frn = [
        rrn(rng, birth(rng, date(1960, 1, 1), date(1999, 12, 31)), rng.choice([5, 6]), foreigner=True)
        for _ in range(50)
    ]
    f = classify_column("등록번호", frn, TODAY)
    assert f is not None and f.kind is PersonalKind.FOREIGNER
    b = classify_column("번호", [business(rng) for _ in range(50)], TODAY)
    assert b is not None and b.kind is PersonalKind.BUSINESS and b.valid == 50
    c = classify_column("등록번호", [corporate(rng) for _ in range(50)], TODAY)
    assert c is not None and c.kind is PersonalKind.CORPORATE, c
    # ten digits that fail the business checksum nine times in ten: codes, not business numbers
    codes = [f"{rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10000, 99999)}" for _ in range(200)]
    found = scan_column("관리번호", codes, TODAY)
    assert not any(x.kind is PersonalKind.BUSINESS for x in found)


def test_cards_need_luhn() -> None:
    rng = random.Random(9)
    f = classify_column("결제수단", [card(rng) for _ in range(40)], TODAY)
    assert f is not None and f.kind is PersonalKind.CARD and f.confidence >= 0.9
    random16 = ["".join(str(rng.randint(1, 9)) for _ in range(16)) for _ in range(200)]
    assert not any(x.kind is PersonalKind.CARD for x in scan_column("주문번호", random16, TODAY))
    rrns = [old_rrn(rng) for _ in range(100)]
    assert not any(x.kind is PersonalKind.CARD for x in scan_column("x", rrns, TODAY))


def test_phones_emails_passports_licences_names() -> None:
    rng = random.Random(10)
    mobiles = [f"010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}" for _ in range(30)]
    landlines = [f"062-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}" for _ in range(30)]
    m = classify_column("연락처", mobiles, TODAY)
    l_ = classify_column("전화", landlines, TODAY)
    assert m is not None and l_ is not None and m.kind is l_.kind is PersonalKind.PHONE
    assert m.confidence > l_.confidence  # a mobile is a person's; a landline mostly an office's
    e = classify_column("메일", [f"user{i}@example.com" for i in range(20)], TODAY)
    assert e is not None and e.kind is PersonalKind.EMAIL
    passports = [f"M{rng.randint(10000000, 99999999)}" for _ in range(20)] + [
        f"M{rng.randint(100, 999)}A{rng.randint(1000, 9999)}" for _ in range(20)
    ]
    p = classify_column("여권번호", passports, TODAY)
    assert p is not None and p.kind is PersonalKind.PASSPORT
    assert classify_column("모델번호", passports, TODAY) is None  # the shape alone is a part number
    licences = [
        "-".join(map(str, (rng.choice([11, 13, 24]), rng.randint(10, 25), rng.randint(100000, 999999), 42)))
        for _ in range(20)
    ]
    d = classify_column("면허번호", licences, TODAY)
    assert d is not None and d.kind is PersonalKind.DRIVER
    names = ["홍길동", "김철수", "이영희", "박민수", "최지우", "정*수", "남궁민수"]
    n = classify_column("신청인", names, TODAY)
    assert n is not None and n.kind is PersonalKind.NAME
    assert classify_column("시설명", ["김대중컨벤션센터", "광주역", "무등산"], TODAY) is None
    assert classify_column("구분", names, TODAY) is None  # names need a header that says so


def test_mixed_and_free_text_columns() -> None:
    rng = random.Random(11)
    mixed = [old_rrn(rng) for _ in range(30)] + [
        f"010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}" for _ in range(10)
    ]
    found = scan_column("식별정보", mixed, TODAY)
    assert found[0].kind is PersonalKind.RRN
    memo = ["민원 접수 후 처리 완료했습니다"] * 50 + [
        f"본인 확인함 {old_rrn(rng)} 전화 요망" for _ in range(2)
    ]
    memo_found = scan_column("비고", memo, TODAY)
    assert memo_found and memo_found[0].kind is PersonalKind.RRN and memo_found[0].embedded == 2
    assert "들어 있습니다" in memo_found[0].explanation


def test_look_alikes_are_not_flagged() -> None:
    rng = random.Random(12)
    decoys = {
        "기준일자": [f"2023{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" for _ in range(100)],
        "날짜": [f"2023.{rng.randint(1, 12):02d}.{rng.randint(1, 28):02d}" for _ in range(100)],
        "금액": [f"{rng.randint(1000, 99999999):,}" for _ in range(100)],
        "행정동코드": [f"29{rng.randint(110, 200)}{rng.randint(10000, 99999)}" for _ in range(100)],
        "법정동코드": [f"29{rng.randint(110, 200)}{rng.randint(10100, 13000)}" for _ in range(100)],
        "정류장번호": [str(rng.randint(1000, 6000)) for _ in range(100)],
        "주문번호": [
            f"2023{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}-{rng.randint(10000, 99999)}"
            for _ in range(100)
        ],
        "인구수": [str(rng.randint(1, 50000)) for _ in range(100)],
    }
    for header, values in decoys.items():
        assert scan_column(header, values, TODAY) == [], header


def test_empty_columns_say_nothing() -> None:
    assert classify_column("주민등록번호", [], TODAY) is None
    assert classify_column("주민등록번호", [None, "", "  "], TODAY) is None


def test_date_led_receipt_numbers_under_their_own_header_are_not_new_rrns() -> None:
    rng = random.Random(13)
    # 21xxxx + 3/4 + six digits: by value alone these read as children born since 2020
    ids = [
        (date(2021, 1, 1) + timedelta(days=rng.randint(0, 1500))).strftime("%y%m%d")
        + f"{rng.choice([3, 4])}{rng.randint(0, 999999):06d}"
        for _ in range(100)
    ]
    assert classify_column("접수번호", ids, TODAY) is None
    # under a neutral header the values cannot be told from new RRNs: the owner dismisses it
    neutral = classify_column("번호", ids, TODAY)
    assert neutral is not None and neutral.kind is PersonalKind.RRN and neutral.confidence < 0.8
