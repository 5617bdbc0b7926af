"""Writers of the demo datasets' files: deterministic, made-up values in the shapes Gwangju publishes.

Every writer has the signature ``(path, rows) -> None``: ``rows=None`` writes the demo's
default size, an integer writes that many data rows (fewer where the table is naturally
bounded, e.g. one row per 행정동 per month). Same call, same bytes. No value is real
personal data: names come from a small syllable list and phone numbers are random.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

import xlsxwriter

from hubcity.demo.complaints import COMPLAINT_COLUMNS, write_complaints_csv
from hubcity.domain.places import DONGS, DONGS_BY_GU, GUS, SIDO_NAME

__all__ = [
    "AIR_QUALITY_COLUMNS",
    "AI_COMPANY_COLUMNS",
    "BUS_RIDERSHIP_COLUMNS",
    "CHILD_ZONE_COLUMNS",
    "COMPLAINT_COLUMNS",
    "ELECTRICITY_COLUMNS",
    "EQUIPMENT_COLUMNS",
    "INVESTMENT_COLUMNS",
    "PARKING_COLUMNS",
    "PARKING_HEADER_ROW",
    "POPULATION_COLUMNS",
    "business_number",
    "person_name",
    "write_ai_companies",
    "write_air_quality",
    "write_bus_ridership",
    "write_child_zones",
    "write_complaints",
    "write_electricity",
    "write_equipment",
    "write_investments",
    "write_parking_xlsx",
    "write_population",
]

_SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
_GIVEN = "민서지현우준하윤도연수아은호예진성영재희태유경"

# Rough centre of each 구, for made-up coordinates.
_GU_CENTRE = {
    "동구": (35.1460, 126.9230),
    "서구": (35.1520, 126.8900),
    "남구": (35.1330, 126.9020),
    "북구": (35.1740, 126.9120),
    "광산구": (35.1390, 126.7940),
}


def person_name(rng: random.Random) -> str:
    """A made-up three-syllable Korean name."""
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN)


def business_number(rng: random.Random) -> str:
    """A made-up 사업자등록번호 (``123-45-67890``) whose check digit is valid."""
    digits = [rng.randrange(10) for _ in range(9)]
    digits[3] = 8  # 81–88: corporations (법인)
    digits[4] = rng.choice([1, 6, 7])
    weights = [1, 3, 7, 1, 3, 7, 1, 3, 5]
    total = sum(d * w for d, w in zip(digits, weights, strict=True)) + (digits[8] * 5) // 10
    digits.append((10 - total % 10) % 10)
    s = "".join(map(str, digits))
    return f"{s[:3]}-{s[3:5]}-{s[5:]}"


def _phone(rng: random.Random, landline: bool = False) -> str:
    if landline:
        return f"062-{rng.randrange(200, 1000)}-{rng.randrange(10000):04d}"
    return f"010-{rng.randrange(2000, 10000):04d}-{rng.randrange(10000):04d}"


def _n(value: float) -> str:
    """A number as Korean spreadsheets export it: thousands separators."""
    return f"{round(value):,}"


def _point(rng: random.Random, gu: str, spread: float = 0.02) -> tuple[float, float]:
    lat, lon = _GU_CENTRE[gu]
    return round(lat + rng.uniform(-spread, spread), 7), round(lon + rng.uniform(-spread, spread), 7)


def _legal_dong(name: str) -> str:
    """The 법정동 an address names for a 행정동: "화정1동" → "화정동"."""
    return name.rstrip("0123456789동") + "동"


def _write_csv(
    path: Path,
    encoding: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    quote_all: bool = False,
) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


def _take(rows: Iterable[Sequence[object]], limit: int) -> list[Sequence[object]]:
    out: list[Sequence[object]] = []
    for row in rows:
        if len(out) >= limit:
            break
        out.append(row)
    return out


def _months_back(year: int, month: int) -> Iterable[tuple[int, int]]:
    while True:
        yield year, month
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)


# -- 행정동별 주민등록 인구 (CP949, every field quoted as the MOIS export does) ---------------

POPULATION_COLUMNS = [
    "기준연월",
    "행정기관코드",
    "시군구명",
    "행정동명",
    "총인구수",
    "세대수",
    "세대당 인구",
    "남자 인구수",
    "여자 인구수",
]


def write_population(path: Path, rows: int | None = None) -> None:
    """One row per 행정동 per month, newest month (2025-09) first; default one month."""
    rng = random.Random(101)
    base = {d.code: rng.randint(6_000, 48_000) for d in DONGS}
    limit = len(DONGS) if rows is None else rows

    def generate() -> Iterable[Sequence[object]]:
        for back, (year, month) in enumerate(_months_back(2025, 9)):
            for d in DONGS:
                total = round(base[d.code] * (1 + 0.0015 * back) + rng.randint(-40, 40))
                households = round(total / rng.uniform(1.9, 2.5))
                men = round(total * rng.uniform(0.47, 0.51))
                yield (
                    f"{year}-{month:02d}",
                    d.code,
                    d.gu,
                    d.name,
                    _n(total),
                    _n(households),
                    f"{total / households:.2f}",
                    _n(men),
                    _n(total - men),
                )

    _write_csv(path, "cp949", POPULATION_COLUMNS, _take(generate(), limit), quote_all=True)


# -- 민원 접수 현황 (CP949) --------------------------------------------------------------------


def write_complaints(path: Path, rows: int | None = None) -> None:
    write_complaints_csv(path, 5_000 if rows is None else rows, encoding="cp949")


# -- 시군구별 전력 사용량 (UTF-8 with BOM, as KEPCO's open data) --------------------------------

ELECTRICITY_COLUMNS = [
    "기준연월",
    "시도",
    "시군구",
    "계약종별",
    "고객호수",
    "사용량(kWh)",
    "전기요금(원)",
]
_CONTRACTS = [
    # (계약종별, customers per 구 (rough), kWh per customer per month, 원 per kWh)
    ("주택용", 90_000, 310, 120),
    ("일반용", 16_000, 2_600, 150),
    ("교육용", 300, 38_000, 110),
    ("산업용", 1_200, 95_000, 115),
    ("농사용", 900, 1_400, 60),
    ("가로등", 2_500, 600, 105),
    ("심야", 1_100, 900, 70),
]
_SEASON = [1.25, 1.18, 1.02, 0.92, 0.88, 0.97, 1.20, 1.32, 1.10, 0.91, 0.95, 1.15]


def write_electricity(path: Path, rows: int | None = None) -> None:
    """Monthly use per 구 and contract type, 2024 (default 5 × 7 × 12 = 420 rows)."""
    rng = random.Random(103)
    size = {gu.name: rng.uniform(0.5, 1.6) for gu in GUS}

    def generate() -> Iterable[Sequence[object]]:
        for year, month in ((y, m) for y in range(2024, 2100) for m in range(1, 13)):
            for gu in GUS:
                for contract, customers, per_customer, price in _CONTRACTS:
                    n = round(customers * size[gu.name] * rng.uniform(0.97, 1.03))
                    kwh = n * per_customer * _SEASON[month - 1] * rng.uniform(0.9, 1.1)
                    yield (
                        f"{year}-{month:02d}",
                        SIDO_NAME,
                        gu.name,
                        contract,
                        _n(n),
                        _n(kwh),
                        _n(kwh * price),
                    )

    limit = 12 * len(GUS) * len(_CONTRACTS) if rows is None else rows
    _write_csv(path, "utf-8-sig", ELECTRICITY_COLUMNS, _take(generate(), limit))


# -- 시내버스 정류소별 이용객 (CP949, long format with total rows at the end, as the real file) ------

BUS_RIDERSHIP_COLUMNS = ["정류장명", "정류장 번호", "권종", "승하차구분", "거래건수"]
_STOPS = [
    "광주송정역",
    "금남로4가",
    "문화전당역",
    "광주역",
    "유스퀘어",
    "상무지구",
    "광주광역시청",
    "전남대후문",
    "조선대입구",
    "첨단2지구",
    "수완지구",
    "하남산단",
    "월드컵경기장",
    "기아챔피언스필드",
    "양림동",
    "봉선시장",
    "운암동",
    "일곡사거리",
    "농성역",
    "화정역",
    "풍암지구입구",
    "백운광장",
    "진월동",
    "산수오거리",
    "지산유원지",
    "두암타운",
    "신가동",
    "첨단3지구",
    "인공지능산업융합사업단",
    "빛그린산단",
]
_TICKETS = ["일반", "청소년", "어린이"]
_BOARDING = ["승차", "하차", "환승"]


def write_bus_ridership(path: Path, rows: int | None = None) -> None:
    """Per stop (both directions) × ticket type × 승차/하차/환승, then nine total rows."""
    rng = random.Random(104)
    stops = [(f"{name}", f"{1000 + rng.randrange(5000)}") for name in _STOPS for _ in range(2)]
    ticket_share = {"일반": 1.0, "청소년": 0.12, "어린이": 0.02}
    boarding_share = {"승차": 1.0, "하차": 0.55, "환승": 0.08}
    body: list[Sequence[object]] = []
    totals = dict.fromkeys(((t, b) for t in _TICKETS for b in _BOARDING), 0)
    for name, ars in stops:
        volume = rng.randint(2_000, 90_000)
        for ticket in _TICKETS:
            for boarding in _BOARDING:
                count = round(
                    volume * ticket_share[ticket] * boarding_share[boarding] * rng.uniform(0.7, 1.3)
                )
                totals[ticket, boarding] += count
                body.append((name, ars, ticket, boarding, count))
    tail: list[Sequence[object]] = [("", "", t, b, totals[t, b]) for t, b in totals]
    if rows is not None:
        body = body[: max(0, rows - len(tail))] if rows >= len(tail) else []
        tail = tail[: min(rows, len(tail))]
    _write_csv(path, "cp949", BUS_RIDERSHIP_COLUMNS, body + tail)


# -- 공영주차장 현황 (XLSX: merged title row, blank row, then the table) --------------------------

PARKING_COLUMNS = [
    "주차장관리번호",
    "주차장명",
    "주차장구분",
    "주차장유형",
    "시군구",
    "소재지지번주소",
    "주차구획수",
    "요금정보",
    "기본요금(원)",
    "위도",
    "경도",
    "관리기관명",
    "데이터기준일자",
]
PARKING_HEADER_ROW = 3  # 1-based: title (merged), blank, header


def write_parking_xlsx(path: Path, rows: int | None = None) -> None:
    """Public parking lots; default 150 rows."""
    rng = random.Random(105)
    n = 150 if rows is None else rows
    workbook = xlsxwriter.Workbook(str(path))
    try:
        sheet = workbook.add_worksheet("공영주차장")
        title = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
        head = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        sheet.merge_range(
            0, 0, 0, len(PARKING_COLUMNS) - 1, "광주광역시 공영주차장 현황 (2025. 6. 30. 기준)", title
        )
        sheet.write_row(PARKING_HEADER_ROW - 1, 0, PARKING_COLUMNS, head)
        as_of = datetime(2025, 6, 30)
        for i in range(n):
            dong = rng.choice(DONGS)
            kind = rng.choice(["노외", "노외", "노상", "부설"])
            paid = rng.random() < 0.75
            lat, lon = _point(rng, dong.gu)
            row = [
                f"{dong.gu_code}-PK-{i + 1:04d}",
                f"{dong.name} {rng.choice(['공영', '제1공영', '제2공영', '시장', '공원'])}주차장",
                kind,
                rng.choice(["평면", "평면", "지하", "기계식", "복층"]),
                dong.gu,
                f"{SIDO_NAME} {dong.gu} {_legal_dong(dong.name)} {rng.randint(1, 1500)}-{rng.randint(1, 30)}",
                rng.randint(12, 480),
                "유료" if paid else "무료",
                rng.choice([300, 500, 600, 1000]) if paid else 0,
                lat,
                lon,
                f"{SIDO_NAME} {dong.gu}청" if kind == "노상" else "광주광역시 도시공사",
            ]
            r = PARKING_HEADER_ROW + i
            sheet.write_row(r, 0, row)
            sheet.write_datetime(r, len(row), as_of, day)
        sheet.set_column(0, len(PARKING_COLUMNS) - 1, 14)
    finally:
        workbook.close()


# -- 어린이보호구역 (UTF-8 with BOM, as 서구's file) ---------------------------------------------

CHILD_ZONE_COLUMNS = [
    "시설종류",
    "대상시설명",
    "소재지지번주소",
    "위도",
    "경도",
    "관리기관명",
    "관할경찰서명",
    "CCTV설치여부",
    "CCTV설치대수",
    "보호구역도로폭",
    "데이터기준일자",
]


def write_child_zones(path: Path, rows: int | None = None) -> None:
    """서구's child protection zones; default 72 rows."""
    rng = random.Random(106)
    n = 72 if rows is None else rows
    dongs = DONGS_BY_GU["서구"]
    out: list[Sequence[object]] = []
    for _ in range(n):
        dong = rng.choice(dongs)
        kind = rng.choice(["어린이집", "어린이집", "유치원", "초등학교", "특수학교"])
        stem = _legal_dong(dong.name)[:-1]
        name = {
            "어린이집": f"{rng.choice(['해님', '새싹', '꿈동산', '숲속', '햇살', '무지개'])} 어린이집",
            "유치원": f"{stem}{rng.choice(['', '제일', '사랑'])}유치원",
            "초등학교": f"광주{stem}초등학교",
            "특수학교": f"광주{stem}학교",
        }[kind]
        lat, lon = _point(rng, "서구", 0.015)
        cctv = rng.random() < 0.6
        out.append(
            (
                kind,
                name,
                f"{SIDO_NAME} 서구 {stem}동 {rng.randint(1, 1300)}-{rng.randint(1, 20)}",
                lat,
                lon,
                f"{SIDO_NAME} 서구청",
                "광주서부경찰서",
                "Y" if cctv else "N",
                rng.randint(1, 6) if cctv else 0,
                rng.choice([4, 5, 6, 8, 10, 12, 20]),
                "2024-07-24",
            )
        )
    _write_csv(path, "utf-8-sig", CHILD_ZONE_COLUMNS, out)


