"""Writers of the demo's district parking files: 거주자우선주차구역, 불법주정차 단속, 공유주차장.

Same contract as ``hubcity.demo.generators``: ``(path, rows) -> None``, ``rows=None`` writes the
demo's default size, the same call writes the same bytes, and every value is made up.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from hubcity.demo.generators import _legal_dong, _point, _write_csv
from hubcity.domain.places import DONGS_BY_GU, SIDO_NAME

__all__ = [
    "ENFORCEMENT_COLUMNS",
    "RESIDENT_PARKING_COLUMNS",
    "SHARED_PARKING_COLUMNS",
    "write_parking_enforcement",
    "write_resident_parking",
    "write_shared_parking",
]

_ROADS = {
    "북구": ["용봉로", "우치로", "서양로", "설죽로", "동문대로", "북문대로", "일곡로", "경열로"],
    "서구": ["상무대로", "무진대로", "화운로", "풍암순환로", "농성로", "금화로", "치평로", "운천로"],
    "광산구": ["임방울대로", "첨단중앙로", "수완로", "장신로", "하남대로", "신창로", "풍영로", "사암로"],
}


def _address(rng: random.Random, gu: str) -> str:
    return f"{SIDO_NAME} {gu} {rng.choice(_ROADS[gu])} {rng.randint(1, 320)}"


# -- 북구 거주자우선주차구역 (CP949) ------------------------------------------------------------------

RESIDENT_PARKING_COLUMNS = [
    "구획번호",
    "행정동",
    "도로명",
    "구획수",
    "배정수",
    "월주차요금(원)",
    "운영시간",
    "위도",
    "경도",
    "데이터기준일자",
]


def write_resident_parking(path: Path, rows: int | None = None) -> None:
    """Resident-priority parking blocks in 북구's residential streets; default 180 rows."""
    rng = random.Random(121)
    n = 180 if rows is None else rows
    out: list[Sequence[object]] = []
    for i in range(n):
        dong = rng.choice(DONGS_BY_GU["북구"])
        spaces = rng.randint(2, 24)
        lat, lon = _point(rng, "북구", 0.025)
        out.append(
            (
                f"BG-{i + 1:04d}",
                dong.name,
                f"{rng.choice(_ROADS['북구'])}{rng.randint(1, 90)}번길",
                spaces,
                rng.randint(max(0, spaces - 4), spaces),
                f"{rng.choice([10_000, 15_000, 20_000, 30_000]):,}",
                rng.choice(["주간(09~18시)", "야간(18~08시)", "전일"]),
                lat,
                lon,
                "2025-09-30",
            )
        )
    _write_csv(path, "cp949", RESIDENT_PARKING_COLUMNS, out)


# -- 서구 불법주정차 단속 현황 (CP949) ----------------------------------------------------------------

ENFORCEMENT_COLUMNS = [
    "단속일자",
    "단속시간",
    "행정동",
    "단속장소",
    "위반유형",
    "단속방법",
    "차종",
    "과태료(원)",
    "처리상태",
]
_VIOLATIONS = [
    ("주정차금지구역", 40_000),
    ("소화전 5m 이내", 80_000),
    ("교차로 모퉁이 5m 이내", 80_000),
    ("횡단보도", 80_000),
    ("버스정류소 10m 이내", 80_000),
    ("어린이보호구역", 120_000),
    ("보도(인도)", 80_000),
]
_METHODS = ["고정식 CCTV", "고정식 CCTV", "이동식 CCTV(단속차량)", "현장 단속", "주민신고(안전신문고)"]
_VEHICLES = [("승용", 1.0), ("승합", 1.25), ("화물", 1.25), ("이륜", 0.75)]


def write_parking_enforcement(path: Path, rows: int | None = None) -> None:
    """Illegal stopping and parking caught in 서구, January–June 2025, in date order; default 2,000 rows."""
    rng = random.Random(122)
    n = 2_000 if rows is None else rows
    start = date(2025, 1, 1)
    days = sorted(rng.randrange(181) for _ in range(n))
    out: list[Sequence[object]] = []
    for offset in days:
        dong = rng.choice(DONGS_BY_GU["서구"])
        violation, fine = rng.choice(_VIOLATIONS)
        vehicle, factor = rng.choice(_VEHICLES)
        state = rng.choice(["부과", "부과", "납부완료", "납부완료", "의견진술", "계도"])
        out.append(
            (
                (start + timedelta(days=offset)).isoformat(),
                f"{rng.randint(7, 22):02d}:{rng.randrange(60):02d}",
                dong.name,
                f"{SIDO_NAME} 서구 {_legal_dong(dong.name)} {rng.choice(_ROADS['서구'])} 일대",
                violation,
                rng.choice(_METHODS),
                vehicle,
                "" if state == "계도" else f"{round(fine * factor):,}",
                state,
            )
        )
    _write_csv(path, "cp949", ENFORCEMENT_COLUMNS, out)


# -- 광산구 부설주차장 개방 (UTF-8, no BOM) ----------------------------------------------------------

SHARED_PARKING_COLUMNS = [
    "연번",
    "주차장명",
    "소재지도로명주소",
    "행정동",
    "개방구획수",
    "개방요일",
    "개방시간",
    "요금",
    "관리기관명",
    "위도",
    "경도",
]
_HOSTS = ["교회", "성당", "복지관", "학교", "아파트", "상가", "병원", "은행", "농협", "주민센터"]


def write_shared_parking(path: Path, rows: int | None = None) -> None:
    """Building car parks 광산구 opens to residents at night and on holidays; default 60 rows."""
    rng = random.Random(123)
    n = 60 if rows is None else rows
    out: list[Sequence[object]] = []
    for i in range(n):
        dong = rng.choice(DONGS_BY_GU["광산구"])
        host = rng.choice(_HOSTS)
        lat, lon = _point(rng, "광산구", 0.03)
        out.append(
            (
                i + 1,
                f"{_legal_dong(dong.name)[:-1]}{host} 공유주차장",
                _address(rng, "광산구"),
                dong.name,
                rng.randint(5, 80),
                rng.choice(["평일", "주말·공휴일", "매일"]),
                rng.choice(["18:00~08:00", "19:00~07:00", "00:00~24:00"]),
                rng.choice(["무료", "무료", "1시간 500원"]),
                f"{SIDO_NAME} 광산구청",
                lat,
                lon,
            )
        )
    _write_csv(path, "utf-8", SHARED_PARKING_COLUMNS, out)
