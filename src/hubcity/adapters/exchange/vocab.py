"""Our vocabularies mapped to the ones the exchange standards name.

DCAT-AP 3 asks for the EU Vocabularies authority tables (data themes, licences,
frequencies, access rights, file types, languages) and IANA media types; the
Frictionless and schema.org documents reuse the licence and media-type tables.
Our own codes are the domain's: ``THEMES`` (data.go.kr's 16 categories),
``LICENCES`` (공공누리 types 1–4, CC), ``UPDATE_CYCLES``, ``Visibility`` and the
source formats of uploaded files.
"""

from __future__ import annotations

from dataclasses import dataclass

from hubcity.domain.accounts import OrgKind
from hubcity.domain.datasets import Visibility

__all__ = [
    "ACCESS_RIGHTS",
    "EU_AUTHORITY",
    "EU_THEMES",
    "FILE_TYPES",
    "FREQUENCIES",
    "IANA_MEDIA_TYPES",
    "LANGUAGES",
    "LICENCE_DOCS",
    "PUBLISHER_TYPES",
    "THEME_TO_EU",
    "FileType",
    "LicenceDoc",
    "file_type",
]

EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"

# EU data themes (data-theme authority table): code -> English label.
EU_THEMES: dict[str, str] = {
    "AGRI": "Agriculture, fisheries, forestry and food",
    "ECON": "Economy and finance",
    "EDUC": "Education, culture and sport",
    "ENER": "Energy",
    "ENVI": "Environment",
    "GOVE": "Government and public sector",
    "HEAL": "Health",
    "INTR": "International issues",
    "JUST": "Justice, legal system and public safety",
    "REGI": "Regions and cities",
    "SOCI": "Population and society",
    "TECH": "Science and technology",
    "TRAN": "Transport",
}

# data.go.kr's 16 categories -> the EU data themes closest to each.
THEME_TO_EU: dict[str, tuple[str, ...]] = {
    "education": ("EDUC",),
    "land": ("REGI",),
    "public-admin": ("GOVE",),
    "finance": ("ECON",),
    "industry": ("ECON",),
    "welfare": ("SOCI",),
    "food-health": ("AGRI", "HEAL"),
    "culture-tourism": ("EDUC",),
    "healthcare": ("HEAL",),
    "safety": ("JUST",),
    "transport": ("TRAN",),
    "environment": ("ENVI",),
    "science": ("TECH",),
    "agriculture": ("AGRI",),
    "unification": ("INTR",),
    "law": ("JUST",),
}

# update cycle -> EU frequency code and its English label
FREQUENCIES: dict[str, tuple[str, str]] = {
    "irregular": ("IRREG", "irregular"),
    "realtime": ("UPDATE_CONT", "continuously updated"),
    "daily": ("DAILY", "daily"),
    "weekly": ("WEEKLY", "weekly"),
    "monthly": ("MONTHLY", "monthly"),
    "quarterly": ("QUARTERLY", "quarterly"),
    "half-yearly": ("BIANNUAL", "biannual"),
    "yearly": ("ANNUAL", "annual"),
}

# visibility -> EU access-right code and its English label
ACCESS_RIGHTS: dict[Visibility, tuple[str, str]] = {
    Visibility.PUBLIC: ("PUBLIC", "public"),
    Visibility.INTERNAL: ("RESTRICTED", "restricted"),  # city staff only
    Visibility.RESTRICTED: ("NON_PUBLIC", "non-public"),  # the owner organisation only
}

LANGUAGES: dict[str, str] = {"ko": "KOR", "en": "ENG"}

# organisation kind -> ADMS publisher type and its label (none for partners, whose kinds vary):
# a 광역시 is a regional government, a 자치구 a local one
PUBLISHER_TYPES: dict[OrgKind, tuple[str, str]] = {
    OrgKind.BUREAU: ("RegionalAuthority", "Regional authority"),
    OrgKind.DEPARTMENT: ("RegionalAuthority", "Regional authority"),
    OrgKind.TEAM: ("RegionalAuthority", "Regional authority"),
    OrgKind.DISTRICT: ("LocalAuthority", "Local authority"),
    OrgKind.COMPANY: ("Company", "Company"),
}


@dataclass(frozen=True)
class LicenceDoc:
    """Where a licence is published, and how each standard names it."""

    dcat_uri: str  # the IRI DCAT-AP uses (EU licence table where it has one)
    url: str  # a page people can read (schema.org ``license``)
    spdx: str | None  # SPDX / Open Definition id (Frictionless ``name``)


_KOGL = "https://www.kogl.or.kr/info/licenseType{n}.do"

LICENCE_DOCS: dict[str, LicenceDoc] = {
    **{f"kogl-{n}": LicenceDoc(_KOGL.format(n=n), _KOGL.format(n=n), None) for n in (1, 2, 3, 4)},
    "cc-by-4.0": LicenceDoc(
        EU_AUTHORITY + "licence/CC_BY_4_0", "https://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0"
    ),
    "cc0-1.0": LicenceDoc(
        EU_AUTHORITY + "licence/CC0", "https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"
    ),
    # "other": no document to point to
}


@dataclass(frozen=True)
class FileType:
    eu: str | None  # EU file-type code
    media_type: str | None  # IANA-registered media type
    label: str  # short name people know


FILE_TYPES: dict[str, FileType] = {
    "csv": FileType("CSV", "text/csv", "CSV"),
    "tsv": FileType("TSV", "text/tab-separated-values", "TSV"),
    "xlsx": FileType("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    "xls": FileType("XLS", "application/vnd.ms-excel", "XLS"),
    "json": FileType("JSON", "application/json", "JSON"),
    "jsonl": FileType(None, None, "JSON Lines"),
    "parquet": FileType("PARQUET", "application/vnd.apache.parquet", "Parquet"),
    "zip": FileType("ZIP", "application/zip", "ZIP"),
    "pdf": FileType("PDF", "application/pdf", "PDF"),
    "txt": FileType("TXT", "text/plain", "TXT"),
    "xml": FileType("XML", "application/xml", "XML"),
    "geojson": FileType("GEOJSON", "application/geo+json", "GeoJSON"),
    "html": FileType("HTML", "text/html", "HTML"),
    "hwp": FileType(None, None, "HWP"),
}


def file_type(fmt: str | None) -> FileType | None:
    """The file type of a version's format or file extension ('CSV', '.xlsx'), if we know it."""
    if not fmt:
        return None
    return FILE_TYPES.get(fmt.lower().lstrip("."))