# -- AI 기업 입주 현황 (UTF-8, no BOM) ------------------------------------------------------------

AI_COMPANY_COLUMNS = [
    "연번",
    "기업명",
    "사업자등록번호",
    "업종",
    "입주공간",
    "입주일자",
    "고용인원",
    "매출액(백만원)",
    "본사이전여부",
    "소재지",
]
_CO_HEAD = ["빛고을", "무등", "영산", "첨단", "오룡", "극락", "광천", "서창", "풍영", "황룡", "누리", "한빛"]
_CO_TAIL = [
    "에이아이",
    "데이터",
    "로보틱스",
    "헬스케어",
    "모빌리티",
    "에너지",
    "비전",
    "랩스",
    "소프트",
    "솔루션",
]
_AI_FIELDS = [
    "인공지능 헬스케어",
    "자율주행·모빌리티",
    "에너지 AI",
    "문화콘텐츠 AI",
    "AI 반도체",
    "데이터 가공",
    "로봇",
]
_AI_SPACES = ["AI창업캠프 1관", "AI창업캠프 2관", "인공지능산업융합사업단 본관", "국가AI데이터센터 입주공간"]


def write_ai_companies(path: Path, rows: int | None = None) -> None:
    """Companies in the 첨단3지구 AI cluster; default 120 rows."""
    rng = random.Random(107)
    n = 120 if rows is None else rows
    names = [f"{h}{t}" for h in _CO_HEAD for t in _CO_TAIL]
    rng.shuffle(names)
    out: list[Sequence[object]] = []
    start = date(2020, 3, 2)
    for i in range(n):
        base = names[i % len(names)]
        name = base if i < len(names) else f"{base}{i // len(names) + 1}"
        form = rng.choice(["(주)", "주식회사 ", ""])
        employees = rng.randint(2, 80)
        out.append(
            (
                i + 1,
                f"{form}{name}" if form != "(주)" else f"{name}(주)",
                business_number(rng),
                rng.choice(_AI_FIELDS),
                rng.choice(_AI_SPACES),
                (start + timedelta(days=rng.randrange(2000))).isoformat(),
                employees,
                _n(employees * rng.uniform(40, 160)),
                rng.choice(["Y", "N", "N"]),
                f"{SIDO_NAME} 북구 첨단과기로 {rng.choice([176, 208, 223, 333])}번길 {rng.randint(1, 60)}",
            )
        )
    _write_csv(path, "utf-8", AI_COMPANY_COLUMNS, out)


