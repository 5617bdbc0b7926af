"""The demo Gwangju as plain data: organisations, users, datasets and their files.

Nothing here touches a database. ``hubcity.demo.loader`` reads these specs and calls the
services; tests read them to know what the demo should contain.

- ``ORGS``: the city (root), its 실/국 (bureaus), 과 (departments), 팀 (teams), the five
  자치구 offices, partner institutions and two made-up companies in the testbed programme.
- ``USERS``: one demo user per role, all with the password ``DEMO_PASSWORD``.
- ``DATASETS``: thirteen datasets with DCAT-style metadata and a generator for each file
  (four on parking: the city's public lots and three 자치구 ones, to be found by '주차' and filtered
  by 구).
- ``THEMES`` (data.go.kr's 16 categories), ``LICENCES`` (공공누리 types 1–4, CC BY 4.0, other),
  ``UPDATE_CYCLES``, ``ORG_KINDS``, ``ROLES`` and ``VISIBILITIES``: the vocabularies.

The organisation names follow the city's own announcements; people, phone numbers and every
value in the generated files are made up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hubcity.demo import generators as gen
from hubcity.demo import parking
from hubcity.domain.datasets import LICENCES, THEMES, UPDATE_CYCLES

__all__ = [
    "DATASETS",
    "DEMO_PASSWORD",
    "LICENCES",
    "ORGS",
    "ORG_KINDS",
    "ROLES",
    "THEMES",
    "UPDATE_CYCLES",
    "USERS",
    "VISIBILITIES",
    "ContactSpec",
    "DatasetSpec",
    "OrgSpec",
    "ResourceSpec",
    "UserSpec",
    "dataset_by_name",
    "org_by_slug",
]

ORG_KINDS = ("bureau", "department", "team", "district", "partner", "company")
ROLES = ("admin", "editor", "member")
VISIBILITIES = ("public", "internal", "restricted")
DEMO_PASSWORD = "hubcity-demo"


# -- vocabularies -------------------------------------------------------------------------------


# The vocabularies are the domain's own (one source of truth): THEMES, LICENCES and
# UPDATE_CYCLES map each code to its (Korean, English) labels.


# -- organisations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgSpec:
    slug: str  # ascii, lowercase, hyphens
    title: str  # Korean
    title_en: str
    kind: str  # one of ORG_KINDS
    parent: str | None  # slug of the parent org; None for roots


def _dept(slug: str, title: str, title_en: str, parent: str) -> OrgSpec:
    return OrgSpec(slug, title, title_en, "department", parent)


ORGS: list[OrgSpec] = [
    OrgSpec("gwangju", "광주광역시", "Gwangju Metropolitan City", "bureau", None),
    # 실·국
    OrgSpec("ai-industry-office", "인공지능산업실", "AI Industry Office", "bureau", "gwangju"),
    OrgSpec("economy-startup-office", "경제창업실", "Economy and Start-up Office", "bureau", "gwangju"),
    OrgSpec(
        "self-governance-bureau",
        "자치행정국",
        "Self-Governance and Administration Bureau",
        "bureau",
        "gwangju",
    ),
    OrgSpec("citizen-safety-office", "시민안전실", "Citizen Safety Office", "bureau", "gwangju"),
    OrgSpec(
        "transport-construction-bureau",
        "교통건설국",
        "Transport and Construction Bureau",
        "bureau",
        "gwangju",
    ),
    OrgSpec(
        "climate-environment-bureau", "기후환경국", "Climate and Environment Bureau", "bureau", "gwangju"
    ),
    # 과 and offices directly under the mayor
    _dept("spokesperson", "대변인실", "Spokesperson's Office", "gwangju"),
    _dept("free-economic-zone", "광주경제자유구역청", "Gwangju Free Economic Zone Authority", "gwangju"),
    _dept("ai-policy", "인공지능정책과", "AI Policy Division", "ai-industry-office"),
    _dept("data-info", "데이터정보과", "Data and Information Division", "ai-industry-office"),
    _dept(
        "investment-industrial",
        "투자산단과",
        "Investment and Industrial Complex Division",
        "economy-startup-office",
    ),
    _dept(
        "industry-innovation",
        "산업혁신성장과",
        "Industrial Innovation and Growth Division",
        "economy-startup-office",
    ),
    _dept(
        "international-peace",
        "국제평화협력과",
        "International Peace Cooperation Division",
        "self-governance-bureau",
    ),
    _dept(
        "self-governance", "자치행정과", "Self-Governance Administration Division", "self-governance-bureau"
    ),
    _dept("civil-service", "민원봉사과", "Civil Service Division", "self-governance-bureau"),
    _dept("safety-policy", "안전정책과", "Safety Policy Division", "citizen-safety-office"),
    _dept("public-transit", "대중교통과", "Public Transit Division", "transport-construction-bureau"),
    _dept("transport-policy", "교통정책과", "Transport Policy Division", "transport-construction-bureau"),
    _dept("climate-energy", "기후에너지과", "Climate and Energy Division", "climate-environment-bureau"),
    _dept("climate-air", "기후대기과", "Climate and Air Quality Division", "climate-environment-bureau"),
    # 팀
    OrgSpec("ai-policy-team", "AI정책팀", "AI Policy Team", "team", "ai-policy"),
    OrgSpec("data-convergence-team", "데이터융합팀", "Data Convergence Team", "team", "ai-policy"),
    # 자치구
    OrgSpec("dong-gu", "동구청", "Dong-gu Office", "district", "gwangju"),
    OrgSpec("seo-gu", "서구청", "Seo-gu Office", "district", "gwangju"),
    OrgSpec("nam-gu", "남구청", "Nam-gu Office", "district", "gwangju"),
    OrgSpec("buk-gu", "북구청", "Buk-gu Office", "district", "gwangju"),
    OrgSpec("gwangsan-gu", "광산구청", "Gwangsan-gu Office", "district", "gwangju"),
    # partner institutions
    OrgSpec("kepco", "한국전력공사", "Korea Electric Power Corporation (KEPCO)", "partner", None),
    OrgSpec("kdn", "한전KDN", "KEPCO KDN", "partner", None),
    OrgSpec("kpx", "한국전력거래소", "Korea Power Exchange (KPX)", "partner", None),
    OrgSpec("skt", "SK텔레콤", "SK Telecom (SKT)", "partner", None),
    OrgSpec("kt", "KT", "KT", "partner", None),
    OrgSpec("lguplus", "LG유플러스", "LG Uplus", "partner", None),
    OrgSpec("naver", "네이버", "NAVER", "partner", None),
    OrgSpec("nia", "한국지능정보사회진흥원", "National Information Society Agency (NIA)", "partner", None),
    OrgSpec("kisa", "한국인터넷진흥원", "Korea Internet & Security Agency (KISA)", "partner", None),
    OrgSpec("cnuh", "전남대학교병원", "Chonnam National University Hospital", "partner", None),
    OrgSpec("csuh", "조선대학교병원", "Chosun University Hospital", "partner", None),
    OrgSpec(
        "aica",
        "인공지능산업융합사업단",
        "Artificial Intelligence Industry Cluster Agency (AICA)",
        "partner",
        None,
    ),
    # companies in the testbed programme (made up)
    OrgSpec("bitgoeul-ai", "빛고을에이아이(주)", "Bitgoeul AI Inc. (fictional)", "company", None),
    OrgSpec("mudeung-robotics", "무등로보틱스(주)", "Mudeung Robotics Inc. (fictional)", "company", None),
]


# -- users ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserSpec:
    username: str
    display_name: str  # Korean
    email: str
    password: str
    sysadmin: bool = False
    memberships: list[tuple[str, str]] = field(default_factory=list)  # (org slug, role in ROLES)


def _user(
    username: str, display_name: str, *memberships: tuple[str, str], sysadmin: bool = False
) -> UserSpec:
    return UserSpec(
        username=username,
        display_name=display_name,
        email=f"{username}@example.com",
        password=DEMO_PASSWORD,
        sysadmin=sysadmin,
        memberships=list(memberships),
    )


USERS: list[UserSpec] = [
    _user("admin", "시스템관리자", ("data-info", "admin"), sysadmin=True),
    _user("aipolicy", "김하늘", ("ai-policy", "editor"), ("ai-policy-team", "editor")),
    _user("analyst", "이서준", ("data-info", "member"), ("data-convergence-team", "member")),
    _user("transit", "박지민", ("public-transit", "editor"), ("transport-policy", "editor")),
    _user("minwon", "한지우", ("civil-service", "admin")),
    _user("invest", "오예린", ("investment-industrial", "editor")),
    _user("seogu", "최유진", ("seo-gu", "editor")),
    _user("kepco", "정도윤", ("kepco", "editor")),
    _user("aica", "윤서아", ("aica", "editor")),
    _user("startup", "강민호", ("bitgoeul-ai", "admin")),
    _user("citizen", "시민 홍길동"),
]


# -- datasets -------------------------------------------------------------------------------------

Generator = Callable[[Path, int | None], None]


@dataclass(frozen=True)
class ResourceSpec:
    name: str  # slug, unique within the dataset
    title: str  # Korean
    filename: str
    format: str  # "csv" or "xlsx"
    encoding: str | None  # "cp949", "utf-8-sig", "utf-8"; None for binary formats (xlsx)
    columns: list[str]  # the header, as it stands in the file
    generate: Generator  # (path, rows) -> None; rows=None writes the default size
    header_row: int = 1  # 1-based physical row of the header (XLSX title rows come first)


@dataclass(frozen=True)
class ContactSpec:
    """The dataset's 책임관 (officer in charge)."""

    name: str
    phone: str
    email: str


