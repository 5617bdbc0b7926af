"""A generated Gwangju catalogue for the search benchmark: deterministic from a seed.

Two kinds of dataset:

- **background**: ``n`` minus the labelled ones, drawn from some ninety administrative subjects
  (``bench/search_subjects.tsv``: welfare, culture, land, safety, …) × place (city, 구, 행정동)
  × year, with titles written as Korean portals write them (``광주광역시 서구_도시공원
  현황_20240630``, ``자치구별 … 현황 (2023년)``), 1–3 description sentences with particles,
  keywords, an owner organisation and one or two resources whose column names are indexed too.
  About 30 % have an English title; 90 % are public, 7 % internal, 3 % restricted.
- **labelled**: about eighty datasets (``bench/search_labelled.tsv``), in families (parking,
  population, 충장동, fine dust, …), with stable names (``parking-lot-03``).
  ``bench/search_queries.json`` names, per query, the ones that must be found. The background
  never uses a family's words (checked here), except a few subjects that carry them on purpose
  as distractors in column names ('주차장유무' in park lists): a query must rank the family
  above them.

The labelled datasets sit at fixed pseudo-random positions among the background, so their ids
are spread over the whole id range; a few non-public ones must never reach an anonymous user.
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hubcity.demo.city import ORGS as DEMO_ORGS
from hubcity.domain.places import DONGS, GUS, SIDO_NAME

__all__ = ["EXTRA_ORGS", "GENERATOR_VERSION", "LABELLED", "Record", "generate", "org_specs"]

GENERATOR_VERSION = 3
HERE = Path(__file__).resolve().parent


@dataclass
class Record:
    name: str
    title: str
    title_en: str
    description: str
    keywords: list[str]
    org: str  # slug
    theme: str
    licence: str
    update_cycle: str
    spatial: str
    visibility: str
    created_at: datetime
    resources: list[tuple[str, str, str, list[str]]] = field(default_factory=list)  # name, title, fmt, cols
    family: str | None = None


# -- organisations beyond the demo city's -----------------------------------------------------------

EXTRA_ORGS: list[tuple[str, str, str, str, str | None]] = [
    # slug, title, title_en, kind, parent
    ("building-housing", "건축주택과", "Building and Housing Division", "department", "gwangju"),
    ("urban-planning", "도시계획과", "Urban Planning Division", "department", "gwangju"),
    ("culture-sports", "문화체육과", "Culture and Sports Division", "department", "gwangju"),
    ("tourism", "관광진흥과", "Tourism Promotion Division", "department", "gwangju"),
    ("health-hygiene", "보건위생과", "Health and Hygiene Division", "department", "gwangju"),
    ("welfare-policy", "복지정책과", "Welfare Policy Division", "department", "gwangju"),
    (
        "elderly-disabled",
        "노인장애인복지과",
        "Elderly and Disabled Welfare Division",
        "department",
        "gwangju",
    ),
    ("women-family", "여성가족과", "Women and Family Division", "department", "gwangju"),
    ("tax", "세정과", "Tax Division", "department", "gwangju"),
    ("budget", "예산과", "Budget Division", "department", "gwangju"),
    ("general-affairs", "총무과", "General Affairs Division", "department", "gwangju"),
    ("environment-policy", "환경정책과", "Environment Policy Division", "department", "gwangju"),
    ("resource-circulation", "자원순환과", "Resource Circulation Division", "department", "gwangju"),
    ("parks-green", "공원녹지과", "Parks and Green Spaces Division", "department", "gwangju"),
    ("roads", "도로과", "Roads Division", "department", "gwangju"),
    ("disaster-safety", "재난안전과", "Disaster Safety Division", "department", "gwangju"),
    ("business-support", "기업육성과", "Business Support Division", "department", "gwangju"),
    ("jobs", "일자리정책과", "Jobs Policy Division", "department", "gwangju"),
    ("agriculture", "농업축산과", "Agriculture and Livestock Division", "department", "gwangju"),
    ("education-support", "교육협력과", "Education Cooperation Division", "department", "gwangju"),
    ("urban-corp", "광주도시공사", "Gwangju Metropolitan Development Corporation", "partner", None),
    ("metro-corp", "광주교통공사", "Gwangju Metro Corporation", "partner", None),
    ("env-corp", "광주환경공단", "Gwangju Environment Corporation", "partner", None),
    ("culture-foundation", "광주문화재단", "Gwangju Cultural Foundation", "partner", None),
    (
        "health-env-institute",
        "광주광역시보건환경연구원",
        "Health and Environment Research Institute",
        "partner",
        None,
    ),
    ("fire-hq", "광주광역시소방안전본부", "Fire and Safety Headquarters", "partner", None),
    ("education-office", "광주광역시교육청", "Gwangju Metropolitan Office of Education", "partner", None),
    ("facilities-corp", "광주광역시시설공단", "Gwangju Facilities Management Corporation", "partner", None),
    ("welfare-institute", "광주복지연구원", "Gwangju Welfare Foundation", "partner", None),
]


def org_specs() -> list[tuple[str, str, str, str, str | None]]:
    demo = [(o.slug, o.title, o.title_en, o.kind, o.parent) for o in DEMO_ORGS]
    return demo + EXTRA_ORGS


_GU_ORG = {"동구": "dong-gu", "서구": "seo-gu", "남구": "nam-gu", "북구": "buk-gu", "광산구": "gwangsan-gu"}
_GU_EN = {g.name: g.name_en for g in GUS}

# -- background subjects ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    ko: str  # the subject as a title names it
    en: str
    theme: str
    level: str  # city | gu | dong
    orgs: tuple[str, ...]  # GU: the office of the dataset's 구
    keywords: tuple[str, ...]
    columns: tuple[str, ...]
    aspect: str  # what the rows say, for the description
    cycle: str = "yearly"
    distractor: bool = False  # carries a labelled family's word on purpose (in its columns)


GU = "GU"  # placeholder: the 구 office of the dataset's place


def _tsv(name: str) -> list[dict[str, str]]:
    with (HERE / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


SUBJECTS: list[Subject] = [
    Subject(
        r["subject"],
        r["subject_en"],
        r["theme"],
        r["level"],
        tuple(r["orgs"].split()),
        tuple(r["keywords"].split()),
        tuple(r["columns"].split()),
        r["aspect"],
        r["update_cycle"],
        r["distractor"] == "yes",
    )
    for r in _tsv("search_subjects.tsv")
]

_SUFFIXES = ["현황", "현황", "목록", "정보", "현황", "통계", "자료", "내역"]
_SENTENCE_TAIL = ["입니다.", "{을} 담고 있습니다.", "{을} 제공합니다.", "에 관한 자료입니다."]


def _object_particle(word: str) -> str:
    """을 after a final consonant (받침), 를 after a vowel."""
    last = word[-1]
    return "을" if "가" <= last <= "힣" and (ord(last) - 0xAC00) % 28 else "를"


_CYCLE_KO = {
    "irregular": "수시로",
    "realtime": "실시간으로",
    "daily": "매일",
    "weekly": "매주",
    "monthly": "매월",
    "quarterly": "분기마다",
    "half-yearly": "반기마다",
    "yearly": "매년",
}
_COMMON_COLUMNS = [
    "연번",
    "데이터기준일자",
    "소재지도로명주소",
    "관리기관명",
    "관리기관전화번호",
    "위도",
    "경도",
]
_LICENCES = ["kogl-1"] * 6 + ["kogl-2", "kogl-3", "kogl-4", "cc-by-4.0"]

# What the background may never say: the labelled families' words (Korean substrings, English words).
RESERVED_KO = (
    "주차 주정차 인구 충장 첨단2동 농성1동 미세먼지 먼지 보호구역 전기차 전기자동차 충전소 충전기 "
    "정류장 정류소 가로등 보안등 경로당 음식점"
).split()
RESERVED_EN = set(
    "parking population dust air charging zone zones stop stops streetlight streetlights restaurant "
    "restaurants senior".split()
)
# Background places: every 행정동 but the ones the labelled set asks about.
_LABELLED_DONGS = {"충장동", "첨단2동", "농성1동"}
_BG_DONGS = [d for d in DONGS if d.name not in _LABELLED_DONGS]


def _place(rng: random.Random, level: str) -> tuple[str, str, str, str | None]:
    """(title prefix, spatial coverage, English suffix, 구 or None)."""
    if level == "dong" or (level == "gu" and rng.random() < 0.15):
        dong = rng.choice(_BG_DONGS)
        prefix = rng.choice([f"{dong.gu} {dong.name} ", f"{dong.name} ", f"광주 {dong.gu} {dong.name} "])
        return prefix, f"{SIDO_NAME} {dong.gu} {dong.name}", f" in {dong.name}, {_GU_EN[dong.gu]}", dong.gu
    if level == "gu" and rng.random() < 0.8:
        gu = rng.choice(GUS).name
        prefix = rng.choice([f"{SIDO_NAME} {gu} ", f"{gu} ", f"광주 {gu} ", f"{SIDO_NAME} {gu}_"])
        return prefix, f"{SIDO_NAME} {gu}", f" in {_GU_EN[gu]}", gu
    prefix = rng.choice([f"{SIDO_NAME} ", "광주 ", "", f"{SIDO_NAME}_", "자치구별 ", "행정동별 "])
    return prefix, SIDO_NAME, " in Gwangju", None


def _background(rng: random.Random, index: int) -> Record:
    subject = rng.choice(SUBJECTS)
    prefix, spatial, en_place, gu = _place(rng, subject.level)
    year = rng.randint(2015, 2025)
    month = rng.randint(1, 12)
    suffix = "" if subject.ko.endswith("현황") else rng.choice(_SUFFIXES)
    style = rng.random()
    if prefix.endswith("_"):
        title = f"{prefix}{subject.ko}{suffix}_{year}{month:02d}{rng.choice([1, 15, 28]):02d}"
    elif style < 0.35:
        title = f"{prefix}{subject.ko} {suffix} ({year}년)"
    elif style < 0.5:
        title = f"{prefix}{subject.ko} {suffix} ({year}년 {month}월 기준)"
    else:
        title = f"{prefix}{subject.ko} {suffix}"
    title = " ".join(title.split())
    place_ko = spatial.removeprefix(f"{SIDO_NAME} ") if gu else "광주광역시"
    sentences = [
        f"{place_ko}의 {subject.aspect}"
        + rng.choice(_SENTENCE_TAIL).format(을=_object_particle(subject.aspect)),
        f"{year}년 기준 자료이며 {_CYCLE_KO[subject.cycle]} 갱신합니다.",
        f"{'·'.join(rng.sample(subject.columns, min(3, len(subject.columns))))} 항목이 있습니다.",
        "좌표는 세계측지계(WGS84)를 따릅니다.",
        "개인정보는 제외하고 공개합니다.",
        f"자세한 내용은 {rng.choice(['담당 부서', '소관 부서', '제공 기관'])}에 문의하시기 바랍니다.",
    ]
    description = " ".join(sentences[:1] + rng.sample(sentences[1:], rng.randint(0, 3)))
    keywords = rng.sample(subject.keywords, rng.randint(1, len(subject.keywords)))
    if gu and rng.random() < 0.5:
        keywords.append(gu)
    org = rng.choice(subject.orgs)
    if org == GU:
        org = _GU_ORG[gu] if gu else rng.choice(subject.orgs[:1])
        if org == GU:
            org = "self-governance"
    title_en = ""
    if rng.random() < 0.3:
        title_en = f"{subject.en}{en_place}" + (f" ({year})" if rng.random() < 0.5 else "")
    columns = list(dict.fromkeys(subject.columns + tuple(rng.sample(_COMMON_COLUMNS, rng.randint(1, 4)))))
    rng.shuffle(columns)
    fmt = rng.choice(["csv", "csv", "csv", "xlsx", "json"])
    resources = [(f"data-{year}", f"{subject.ko} ({year}년)", fmt, columns)]
    if rng.random() < 0.2:
        resources.append((f"data-{year - 1}", f"{subject.ko} ({year - 1}년)", "csv", columns))
    roll = rng.random()
    visibility = "public" if roll < 0.9 else ("internal" if roll < 0.97 else "restricted")
    created = datetime(2016, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 5_000_000))
    return Record(
        name=f"ds-{index:06d}",
        title=title,
        title_en=title_en,
        description=description,
        keywords=keywords,
        org=org,
        theme=subject.theme,
        licence=rng.choice(_LICENCES),
        update_cycle=subject.cycle,
        spatial=spatial,
        visibility=visibility,
        created_at=created,
        resources=resources,
        family="distractor" if subject.distractor else None,
    )


# -- labelled families ------------------------------------------------------------------------------

# name, title, title_en, description, keywords, org, theme, spatial, columns, visibility
_Fam = tuple[str, str, str, str, str, str, str, str, str, str]
LABELLED: list[_Fam] = [
    (
        r["name"],
        r["title"],
        r["title_en"],
        r["description"],
        r["keywords"],
        r["org"],
        r["theme"],
        r["spatial_coverage"],
        r["columns"],
        r["visibility"],
    )
    for r in _tsv("search_labelled.tsv")
]


def _labelled(rng: random.Random, spec: _Fam) -> Record:
    name, title, title_en, description, keywords, org, theme, spatial, columns, visibility = spec
    created = datetime(2016, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 5_000_000))
    cols = columns.split()
    fmt = rng.choice(["csv", "csv", "xlsx"])
    return Record(
        name=name,
        title=title,
        title_en=title_en,
        description=description,
        keywords=keywords.split(),
        org=org,
        theme=theme,
        licence="kogl-1",
        update_cycle=rng.choice(["monthly", "quarterly", "yearly", "irregular"]),
        spatial=spatial,
        visibility=visibility,
        created_at=created,
        resources=[("data", title.split("_")[0][:60], fmt, cols)],
        family=name.rsplit("-", 1)[0],
    )


_EN_WORD = re.compile(r"[a-z]+")


def _check_background(record: Record) -> None:
    """A background dataset must not say a labelled family's words (distractors: in columns only)."""
    texts = [record.title, " ".join(record.keywords), record.title_en]
    if record.family != "distractor":
        texts += [record.description] + [" ".join(c) for *_, c in record.resources]
    text = " ".join(texts)
    bad = [w for w in RESERVED_KO if w in text]
    bad += [w for w in _EN_WORD.findall(text.lower()) if w in RESERVED_EN]
    if bad:
        raise AssertionError(f"background dataset {record.name} says {bad}: {record.title}")


def generate(n: int, seed: int) -> list[Record]:
    """``n`` datasets (at least the labelled ones), the same for the same ``n`` and ``seed``."""
    rng = random.Random(seed)
    labelled = [_labelled(random.Random(f"{seed}:{spec[0]}"), spec) for spec in LABELLED]
    n = max(n, len(labelled))
    # the labelled datasets take fixed pseudo-random places among the background
    places = sorted(random.Random(f"{seed}:places").sample(range(n), len(labelled)))
    slots: dict[int, Record] = dict(zip(places, labelled, strict=True))
    out: list[Record] = []
    for i in range(n):
        record = slots.get(i)
        if record is None:
            record = _background(rng, i)
            _check_background(record)
        out.append(record)
    for org in {r.org for r in out} - {o[0] for o in org_specs()}:
        raise AssertionError(f"unknown organisation {org}")
    return out