# -- 실증 장비 현황 (CP949) ------------------------------------------------------------------------

EQUIPMENT_COLUMNS = [
    "장비번호",
    "장비명",
    "장비분류",
    "실증센터",
    "제조사",
    "도입연도",
    "수량",
    "취득금액(천원)",
    "예약가능여부",
    "담당자",
    "연락처",
]
_CENTRES = {
    "헬스케어 실증센터(빛고을노인건강타운)": [
        ("보행분석 시스템", "측정·분석"),
        ("생체신호 측정기", "측정·분석"),
        ("낙상감지 레이더", "센서"),
        ("웨어러블 심전도 패치", "센서"),
        ("돌봄 로봇", "로봇"),
        ("재활 로봇", "로봇"),
        ("의료영상 AI 서버", "컴퓨팅"),
    ],
    "자동차 실증센터(빛그린산단)": [
        ("라이다 센서", "센서"),
        ("차량 동역학 시뮬레이터", "시험·평가"),
        ("자율주행 실증차량", "차량"),
        ("V2X 통신 장비", "통신"),
        ("배터리 충방전 시험기", "시험·평가"),
        ("GPU 학습 서버", "컴퓨팅"),
    ],
    "에너지 실증센터(첨단산단)": [
        ("스마트 계량기", "센서"),
        ("전력품질 분석기", "측정·분석"),
        ("ESS 시험 장치", "시험·평가"),
        ("태양광 인버터 시험기", "시험·평가"),
        ("에너지 관리 서버", "컴퓨팅"),
    ],
}
_MAKERS = ["(주)한빛계측", "무등테크", "영산전자", "빛고을시스템", "한국정밀", "누리로봇"]


