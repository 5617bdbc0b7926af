"""A fast, deterministic generator of the demo 민원 (civil complaint) table, at any size.

The table looks like a city's complaint log exported from its complaint system:

    접수번호,접수일자,행정동,분야,처리부서,처리기간(일),민원내용,연락처,금액
    1AA-2401-0000001,2024-01-01,충장동,교통·주차,동구청 교통과,3,충장동 ... 단속 바랍니다.,010-…,"40,000"

- 접수일자 is ISO (``2024-03-05``) and rises with 접수번호;
- 민원내용 is free Korean text of about 30–60 characters built from templates, with words
  search must find (주차, 공영주차장, 불법주차, 소음, 도로 파손, 가로등, 쓰레기, 버스 정류장),
  some of it with commas or double quotes (so the field is quoted, as in real exports);
- 연락처 is a random, made-up phone number; 금액 is written with thousands separators
  ("1,234", quoted) and is empty where a complaint has no amount.

Rows are built as text in chunks and each chunk is encoded once, so a million rows take a
few seconds. The bench (`python -m bench ingest`) and the demo both use it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from hubcity.domain.places import DONGS

__all__ = [
    "COMPLAINT_CATEGORIES",
    "COMPLAINT_COLUMNS",
    "ComplaintCategory",
    "write_complaints_csv",
]

COMPLAINT_COLUMNS: list[str] = [
    "접수번호",
    "접수일자",
    "행정동",
    "분야",
    "처리부서",
    "처리기간(일)",
    "민원내용",
    "연락처",
    "금액",
]

_START = date(2024, 1, 1)
_DAYS = 366  # the whole of 2024
_CHUNK_ROWS = 20_000

_STREETS = [
    "금남로",
    "상무대로",
    "무진대로",
    "제봉로",
    "서문대로",
    "빛고을대로",
    "첨단중앙로",
    "하남대로",
    "죽봉대로",
    "필문대로",
    "대남대로",
    "우치로",
]
_PLACES = [
    "@ 행정복지센터 앞",
    "@ 주민센터 근처",
    "@ 초등학교 정문 앞",
    "@ 먹자골목",
    "@ 아파트 단지 앞",
    "@ 전통시장 입구",
    "@ 공원 산책로",
    "@ 사거리",
]
_TIMES = [
    "밤마다",
    "새벽 두 시쯤",
    "주말 오후에",
    "출근 시간에",
    "며칠째",
    "일주일 넘게",
    "저녁 여덟 시 이후",
]
_BUSES = ["첨단09", "송정19", "상무64", "수완12", "일곡38", "봉선37", "금남58", "좌석02"]


@dataclass(frozen=True)
class ComplaintCategory:
    """One 분야: its weight, the department that handles it and the texts citizens write."""

    name: str  # 분야, e.g. "교통·주차"
    weight: int
    department: str  # "{gu}" is replaced by the row's 구, e.g. "{gu}청 교통과" → "서구청 교통과"
    templates: tuple[str, ...]
    amounts: tuple[int, ...] = ()  # the 금액 a row of this 분야 may carry; empty → 금액 is blank


COMPLAINT_CATEGORIES: list[ComplaintCategory] = [
    ComplaintCategory(
        "교통·주차",
        26,
        "{gu}청 교통과",
        (
            "{place} 이면도로에 불법주차 차량이 {time} 줄지어 있어 통행이 어렵습니다. 단속 부탁드립니다.",
            "{place} 공영주차장 요금 정산기가 고장나 출차가 되지 않습니다. 빠른 수리 바랍니다.",
            "{street} 버스 정류장 앞 불법 주정차 때문에 버스가 차로에 서서 승하차가 위험합니다.",
            "{place} 공영주차장 확충을 요청합니다. 저녁마다 주차 공간이 부족합니다.",
            "장애인 전용 주차구역에 일반 차량이 상습적으로 주차합니다, 단속해 주세요. 위치는 {place}입니다.",
            "주정차 위반 과태료 부과에 이의를 신청합니다. {place}에서 잠시 정차했을 뿐입니다.",
        ),
        (1_000, 3_000, 5_000, 20_000, 40_000, 80_000),
    ),
    ComplaintCategory(
        "도로·시설",
        18,
        "{gu}청 건설과",
        (
            "{street} {place} 인근 도로 파손으로 포트홀이 생겨 차량 타이어가 손상되었습니다.",
            "{place} 가로등이 {time} 꺼져 있어 밤길 보행이 위험합니다. 점검 바랍니다.",
            "{place} 보도블록이 깨져 있어 유모차와 휠체어 통행이 불편합니다.",
            '{street} 도로 파손 신고합니다. "안전신문고"에도 올렸지만 아직 보수되지 않았습니다.',
            "{place} 맨홀 뚜껑이 흔들려 차량이 지날 때마다 소리가 나고 사고 위험이 있습니다.",
        ),
        (150_000, 320_000, 480_000, 1_250_000, 2_700_000),
    ),
    ComplaintCategory(
        "환경·청소",
        17,
        "{gu}청 청소행정과",
        (
            "{place} 쓰레기 무단투기가 계속되어 악취가 심합니다. CCTV 설치를 요청드립니다.",
            "{place} 음식물 쓰레기 수거가 {time} 되지 않아 민원을 넣습니다.",
            "{place} 공사장 비산먼지가 심해 창문을 열 수 없습니다, 살수 조치 바랍니다.",
            "재활용 쓰레기 분리배출 안내문을 {place}에 붙여 주시고 수거 요일을 알려 주세요.",
        ),
    ),
    ComplaintCategory(
        "소음·생활불편",
        12,
        "{gu}청 환경과",
        (
            "{place} 공사장 소음이 {time} 계속되어 잠을 잘 수 없습니다. 작업 시간 확인 바랍니다.",
            "{place} 상가 앞 스피커 소음이 심합니다, 확성기 사용 단속을 부탁드립니다.",
            "층간소음 문제로 이웃과 갈등이 있어 상담을 요청합니다. {place} 아파트입니다.",
            "{place} 오토바이 배달 차량 소음이 {time} 심해 아이가 잠을 깹니다.",
        ),
    ),
    ComplaintCategory(
        "대중교통",
        10,
        "대중교통과",
        (
            "{street} 버스 정류장 안내단말기가 고장나 도착 정보가 나오지 않습니다.",
            "{place} 버스 정류장에 그늘막과 의자를 설치해 주세요. 어르신들이 서서 기다립니다.",
            "시내버스 {bus}번이 {time} 정류장을 무정차 통과했습니다. 기사 교육 바랍니다.",
            "{place}에서 첨단지구로 가는 시내버스 배차 간격이 너무 깁니다, 증차를 요청합니다.",
        ),
        (1_250, 1_400, 2_500),
    ),
    ComplaintCategory(
        "안전·재난",
        8,
        "{gu}청 안전총괄과",
        (
            "{place} 어린이보호구역에 과속 차량이 많습니다. 과속방지턱 설치를 요청합니다.",
            "폭우 때마다 {place} 도로가 침수됩니다. 배수로 정비 부탁드립니다.",
            "{place} 공사장 가림막이 기울어져 있어 보행자 안전이 걱정됩니다.",
        ),
    ),
    ComplaintCategory(
        "복지·보건",
        5,
        "{gu}청 복지정책과",
        (
            "기초연금 신청 절차를 문의합니다. {place} 근처에 사는 어르신입니다.",
            "{place} 경로당 냉방기가 고장났습니다, 무더위 쉼터 운영이 어렵습니다.",
            "보건소 건강검진 결과지를 다시 받을 수 있는지 문의합니다.",
        ),
    ),
    ComplaintCategory(
        "세무·재정",
        2,
        "{gu}청 세무과",
        (
            "자동차세 고지서 금액이 지난해와 달라 확인을 부탁드립니다.",
            "지방세 환급금 신청 방법을 알려 주세요. {place}로 이사했습니다.",
        ),
        (12_000, 58_000, 130_000, 265_000, 1_040_000),
    ),
    ComplaintCategory(
        "행정·기타",
        2,
        "민원봉사과",
        (
            "{place} 무인민원발급기 운영 시간을 저녁까지 연장해 주시기 바랍니다.",
            '"광주 청년 일자리" 지원사업 신청 자격이 궁금합니다. 온라인 신청도 되나요?',
            "인공지능 실증 사업 참여 기업 모집 일정을 알려 주세요.",
        ),
    ),
]


def _csv_field(text: str) -> str:
    if "," in text or '"' in text or "\n" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _text_pools(rng: random.Random, per_template: int) -> list[list[str]]:
    """Per category, distinct CSV-ready texts with '@' standing for the row's 행정동."""
    pools: list[list[str]] = []
    for cat in COMPLAINT_CATEGORIES:
        texts: set[str] = set()
        for template in cat.templates:
            for _ in range(per_template):
                text = template.format(
                    place=rng.choice(_PLACES),
                    street=rng.choice(_STREETS),
                    time=rng.choice(_TIMES),
                    bus=rng.choice(_BUSES),
                )
                texts.add(_csv_field(text))
        pools.append(sorted(texts))
    return pools