@dataclass(frozen=True)
class DatasetSpec:
    name: str  # slug
    title: str
    title_en: str
    description: str  # Korean, 1–3 sentences
    description_en: str
    owner_org: str  # org slug
    contact: ContactSpec
    keywords: list[str]
    theme: str  # a key of hubcity.domain.datasets.THEMES
    licence: str  # a key of hubcity.domain.datasets.LICENCES
    update_cycle: str  # a key of UPDATE_CYCLES
    temporal_coverage: str  # ISO 8601 interval, "2024-01-01/2024-12-31"
    spatial_coverage: str
    visibility: str  # one of VISIBILITIES
    resources: list[ResourceSpec]


def _contact(name: str, phone: str, org: str) -> ContactSpec:
    return ContactSpec(name=name, phone=phone, email=f"{org}@example.com")


DATASETS: list[DatasetSpec] = [
    DatasetSpec(
        name="population-by-dong",
        title="광주광역시 행정동별 주민등록 인구 현황",
        title_en="Gwangju registered population by administrative dong",
        description="광주광역시 97개 행정동의 월별 주민등록 인구와 세대수입니다. "
        "행정기관코드(10자리)로 다른 데이터와 연결할 수 있습니다.",
        description_en="Monthly registered population and households of Gwangju's 97 administrative dongs, "
        "keyed by the 10-digit administrative code.",
        owner_org="self-governance",
        contact=_contact("정민서", "062-613-2931", "self-governance"),
        keywords=["인구", "주민등록", "세대수", "행정동", "인구현황"],
        theme="public-admin",
        licence="kogl-1",
        update_cycle="monthly",
        temporal_coverage="2025-09-01/2025-09-30",
        spatial_coverage="광주광역시",
        visibility="public",
        resources=[
            ResourceSpec(
                "population-202509",
                "행정동별 인구 (2025년 9월)",
                "population_by_dong_202509.csv",
                "csv",
                "cp949",
                gen.POPULATION_COLUMNS,
                gen.write_population,
            )
        ],
    ),
    DatasetSpec(
        name="civil-complaints",
        title="민원 접수 현황",
        title_en="Civil complaints received",
        description="시청과 자치구에 접수된 민원의 분야, 처리부서, 처리기간과 민원 내용입니다. "
        "민원인 연락처가 들어 있어 제한 공개합니다.",
        description_en="Complaints received by the city and districts: category, handling department, "
        "days to resolve and the complaint text. Restricted: it holds complainants' phone numbers.",
        owner_org="civil-service",
        contact=_contact("한지우", "062-613-2451", "civil-service"),
        keywords=["민원", "주차", "불법주차", "소음", "도로", "쓰레기", "처리기간"],
        theme="public-admin",
        licence="other",
        update_cycle="daily",
        temporal_coverage="2024-01-01/2024-12-31",
        spatial_coverage="광주광역시",
        visibility="restricted",
        resources=[
            ResourceSpec(
                "complaints-2024",
                "민원 접수 목록 (2024년)",
                "civil_complaints_2024.csv",
                "csv",
                "cp949",
                list(gen.COMPLAINT_COLUMNS),
                gen.write_complaints,
            )
        ],
    ),
    DatasetSpec(
        name="electricity-use-by-gu",
        title="광주광역시 자치구별 전력 사용량",
        title_en="Electricity use by district in Gwangju",
        description="한국전력공사가 제공하는 광주 5개 자치구의 계약종별 월별 전력 사용량과 전기요금입니다.",
        description_en="Monthly electricity use and charges by contract type for Gwangju's five districts, "
        "provided by KEPCO under a data-sharing agreement.",
        owner_org="kepco",
        contact=_contact("정도윤", "061-345-3114", "kepco"),
        keywords=["전력", "전기", "에너지", "사용량", "계약종별"],
        theme="industry",
        licence="kogl-1",
        update_cycle="monthly",
        temporal_coverage="2024-01-01/2024-12-31",
        spatial_coverage="광주광역시",
        visibility="public",
        resources=[
            ResourceSpec(
                "electricity-2024",
                "자치구별 계약종별 전력 사용량 (2024년)",
                "electricity_use_by_gu_2024.csv",
                "csv",
                "utf-8-sig",
                gen.ELECTRICITY_COLUMNS,
                gen.write_electricity,
            )
        ],
    ),
    DatasetSpec(
        name="bus-stop-ridership",
        title="광주광역시 시내버스 정류소별 이용객 현황",
        title_en="City bus ridership by stop",
        description="교통카드 거래 건수로 본 시내버스 정류소별 승차·하차·환승 이용객 수입니다. "
        "마지막 행들은 권종별 합계입니다.",
        description_en="Boardings, alightings and transfers per city bus stop from transit-card "
        "transactions; the last rows are totals per ticket type.",
        owner_org="public-transit",
        contact=_contact("박지민", "062-613-4831", "public-transit"),
        keywords=["버스", "정류장", "정류소", "대중교통", "이용객", "교통카드"],
        theme="transport",
        licence="kogl-1",
        update_cycle="yearly",
        temporal_coverage="2024-01-01/2024-12-31",
        spatial_coverage="광주광역시",
        visibility="public",
        resources=[
            ResourceSpec(
                "ridership-2024",
                "정류소별 이용객 (2024년)",
                "bus_stop_ridership_20241231.csv",
                "csv",
                "cp949",
                gen.BUS_RIDERSHIP_COLUMNS,
                gen.write_bus_ridership,
            )
        ],
    ),
    DatasetSpec(
        name="public-parking-lots",
        title="광주광역시 공영주차장 현황",
        title_en="Public parking lots in Gwangju",
        description="광주광역시와 자치구가 운영하는 공영주차장의 위치, 주차구획수, 요금 정보입니다.",
        description_en="Location, number of spaces and charges of the public parking lots run by the city "
        "and its districts.",
        owner_org="transport-policy",
        contact=_contact("서하은", "062-613-4771", "transport-policy"),
        keywords=["주차", "공영주차장", "주차장", "주차요금", "위치"],
        theme="transport",
        licence="kogl-1",
        update_cycle="quarterly",
        temporal_coverage="2025-06-30/2025-06-30",
        spatial_coverage="광주광역시",
        visibility="public",
        resources=[
            ResourceSpec(
                "parking-lots-202506",
                "공영주차장 목록 (2025. 6. 30. 기준)",
                "public_parking_lots_20250630.xlsx",
                "xlsx",
                None,
                gen.PARKING_COLUMNS,
                gen.write_parking_xlsx,
                header_row=gen.PARKING_HEADER_ROW,
            )
        ],
    ),
    DatasetSpec(
        name="resident-parking-bukgu",
        title="광주광역시 북구 거주자우선주차구역 현황",
        title_en="Resident-priority parking zones in Buk-gu",
        description="북구 주택가 이면도로에 지정한 거주자우선주차구역의 위치, 구획수, 배정 현황과 "
        "월 주차요금입니다.",
        description_en="Resident-priority parking blocks in Buk-gu's residential side streets: where, "
        "how many spaces, how many are allotted, and the monthly charge.",
        owner_org="buk-gu",
        contact=_contact("문서연", "062-410-6524", "buk-gu"),
        keywords=["주차", "거주자우선주차", "주차구역", "주택가", "북구"],
        theme="transport",
        licence="kogl-1",
        update_cycle="quarterly",
        temporal_coverage="2025-07-01/2025-09-30",
        spatial_coverage="광주광역시 북구",
        visibility="public",
        resources=[
            ResourceSpec(
                "resident-parking-2025q3",
                "거주자우선주차구역 목록 (2025년 3분기)",
                "bukgu_resident_parking_2025q3.csv",
                "csv",
                "cp949",
                parking.RESIDENT_PARKING_COLUMNS,
                parking.write_resident_parking,
            )
        ],
    ),
    DatasetSpec(
        name="illegal-parking-enforcement-seogu",
        title="광주광역시 서구 불법주정차 단속 현황",
        title_en="Illegal parking enforcement in Seo-gu",
        description="서구에서 고정식·이동식 CCTV와 현장 단속, 주민신고로 적발한 불법 주정차의 일시, "
        "장소, 위반 유형과 과태료입니다. 차량번호는 공개하지 않습니다.",
        description_en="Illegal stopping and parking caught in Seo-gu by fixed and mobile CCTV, patrols and "
        "residents' reports: when, where, the violation and the fine. Number plates are not published.",
        owner_org="seo-gu",
        contact=_contact("최유진", "062-360-7114", "seo-gu"),
        keywords=["주차", "불법주정차", "주정차단속", "과태료", "서구"],
        theme="transport",
        licence="kogl-1",
        update_cycle="monthly",
        temporal_coverage="2025-01-01/2025-06-30",
        spatial_coverage="광주광역시 서구",
        visibility="public",
        resources=[
            ResourceSpec(
                "enforcement-2025h1",
                "불법주정차 단속 내역 (2025년 상반기)",
                "seogu_illegal_parking_2025h1.csv",
                "csv",
                "cp949",
                parking.ENFORCEMENT_COLUMNS,
                parking.write_parking_enforcement,
            )
        ],
    ),
    DatasetSpec(
        name="shared-parking-gwangsangu",
        title="광주광역시 광산구 부설주차장 개방(공유주차장) 현황",
        title_en="Private car parks shared with residents in Gwangsan-gu",
        description="광산구가 협약을 맺어 야간과 휴일에 주민에게 개방하는 건물 부설주차장의 위치, "
        "개방 구획수와 시간입니다.",
        description_en="Building car parks that open to residents at night and on holidays under an "
        "agreement with Gwangsan-gu: where, how many spaces and when.",
        owner_org="gwangsan-gu",
        contact=_contact("배지훈", "062-960-8114", "gwangsan-gu"),
        keywords=["주차", "공유주차장", "부설주차장", "주차장", "광산구"],
        theme="transport",
        licence="kogl-1",
        update_cycle="half-yearly",
        temporal_coverage="2025-06-30/2025-06-30",
        spatial_coverage="광주광역시 광산구",
        visibility="public",
        resources=[
            ResourceSpec(
                "shared-parking-202506",
                "공유주차장 목록 (2025. 6. 30. 기준)",
                "gwangsangu_shared_parking_20250630.csv",
                "csv",
                "utf-8",
                parking.SHARED_PARKING_COLUMNS,
                parking.write_shared_parking,
            )
        ],
    ),
    DatasetSpec(
        name="child-protection-zones-seogu",
        title="광주광역시 서구 어린이보호구역",
        title_en="Child protection zones in Seo-gu",
        description="서구 관내 어린이집, 유치원, 초등학교 주변 어린이보호구역의 위치와 CCTV 설치 현황입니다.",
        description_en="Child protection zones around day-care centres, kindergartens and schools in Seo-gu, "
        "with CCTV counts.",
        owner_org="seo-gu",
        contact=_contact("최유진", "062-360-7114", "seo-gu"),
        keywords=["어린이보호구역", "스쿨존", "CCTV", "교통안전", "서구"],
        theme="safety",
        licence="kogl-1",
        update_cycle="yearly",
        temporal_coverage="2024-07-24/2024-07-24",
        spatial_coverage="광주광역시 서구",
        visibility="public",
        resources=[
            ResourceSpec(
                "child-zones-20240724",
                "어린이보호구역 목록",
                "seogu_child_protection_zones_20240724.csv",
                "csv",
                "utf-8-sig",
                gen.CHILD_ZONE_COLUMNS,
                gen.write_child_zones,
            )
        ],
    ),
    DatasetSpec(
        name="ai-companies-cheomdan3",
        title="첨단3지구 인공지능 집적단지 입주기업 현황",
        title_en="Companies in the Cheomdan 3 AI cluster",
        description="첨단3지구 인공지능 집적단지 창업캠프와 입주공간에 입주한 기업의 "
        "업종, 고용인원, 매출액입니다. 입주기업 지원 업무용으로 내부 공개합니다.",
        description_en="Sector, staff and revenue of the companies housed in the Cheomdan 3 AI cluster; "
        "internal, for the support programme.",
        owner_org="ai-policy",
        contact=_contact("김하늘", "062-613-3911", "ai-policy"),
        keywords=["인공지능", "AI", "입주기업", "창업", "첨단3지구", "집적단지"],
        theme="industry",
        licence="kogl-2",
        update_cycle="quarterly",
        temporal_coverage="2020-03-02/2025-09-30",
        spatial_coverage="광주광역시 북구 첨단3지구",
        visibility="internal",
        resources=[
            ResourceSpec(
                "ai-companies-2025q3",
                "입주기업 목록 (2025년 3분기)",
                "ai_companies_cheomdan3_2025q3.csv",
                "csv",
                "utf-8",
                gen.AI_COMPANY_COLUMNS,
                gen.write_ai_companies,
            )
        ],
    ),
    DatasetSpec(
        name="demonstration-equipment",
        title="인공지능 실증센터 장비 현황",
        title_en="Equipment at the AI demonstration centres",
        description="헬스케어(빛고을노인건강타운), 자동차(빛그린산단), 에너지(첨단산단) 실증센터의 "
        "장비 목록과 예약 가능 여부입니다.",
        description_en="Equipment at the healthcare, automotive and energy demonstration centres, "
        "and whether each can be booked.",
        owner_org="aica",
        contact=_contact("윤서아", "062-610-3900", "aica"),
        keywords=["실증", "장비", "실증센터", "헬스케어", "자율주행", "에너지"],
        theme="science",
        licence="kogl-1",
        update_cycle="irregular",
        temporal_coverage="2020-01-01/2025-09-30",
        spatial_coverage="광주광역시",
        visibility="public",
        resources=[
            ResourceSpec(
                "equipment",
                "실증 장비 목록",
                "demonstration_equipment_20250930.csv",
                "csv",
                "cp949",
                gen.EQUIPMENT_COLUMNS,
                gen.write_equipment,
            )
        ],
    ),
    DatasetSpec(
        name="air-quality-hourly",
        title="광주광역시 대기질 측정 정보 (시간별)",
        title_en="Hourly air quality readings in Gwangju",
        description="도시대기 측정소 11곳의 시간별 미세먼지(PM10, PM2.5), 오존, 이산화질소, "
        "일산화탄소, 아황산가스 농도입니다. 점검 중인 시간은 빈 값입니다.",
        description_en="Hourly PM10, PM2.5, ozone, NO2, CO and SO2 at 11 urban monitoring stations; "
        "blank where an instrument was under maintenance.",
        owner_org="climate-air",
        contact=_contact("류현우", "062-613-4221", "climate-air"),
        keywords=["대기질", "미세먼지", "초미세먼지", "오존", "측정소", "환경"],
        theme="environment",
        licence="kogl-1",
        update_cycle="daily",
        temporal_coverage="2024-09-01/2024-09-30",
        spatial_coverage="광주광역시",
        visibility="public",
        resources=[
            ResourceSpec(
                "air-quality-202409",
                "시간별 측정값 (2024년 9월)",
                "air_quality_hourly_202409.csv",
                "csv",
                "cp949",
                gen.AIR_QUALITY_COLUMNS,
                gen.write_air_quality,
            )
        ],
    ),
    DatasetSpec(
        name="investment-agreements",
        title="투자협약 체결 현황",
        title_en="Investment agreements signed",
        description="2019년 이후 광주광역시가 기업과 맺은 투자협약과 업무협약의 "
        "투자금액, 고용계획, 투자지역입니다. 이행 점검 전까지 내부 공개합니다.",
        description_en="Investment agreements and MOUs the city has signed with companies since 2019: "
        "amount, planned jobs and site. Internal until their implementation is reviewed.",
        owner_org="investment-industrial",
        contact=_contact("오예린", "062-613-3721", "investment-industrial"),
        keywords=["투자", "투자협약", "업무협약", "MOU", "고용", "산단", "시티세일즈"],
        theme="industry",
        licence="kogl-1",
        update_cycle="irregular",
        temporal_coverage="2019-01-01/2025-09-30",
        spatial_coverage="광주광역시",
        visibility="internal",
        resources=[
            ResourceSpec(
                "agreements",
                "투자협약 목록",
                "investment_agreements_2019_2025.csv",
                "csv",
                "cp949",
                gen.INVESTMENT_COLUMNS,
                gen.write_investments,
            )
        ],
    ),
]


def org_by_slug(slug: str) -> OrgSpec | None:
    return next((o for o in ORGS if o.slug == slug), None)


def dataset_by_name(name: str) -> DatasetSpec | None:
    return next((d for d in DATASETS if d.name == name), None)