def write_equipment(path: Path, rows: int | None = None) -> None:
    """Equipment at the three AI demonstration centres; default 77 rows (77 kinds)."""
    rng = random.Random(108)
    n = 77 if rows is None else rows
    kinds = [(centre, name, cls) for centre, items in _CENTRES.items() for name, cls in items]
    out: list[Sequence[object]] = []
    for i in range(n):
        centre, name, cls = kinds[i % len(kinds)]
        model = i // len(kinds) + 1
        out.append(
            (
                f"EQ-{i + 1:04d}",
                f"{name} {model}형" if model > 1 else name,
                cls,
                centre,
                rng.choice(_MAKERS),
                rng.randint(2020, 2025),
                rng.randint(1, 12),
                _n(rng.randint(8, 1800) * 1_000),
                rng.choice(["가능", "가능", "가능", "점검중"]),
                person_name(rng),
                _phone(rng, landline=True),
            )
        )
    _write_csv(path, "cp949", EQUIPMENT_COLUMNS, out)


# -- 대기질 측정 (CP949, hourly) ----------------------------------------------------------------

AIR_QUALITY_COLUMNS = [
    "측정일시",
    "측정소명",
    "시군구",
    "PM10(㎍/㎥)",
    "PM2.5(㎍/㎥)",
    "오존(ppm)",
    "이산화질소(ppm)",
    "일산화탄소(ppm)",
    "아황산가스(ppm)",
]
_STATIONS = [
    ("서석동", "동구"),
    ("농성동", "서구"),
    ("치평동", "서구"),
    ("주월동", "남구"),
    ("노대동", "남구"),
    ("두암동", "북구"),
    ("건국동", "북구"),
    ("운암동", "북구"),
    ("오선동", "광산구"),
    ("송정동", "광산구"),
    ("평동", "광산구"),
]