def _amount_field(value: int) -> str:
    return f'"{value:,}"' if value >= 1000 else str(value)


def write_complaints_csv(path: Path, rows: int, encoding: str = "cp949", seed: int = 7) -> int:
    """Write ``rows`` complaint rows (plus a header) to ``path``; return the bytes written.

    ``encoding`` is any Python codec that can write Korean: ``cp949`` (the default, as city
    systems export), ``utf-8`` or ``utf-8-sig``. Same seed, same file.
    """
    if rows < 0:
        raise ValueError("rows must be >= 0")
    rng = random.Random(seed)
    pools = _text_pools(rng, per_template=60)
    category_range = range(len(COMPLAINT_CATEGORIES))
    category_weights = [cat.weight for cat in COMPLAINT_CATEGORIES]
    dong_names = [d.name for d in DONGS]
    dong_gus = [d.gu for d in DONGS]
    departments = [{gu: cat.department.format(gu=gu) for gu in set(dong_gus)} for cat in COMPLAINT_CATEGORIES]
    amounts = [[_amount_field(v) for v in cat.amounts] for cat in COMPLAINT_CATEGORIES]
    days = [(_START + timedelta(days=n)) for n in range(_DAYS)]
    day_text = [d.isoformat() for d in days]
    day_prefix = [f"1AA-{d:%y%m}-" for d in days]
    # Busier 동 get more complaints: a fixed weight per 동, drawn once.
    dong_weights = [rng.randint(1, 8) for _ in dong_names]
    day_range = range(31)
    day_weights = [12, 20, 18, 14, 10, 8, 6, 5, 4, 3, 3, 2, 2, 2, 2, 2] + [1] * 15
    phone_prefix = ["010"] * 9 + ["062"]
    n_dong = len(dong_names)

    written = 0
    newline = "\r\n"
    with open(path, "wb") as out:
        header = ",".join(COMPLAINT_COLUMNS) + newline
        written += out.write(header.encode(encoding))
        for start in range(0, rows, _CHUNK_ROWS):
            n = min(_CHUNK_ROWS, rows - start)
            dong_idx = rng.choices(range(n_dong), weights=dong_weights, k=n)
            category_idx = rng.choices(category_range, weights=category_weights, k=n)
            handling = rng.choices(day_range, weights=day_weights, k=n)
            lines: list[str] = []
            append = lines.append
            randrange = rng.randrange
            random_ = rng.random
            for j in range(n):
                i = start + j
                day = i * _DAYS // rows
                di = dong_idx[j]
                dong = dong_names[di]
                ci = category_idx[j]
                pool = pools[ci]
                text = pool[randrange(len(pool))]
                if "@" in text:
                    text = text.replace("@", dong)
                choices = amounts[ci]
                amount = choices[randrange(len(choices))] if choices and random_() < 0.7 else ""
                prefix = phone_prefix[randrange(10)]
                if prefix == "062":
                    phone = f"062-{randrange(200, 1000)}-{randrange(10000):04d}"
                else:
                    phone = f"010-{randrange(2000, 10000):04d}-{randrange(10000):04d}"
                append(
                    f"{day_prefix[day]}{i + 1:07d},{day_text[day]},{dong},"
                    f"{COMPLAINT_CATEGORIES[ci].name},{departments[ci][dong_gus[di]]},{handling[j]},"
                    f"{text},{phone},{amount}{newline}"
                )
            written += out.write("".join(lines).encode(encoding))
    return written
