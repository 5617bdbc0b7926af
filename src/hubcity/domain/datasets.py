"""Datasets, resources and their immutable versions, and who may see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from pydantic import Field as PydField

from hubcity.domain.accounts import Actor

__all__ = [
    "LICENCES",
    "THEMES",
    "UPDATE_CYCLES",
    "EDITABLE_FIELDS",
    "Dataset",
    "DatasetDraft",
    "Resource",
    "Usage",
    "Version",
    "Visibility",
    "can_edit",
    "can_read",
]


class Visibility(StrEnum):
    PUBLIC = "public"  # everyone, signed in or not
    INTERNAL = "internal"  # signed-in city staff
    RESTRICTED = "restricted"  # the owner organisation and sysadmins


# data.go.kr 분류체계: the 16 categories of the national portal.
THEMES: dict[str, tuple[str, str]] = {
    "education": ("교육", "Education"),
    "land": ("국토관리", "Land management"),
    "public-admin": ("공공행정", "Public administration"),
    "finance": ("재정금융", "Finance"),
    "industry": ("산업고용", "Industry and employment"),
    "welfare": ("사회복지", "Social welfare"),
    "food-health": ("식품건강", "Food and health"),
    "culture-tourism": ("문화관광", "Culture and tourism"),
    "healthcare": ("보건의료", "Healthcare"),
    "safety": ("재난안전", "Disaster and safety"),
    "transport": ("교통물류", "Transport and logistics"),
    "environment": ("환경기상", "Environment and weather"),
    "science": ("과학기술", "Science and technology"),
    "agriculture": ("농축수산", "Agriculture and fisheries"),
    "unification": ("통일외교안보", "Unification, diplomacy and security"),
    "law": ("법률", "Law"),
}

# 공공누리 (KOGL) types 1–4 and a few others.
LICENCES: dict[str, tuple[str, str]] = {
    "kogl-1": ("공공누리 제1유형: 출처표시", "KOGL Type 1: attribution"),
    "kogl-2": ("공공누리 제2유형: 출처표시+상업적 이용금지", "KOGL Type 2: attribution, non-commercial"),
    "kogl-3": ("공공누리 제3유형: 출처표시+변경금지", "KOGL Type 3: attribution, no derivatives"),
    "kogl-4": (
        "공공누리 제4유형: 출처표시+상업적 이용금지+변경금지",
        "KOGL Type 4: attribution, non-commercial, no derivatives",
    ),
    "cc-by-4.0": ("CC BY 4.0", "Creative Commons Attribution 4.0"),
    "cc0-1.0": ("CC0 1.0", "CC0 1.0 public domain"),
    "other": ("기타", "Other"),
}

UPDATE_CYCLES: dict[str, tuple[str, str]] = {
    "irregular": ("수시", "Irregular"),
    "realtime": ("실시간", "Real time"),
    "daily": ("일간", "Daily"),
    "weekly": ("주간", "Weekly"),
    "monthly": ("월간", "Monthly"),
    "quarterly": ("분기", "Quarterly"),
    "half-yearly": ("반기", "Half-yearly"),
    "yearly": ("연간", "Yearly"),
}


@dataclass(frozen=True)
class Version:
    id: int
    resource_id: int
    number: int
    created_at: datetime
    created_by: str | None
    filename: str
    format: str
    row_count: int
    column_count: int
    size_bytes: int
    parquet_key: str | None
    source_key: str
    checksum: str
    source_encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    columns: list[dict[str, Any]] = field(default_factory=list)
    quality: dict[str, Any] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def quality_score(self) -> float | None:
        score = self.quality.get("score")
        return float(score) if score is not None else None

    @property
    def is_table(self) -> bool:
        return self.parquet_key is not None


@dataclass(frozen=True)
class Resource:
    id: int
    dataset_id: int
    name: str
    title: str
    created_at: datetime
    updated_at: datetime
    current: Version | None = None
    version_count: int = 0


@dataclass(frozen=True)
class Dataset:
    id: int
    name: str
    title: str
    title_en: str
    description: str
    owner_org_id: int
    owner_org_slug: str
    owner_org_title: str
    visibility: Visibility
    keywords: list[str] = field(default_factory=list)
    theme: str | None = None
    licence: str | None = None
    update_cycle: str | None = None
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    temporal_start: date | None = None
    temporal_end: date | None = None
    spatial_coverage: str = ""
    legal_basis: str = ""  # the law that allows holding its unique identifiers (주민등록번호 …)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    view_count: int = 0
    download_count: int = 0
    api_call_count: int = 0  # reads through /api/v1 (metadata, rows, files); a count, never who
    formats: tuple[str, ...] = ()
    quality_score: float | None = None


@dataclass(frozen=True)
class Usage:
    """Uses of a dataset to add to its figures: counts only, never who."""

    views: int = 0
    downloads: int = 0
    api_calls: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.views + other.views, self.downloads + other.downloads, self.api_calls + other.api_calls
        )

    def __bool__(self) -> bool:
        return bool(self.views or self.downloads or self.api_calls)


def can_read(actor: Actor, dataset: Dataset) -> bool:
    """The one rule every surface applies before showing a dataset or anything in it."""
    if actor.sysadmin or dataset.visibility is Visibility.PUBLIC or dataset.id in actor.granted:
        return True
    if dataset.visibility is Visibility.INTERNAL:
        return actor.staff or dataset.owner_org_id in actor.roles
    return dataset.owner_org_id in actor.roles


def can_edit(actor: Actor, dataset: Dataset) -> bool:
    return actor.can_edit_in(dataset.owner_org_id)


_KEYWORD_MAX = 30


class DatasetDraft(BaseModel):
    """Dataset metadata as a user submits it; validation is the rule, not the form."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = PydField(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")
    title: str = PydField(min_length=1, max_length=300)
    title_en: str = PydField("", max_length=300)
    description: str = PydField("", max_length=20_000)
    owner_org: str = PydField(min_length=1)
    visibility: Visibility = Visibility.PUBLIC
    keywords: list[str] = PydField(default_factory=list)
    theme: str | None = None
    licence: str | None = None
    update_cycle: str | None = None
    contact_name: str = PydField("", max_length=200)
    contact_email: str = PydField("", max_length=320)
    contact_phone: str = PydField("", max_length=50)
    temporal_start: date | None = None
    temporal_end: date | None = None
    spatial_coverage: str = PydField("", max_length=300)
    legal_basis: str = PydField("", max_length=2000)

    @field_validator("keywords", mode="before")
    @classmethod
    def _split_keywords(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace(";", ",").split(",")
        if isinstance(value, list):
            seen: dict[str, None] = {}
            for k in value:
                k = str(k).strip()
                if k:
                    seen.setdefault(k[:50], None)
            return list(seen)[:_KEYWORD_MAX]
        return value

    @field_validator("theme")
    @classmethod
    def _known_theme(cls, value: str | None) -> str | None:
        if value and value not in THEMES:
            raise ValueError(f"unknown theme; use one of {', '.join(THEMES)}")
        return value or None

    @field_validator("licence")
    @classmethod
    def _known_licence(cls, value: str | None) -> str | None:
        if value and value not in LICENCES:
            raise ValueError(f"unknown licence; use one of {', '.join(LICENCES)}")
        return value or None

    @field_validator("update_cycle")
    @classmethod
    def _known_cycle(cls, value: str | None) -> str | None:
        if value and value not in UPDATE_CYCLES:
            raise ValueError(f"unknown update cycle; use one of {', '.join(UPDATE_CYCLES)}")
        return value or None

    @model_validator(mode="after")
    def _coverage_in_order(self) -> DatasetDraft:
        if self.temporal_start and self.temporal_end and self.temporal_start > self.temporal_end:
            raise ValueError("temporal_start is after temporal_end")
        return self


# Fields a PATCH may change (the name is the URL and stays).
EDITABLE_FIELDS = frozenset(DatasetDraft.model_fields) - {"name"}
