"""The native API's request and response shapes (kept apart from domain and tables)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field

from hubcity.domain.accounts import ORG_KIND_LABELS, ApiToken, Org, User
from hubcity.domain.datasets import LICENCES, THEMES, Dataset, Resource, Version
from hubcity.domain.jobs import Job
from hubcity.domain.query import SavedQuery
from hubcity.services.quota import QuotaStatus

__all__ = [
    "DatasetCreate",
    "DatasetPage",
    "DatasetRead",
    "DatasetUsage",
    "DatasetUpdate",
    "ErrorRead",
    "JobRead",
    "OrgCreate",
    "OrgRead",
    "ResourceRead",
    "RetypeRequest",
    "RowsRead",
    "TokenCreate",
    "TokenCreated",
    "TokenRead",
    "UserCreate",
    "UserRead",
    "VersionRead",
]


def json_answer(model: BaseModel) -> Response:
    """The model as JSON, serialised once: an endpoint that returns the model itself has FastAPI
    validate and encode it again (a few ms for a page of rows). The route's response_model still
    documents it."""
    return Response(model.model_dump_json(), media_type="application/json")


class ErrorRead(BaseModel):
    ok: bool = False
    error: str
    error_en: str
    errors: list[dict[str, Any]] = []
    status: int


class OrgRead(BaseModel):
    slug: str
    title: str
    title_en: str
    kind: str
    kind_label: str
    parent: str | None
    description: str
    dataset_count: int | None = None

    @classmethod
    def of(cls, org: Org, dataset_count: int | None = None) -> OrgRead:
        return cls(
            slug=org.slug,
            title=org.title,
            title_en=org.title_en,
            kind=str(org.kind),
            kind_label=ORG_KIND_LABELS[org.kind][0],
            parent=org.parent_slug,
            description=org.description,
            dataset_count=dataset_count,
        )


class OrgCreate(BaseModel):
    slug: str
    title: str
    kind: str
    title_en: str = ""
    parent: str | None = None
    description: str = ""


class UserRead(BaseModel):
    username: str
    display_name: str
    email: str
    sysadmin: bool
    memberships: list[dict[str, str]]

    @classmethod
    def of(cls, user: User) -> UserRead:
        return cls(
            username=user.username,
            display_name=user.display_name,
            email=user.email,
            sysadmin=user.sysadmin,
            memberships=[{"org": m.org_slug, "role": str(m.role)} for m in user.memberships],
        )


class UserCreate(BaseModel):
    username: str
    password: str | None = None
    display_name: str = ""
    email: str = ""
    sysadmin: bool = False
    org: str | None = None
    role: str = "member"


class TokenCreate(BaseModel):
    name: str
    expires_days: int | None = None


class TokenRead(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenRead:
        return cls(**{k: getattr(token, k) for k in cls.model_fields})


class QuotaRead(BaseModel):
    role: str = Field(description="Whose limits apply: anonymous, member, editor, admin or sysadmin.")
    counted_per: str = Field(description="token, user (a browser session) or address (anonymous).")
    per_minute: int = Field(description="Queries allowed in any minute; 0 = no limit.")
    per_day: int = Field(description="Queries allowed per Korean day; 0 = no quota.")
    used_today: int = Field(description="Queries counted today (Korean time) while a daily quota applies.")
    remaining_today: int | None = Field(description="What is left of today's quota; null without one.")
    resets_at: datetime = Field(description="When the daily quota renews: the next midnight in Korea.")

    @classmethod
    def of(cls, status: QuotaStatus) -> QuotaRead:
        return cls(
            role=status.role,
            counted_per=status.counted_per,
            per_minute=status.per_minute,
            per_day=status.per_day,
            used_today=status.used_today,
            remaining_today=status.remaining_today,
            resets_at=status.resets_at,
        )


class TokenCreated(TokenRead):
    token: str = Field(description="The token itself. It is shown once and never again.")


class DatasetCreate(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = Field(description="URL name: lowercase letters, digits, '-' and '_'.")
    title: str
    owner_org: str
    title_en: str = ""
    description: str = ""
    visibility: str = "public"
    keywords: list[str] | str = []
    theme: str | None = None
    licence: str | None = None
    update_cycle: str | None = None
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    temporal_start: date | None = None
    temporal_end: date | None = None
    spatial_coverage: str = ""
    legal_basis: str = Field("", description="The law that allows holding the dataset's unique identifiers.")


class DatasetUpdate(BaseModel):
    model_config = ConfigDict(extra="allow")
    title: str | None = None
    title_en: str | None = None
    description: str | None = None
    visibility: str | None = None
    owner_org: str | None = None
    keywords: list[str] | str | None = None
    theme: str | None = None
    licence: str | None = None
    update_cycle: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    temporal_start: date | None = None
    temporal_end: date | None = None
    spatial_coverage: str | None = None
    legal_basis: str | None = None


class VersionRead(BaseModel):
    number: int
    created_at: datetime
    created_by: str | None
    filename: str
    format: str
    source_encoding: str | None
    delimiter: str | None
    header_row: int | None
    sheet: str | None
    sheets: list[str]
    row_count: int
    column_count: int
    size_bytes: int
    checksum: str
    quality_score: float | None
    warnings: list[dict[str, Any]]

    @classmethod
    def of(cls, v: Version) -> VersionRead:
        return cls(
            number=v.number,
            created_at=v.created_at,
            created_by=v.created_by,
            filename=v.filename,
            format=v.format,
            source_encoding=v.source_encoding,
            delimiter=v.delimiter,
            header_row=v.header_row,
            sheet=v.sheet,
            sheets=v.sheets,
            row_count=v.row_count,
            column_count=v.column_count,
            size_bytes=v.size_bytes,
            checksum=v.checksum,
            quality_score=v.quality_score,
            warnings=v.warnings,
        )


class ResourceRead(BaseModel):
    name: str
    title: str
    dataset: str
    format: str | None
    row_count: int
    columns: list[dict[str, Any]]
    source_encoding: str | None
    quality: dict[str, Any]
    current_version: int | None
    versions: list[VersionRead]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, dataset: Dataset, resource: Resource, versions: list[Version] | None = None) -> ResourceRead:
        cur = resource.current
        return cls(
            name=resource.name,
            title=resource.title,
            dataset=dataset.name,
            format=cur.format if cur else None,
            row_count=cur.row_count if cur else 0,
            columns=cur.columns if cur else [],
            source_encoding=cur.source_encoding if cur else None,
            quality=cur.quality if cur else {},
            current_version=cur.number if cur else None,
            versions=[VersionRead.of(v) for v in versions or []],
            created_at=resource.created_at,
            updated_at=resource.updated_at,
        )


class DatasetUsage(BaseModel):
    """How often a dataset was used — counts only; nothing about who (no addresses, no user ids)."""

    views: int = Field(description="Views of the dataset's web page.")
    downloads: int = Field(description="Files downloaded, through any channel.")
    api_calls: int = Field(description="Reads through /api/v1: the dataset, its resources, rows and files.")


class DatasetRead(BaseModel):
    name: str
    title: str
    title_en: str
    description: str
    owner_org: str
    owner_org_title: str
    visibility: str
    keywords: list[str]
    theme: str | None
    theme_label: str | None
    licence: str | None
    licence_label: str | None
    update_cycle: str | None
    contact_name: str
    contact_email: str
    contact_phone: str
    temporal_start: date | None
    temporal_end: date | None
    spatial_coverage: str
    legal_basis: str
    formats: list[str]
    quality_score: float | None
    view_count: int
    download_count: int
    usage: DatasetUsage
    created_at: datetime | None
    updated_at: datetime | None
    resources: list[ResourceRead] | None = None
    harvest: dict[str, Any] | None = Field(
        None, description="For a harvested dataset: the source, its kind, the upstream URL and identifier."
    )

    @classmethod
    def of(cls, d: Dataset, resources: list[Resource] | None = None) -> DatasetRead:
        return cls(
            name=d.name,
            title=d.title,
            title_en=d.title_en,
            description=d.description,
            owner_org=d.owner_org_slug,
            owner_org_title=d.owner_org_title,
            visibility=str(d.visibility),
            keywords=d.keywords,
            theme=d.theme,
            theme_label=THEMES[d.theme][0] if d.theme in THEMES else None,
            licence=d.licence,
            licence_label=LICENCES[d.licence][0] if d.licence in LICENCES else None,
            update_cycle=d.update_cycle,
            contact_name=d.contact_name,
            contact_email=d.contact_email,
            contact_phone=d.contact_phone,
            temporal_start=d.temporal_start,
            temporal_end=d.temporal_end,
            spatial_coverage=d.spatial_coverage,
            legal_basis=d.legal_basis,
            formats=list(d.formats),
            quality_score=d.quality_score,
            view_count=d.view_count,
            download_count=d.download_count,
            usage=DatasetUsage(views=d.view_count, downloads=d.download_count, api_calls=d.api_call_count),
            created_at=d.created_at,
            updated_at=d.updated_at,
            resources=[ResourceRead.of(d, r) for r in resources] if resources is not None else None,
        )


class DatasetPage(BaseModel):
    items: list[DatasetRead]
    total: int
    limit: int
    offset: int
    facets: dict[str, dict[str, int]] = {}
    suggestion: str | None = None  # "did you mean", when a search found little


class JobRead(BaseModel):
    id: str
    kind: str
    state: str
    progress: float
    stage: str
    bytes_done: int
    bytes_total: int
    rows_done: int
    dataset: str | None
    resource: str | None
    version: int | None
    message: str
    error: dict[str, Any] | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, job: Job) -> JobRead:
        return cls(
            id=job.id,
            kind=job.kind,
            state=str(job.state),
            progress=job.progress,
            stage=job.stage,
            bytes_done=job.bytes_done,
            bytes_total=job.bytes_total,
            rows_done=job.rows_done,
            dataset=job.dataset_name,
            resource=job.resource_name,
            version=job.version_number,
            message=job.message,
            error=job.error,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


class RowsRead(BaseModel):
    columns: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
    version: int
    next_cursor: str | None = Field(
        None,
        description="Pass as `cursor` for the next page: it stays on this version even when a newer one "
        "is published meanwhile. Null on the last page.",
    )


class AggregateRead(BaseModel):
    group_by: list[str]
    rows: list[dict[str, Any]]
    truncated: bool = Field(description="True when there were more groups than the row limit")
    version: int


class QueryRequest(BaseModel):
    sql: str = Field(min_length=1, max_length=100_000, description="One read-only SELECT statement")
    max_rows: int | None = Field(None, ge=0, description="At most this many rows (capped by the server)")
    query_id: str | None = Field(
        None, max_length=100, description="Your id for this run, to cancel it with DELETE /query/{id}"
    )


class QueryRead(BaseModel):
    columns: list[dict[str, str]]
    rows: list[dict[str, Any]]
    truncated: bool
    elapsed_ms: float
    tables: list[str] = Field(description="The table versions the query read, as dataset.resource@vN")


class ExplainRead(BaseModel):
    plan: str


class SavedQueryCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    sql: str = Field(min_length=1, max_length=100_000)
    description: str = Field("", max_length=5000)
    shared: bool = Field(False, description="Anyone with the link may open it and run it under their rights")


class SavedQueryUpdate(BaseModel):
    title: str | None = Field(None, min_length=1, max_length=200)
    sql: str | None = Field(None, min_length=1, max_length=100_000)
    description: str | None = Field(None, max_length=5000)
    shared: bool | None = None


class SavedQueryRead(BaseModel):
    id: str
    title: str
    description: str
    sql: str
    owner: str
    shared: bool
    created_at: datetime
    updated_at: datetime
    url: str

    @classmethod
    def of(cls, q: SavedQuery) -> SavedQueryRead:
        return cls(
            id=q.id,
            title=q.title,
            description=q.description,
            sql=q.sql,
            owner=q.owner_name,
            shared=q.shared,
            created_at=q.created_at,
            updated_at=q.updated_at,
            url=f"/sql?saved={q.id}",
        )


class TableInfoRead(BaseModel):
    name: str
    dataset: str
    dataset_title: str
    resource: str
    resource_title: str
    version: int
    row_count: int
    columns: list[dict[str, Any]]


class RetypeRequest(BaseModel):
    column_types: dict[str, str] = Field(
        description="Column name → integer|decimal|text|date|timestamp|boolean"
    )