def write_air_quality(path: Path, rows: int | None = None) -> None:
    """Hourly readings per station from 2024-09-01 00:00; default 30 days (7,920 rows).

    About 1 % of readings are blank (instrument check), as real network data has.
    """
    rng = random.Random(109)
    n = 30 * 24 * len(_STATIONS) if rows is None else rows
    out: list[Sequence[object]] = []
    start = datetime(2024, 9, 1)
    hour = 0
    while len(out) < n:
        ts = start + timedelta(hours=hour)
        diurnal = 1.0 + 0.35 * (1 if 7 <= ts.hour <= 10 or 18 <= ts.hour <= 21 else -0.2)
        for station, gu in _STATIONS:
            if len(out) >= n:
                break
            pm10 = max(3, round(rng.gauss(34, 12) * diurnal))

            def value(text: str) -> str:
                return "" if rng.random() < 0.01 else text

            out.append(
                (
                    ts.strftime("%Y-%m-%d %H:%M"),
                    station,
                    gu,
                    value(str(pm10)),
                    value(str(max(1, round(pm10 * rng.uniform(0.4, 0.7))))),
                    value(f"{max(0.002, rng.gauss(0.028, 0.012)):.3f}"),
                    value(f"{max(0.002, rng.gauss(0.016, 0.007) * diurnal):.3f}"),
                    value(f"{max(0.1, rng.gauss(0.4, 0.1)):.1f}"),
                    value(f"{max(0.001, rng.gauss(0.003, 0.001)):.3f}"),
                )
            )
        hour += 1
    _write_csv(path, "cp949", AIR_QUALITY_COLUMNS, out)


# -- 투자협약 체결 현황 (CP949) --------------------------------------------------------------------

INVESTMENT_COLUMNS = [
    "연번",
    "협약일자",
    "기업명",
    "업종",
    "협약유형",
    "투자금액(백만원)",
    "고용계획(명)",
    "투자지역",
    "담당부서",
]
_SITES = ["빛그린산단", "첨단3지구", "평동산단", "진곡산단", "에너지밸리산단", "하남산단"]
_SECTORS = ["인공지능", "미래차·부품", "에너지신산업", "AI 헬스케어", "반도체", "광융합", "데이터센터"]


def write_investments(path: Path, rows: int | None = None) -> None:
    """Investment agreements (MOU / 투자협약) from 2019; default 60 rows, oldest first."""
    rng = random.Random(110)
    n = 60 if rows is None else rows
    dates = sorted(date(2019, 1, 2) + timedelta(days=rng.randrange(2400)) for _ in range(n))
    out: list[Sequence[object]] = []
    for i, day in enumerate(dates):
        amount = rng.choice([5, 10, 20, 30, 50, 120, 300, 800]) * rng.randint(100, 1000)
        out.append(
            (
                i + 1,
                day.isoformat(),
                f"{rng.choice(_CO_HEAD)}{rng.choice(_CO_TAIL)}(주)",
                rng.choice(_SECTORS),
                rng.choice(["투자협약", "투자협약", "업무협약(MOU)"]),
                _n(amount),
                rng.randint(5, 400),
                rng.choice(_SITES),
                rng.choice(["투자산단과", "인공지능정책과", "산업혁신성장과"]),
            )
        )
    _write_csv(path, "cp949", INVESTMENT_COLUMNS, out)
