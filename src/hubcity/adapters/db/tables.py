"""The metadata schema: SQLAlchemy 2 tables, the same on SQLite and PostgreSQL.

Alembic migrations in ``alembic/versions`` create exactly these tables; a test
checks that the migrated schema and this module agree.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class OrgRow(Base):
    __tablename__ = "orgs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id", ondelete="SET NULL"), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sysadmin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    memberships: Mapped[list[MembershipRow]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )


class MembershipRow(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "org_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    user: Mapped[UserRow] = relationship(back_populates="memberships")
    org: Mapped[OrgRow] = relationship(lazy="joined")


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


_LIVE = text("deleted_at IS NULL")


class DatasetRow(Base):
    __tablename__ = "datasets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    visibility: Mapped[str] = mapped_column(String(20), index=True)
    keywords: Mapped[list[Any]] = mapped_column(JSON, default=list)
    theme: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    licence: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    update_cycle: Mapped[str | None] = mapped_column(String(20), nullable=True)
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    temporal_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    temporal_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    spatial_coverage: Mapped[str] = mapped_column(String(300), default="")
    # the law that allows holding (and publishing) the dataset's unique identifiers (주민등록번호 …)
    legal_basis: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    download_count: Mapped[int] = mapped_column(Integer, default=0)
    # reads of the dataset, its rows or its files through /api/v1 (a count only, never who)
    api_call_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    owner_org: Mapped[OrgRow] = relationship(lazy="joined")
    resources: Mapped[list[ResourceRow]] = relationship(
        back_populates="dataset", cascade="all, delete-orphan", lazy="selectin", order_by="ResourceRow.id"
    )
    # the orders a listing of live datasets walks (search_index.listing): newest and created here,
    # title and popular below. Partial, on the live rows only: led by deleted_at instead, SQLite
    # took them for "id IN (…) AND deleted_at IS NULL" and read every live dataset, not a few by key
    __table_args__ = (
        Index("ix_datasets_live_updated", "updated_at", "id", sqlite_where=_LIVE, postgresql_where=_LIVE),
        Index("ix_datasets_live_created", "created_at", "id", sqlite_where=_LIVE, postgresql_where=_LIVE),
    )


# by title (ties: newest id first), and most viewed and downloaded first (the front page's "popular")
Index(
    "ix_datasets_live_title",
    DatasetRow.title,
    DatasetRow.id.desc(),
    sqlite_where=_LIVE,
    postgresql_where=_LIVE,
)
Index(
    "ix_datasets_live_popular",
    DatasetRow.view_count + 3 * DatasetRow.download_count,
    sqlite_where=_LIVE,
    postgresql_where=_LIVE,
)


class ResourceRow(Base):
    __tablename__ = "resources"
    __table_args__ = (UniqueConstraint("dataset_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300), default="")
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("versions.id", use_alter=True, ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    dataset: Mapped[DatasetRow] = relationship(back_populates="resources")
    current_version: Mapped[VersionRow | None] = relationship(
        foreign_keys=[current_version_id], lazy="joined", post_update=True
    )


class VersionRow(Base):
    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("resource_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_by_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    filename: Mapped[str] = mapped_column(String(300))
    format: Mapped[str] = mapped_column(String(20))
    source_encoding: Mapped[str | None] = mapped_column(String(30), nullable=True)
    delimiter: Mapped[str | None] = mapped_column(String(4), nullable=True)
    header_row: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sheet: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sheets: Mapped[list[Any]] = mapped_column(JSON, default=list)
    row_count: Mapped[int] = mapped_column(BigInteger, default=0)
    column_count: Mapped[int] = mapped_column(Integer, default=0)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    checksum: Mapped[str] = mapped_column(String(64))
    parquet_key: Mapped[str | None] = mapped_column(String(500), nullable=True)
    source_key: Mapped[str] = mapped_column(String(500))
    columns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    quality: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    quality_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SearchTermRow(Base):
    """A term of a dataset's searchable text: the fields it occurs in, how much it says there, and
    the dataset's facet profile (so a search counts and filters without reading ``datasets``).

    Clustered by (term, dataset) on SQLite (no rowid), so a term's datasets are one range read.
    """

    __tablename__ = "search_terms"
    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    fields: Mapped[str] = mapped_column(String(100))  # "title,keywords"
    weight: Mapped[float] = mapped_column(Float)
    profile_id: Mapped[int] = mapped_column(Integer)
    __table_args__ = ({"sqlite_with_rowid": False},)


class SearchVocabRow(Base):
    """How many datasets hold each term; the empty term counts the datasets in the index."""

    __tablename__ = "search_vocab"
    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    df: Mapped[int] = mapped_column(Integer)
    __table_args__ = ({"sqlite_with_rowid": False},)


class SearchProfileRow(Base):
    """What the search filters and counts datasets by: visibility, owner and facet values ('' for none).

    Datasets that agree on all of them share a profile; a profile never changes once written.
    """

    __tablename__ = "search_profiles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visibility: Mapped[str] = mapped_column(String(20))
    owner_org_id: Mapped[int] = mapped_column(Integer)
    theme: Mapped[str] = mapped_column(String(40))
    licence: Mapped[str] = mapped_column(String(40))
    update_cycle: Mapped[str] = mapped_column(String(20))
    district: Mapped[str] = mapped_column(String(20))  # 자치구 from the spatial coverage
    formats: Mapped[str] = mapped_column(String(200))  # ",csv,xlsx,"
    __table_args__ = (
        UniqueConstraint(
            "visibility", "owner_org_id", "theme", "licence", "update_cycle", "district", "formats"
        ),
    )


class SearchDocRow(Base):
    """An indexed dataset and its facet profile."""

    __tablename__ = "search_docs"
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True)
    profile_id: Mapped[int] = mapped_column(Integer, index=True)


class SearchMissRow(Base):
    """A search that found nothing: the normalised query and how often (never who asked)."""

    __tablename__ = "search_misses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    query: Mapped[str] = mapped_column(String(200), unique=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class JobRow(Base):
    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20), index=True)
    dataset_id: Mapped[int | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), nullable=True, index=True
    )
    resource_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("versions.id", ondelete="SET NULL"), nullable=True
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    bytes_done: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_total: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_done: Mapped[int] = mapped_column(BigInteger, default=0)
    stage: Mapped[str] = mapped_column(String(30), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DataRequestRow(Base):
    """A citizen's request for data the city does not publish (공공데이터 제공신청)."""

    __tablename__ = "data_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    requester_name: Mapped[str] = mapped_column(String(100), default="")
    requester_email: Mapped[str] = mapped_column(String(320), default="")
    suggested_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("orgs.id", ondelete="SET NULL"), nullable=True
    )
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("orgs.id", ondelete="SET NULL"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(20), index=True)
    answer: Mapped[str] = mapped_column(Text, default="")
    dataset_id: Mapped[int | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL"), nullable=True
    )
    due_on: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    org: Mapped[OrgRow | None] = relationship(foreign_keys=[org_id], lazy="joined")
    suggested_org: Mapped[OrgRow | None] = relationship(foreign_keys=[suggested_org_id], lazy="joined")
    dataset: Mapped[DatasetRow | None] = relationship(lazy="joined")


class DataRequestEventRow(Base):
    """One step of a request's history: the status after it, the owner, the note and who (staff)."""

    __tablename__ = "data_request_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("data_requests.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id", ondelete="SET NULL"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    dataset_id: Mapped[int | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL"), nullable=True
    )
    by_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    org: Mapped[OrgRow | None] = relationship(lazy="joined")
    dataset: Mapped[DatasetRow | None] = relationship(lazy="joined")


class SavedQueryRow(Base):
    """A named SQL query of a user's; shared ones open for anyone with the link (run under their rights)."""

    __tablename__ = "saved_queries"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    sql: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    owner: Mapped[UserRow] = relationship(lazy="joined")


class AuditRow(Base):
    """One entry of the hash-chained audit log (append-only; see domain/audit.py).

    No foreign keys: removing a user or a dataset must never change an audit entry.
    """

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_name: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    object_kind: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(300))
    dataset_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    columns: Mapped[list[Any]] = mapped_column(JSON)
    rows: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    purpose: Mapped[str] = mapped_column(Text)
    grant_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class HarvestSourceRow(Base):
    """A remote CKAN portal or DCAT catalogue harvested into a local organisation."""

    __tablename__ = "harvest_sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(10))
    url: Mapped[str] = mapped_column(String(1000))
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    schedule_hours: Mapped[int] = mapped_column(Integer, default=24)
    fetch_files: Mapped[bool] = mapped_column(Boolean, default=False)
    filter_org: Mapped[str] = mapped_column(String(100), default="")
    filter_q: Mapped[str] = mapped_column(String(500), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    official: Mapped[str] = mapped_column(String(100), default="", server_default="")
    case_no: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # the upstream portal's API key, sealed by the harvest service (never read back into a page)
    api_key_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    org: Mapped[OrgRow] = relationship(lazy="joined")


class HarvestRunRow(Base):
    """One run of a source: its state, counts per change kind, and a message when it failed."""

    __tablename__ = "harvest_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("harvest_sources.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    trigger: Mapped[str] = mapped_column(String(20), default="manual")
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message: Mapped[str] = mapped_column(Text, default="")
    message_en: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class HarvestChangeRow(Base):
    """What a run did to one upstream dataset: created, updated (with a field diff), unchanged, …"""

    __tablename__ = "harvest_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("harvest_runs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    identifier: Mapped[str] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(String(300), default="")
    dataset_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    diff: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message: Mapped[str] = mapped_column(Text, default="")
    message_en: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HarvestObjectRow(Base):
    """An upstream dataset and the local dataset that holds it (one per source and identifier)."""

    __tablename__ = "harvest_objects"
    __table_args__ = (UniqueConstraint("source_id", "identifier"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("harvest_sources.id", ondelete="CASCADE"), index=True)
    identifier: Mapped[str] = mapped_column(String(500))
    dataset_id: Mapped[int | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL"), nullable=True, index=True
    )
    upstream_url: Mapped[str] = mapped_column(String(1000), default="")
    upstream_modified: Mapped[str] = mapped_column(String(64), default="")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    files: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default="active")
    harvested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    dataset: Mapped[DatasetRow | None] = relationship(lazy="joined")


class ChartRow(Base):
    """A chart: Vega-Lite options over one query's result."""

    __tablename__ = "charts"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    sql: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(300), default="sql")
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    owner: Mapped[UserRow] = relationship(lazy="joined")


class DashboardRow(Base):
    """A grid of tiles (charts and numbers) with filters that apply to every tile."""

    __tablename__ = "dashboards"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    filters: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    owner: Mapped[UserRow] = relationship(lazy="joined")


class DashboardTileRow(Base):
    __tablename__ = "dashboard_tiles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dashboard_id: Mapped[str] = mapped_column(ForeignKey("dashboards.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200), default="")
    chart_id: Mapped[str | None] = mapped_column(
        ForeignKey("charts.id", ondelete="CASCADE"), nullable=True, index=True
    )
    sql: Mapped[str] = mapped_column(Text, default="")
    width: Mapped[int] = mapped_column(Integer, default=1)


class EvidencePackRow(Base):
    """Pinned versions + query + chart + narrative, with the numbers at creation; never edited."""

    __tablename__ = "evidence_packs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    narrative: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    shared_with: Mapped[list[Any]] = mapped_column(JSON, default=list)
    shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # by link
    sql: Mapped[str] = mapped_column(Text)
    pinned_sql: Mapped[str] = mapped_column(Text)
    pinned: Mapped[list[Any]] = mapped_column(JSON, default=list)
    chart: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    owner: Mapped[UserRow] = relationship(lazy="joined")


class AccessRequestRow(Base):
    """A request to use a restricted or internal dataset, and the owner's decision on it."""

    __tablename__ = "access_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("orgs.id", ondelete="SET NULL"), nullable=True, index=True
    )
    purpose: Mapped[str] = mapped_column(Text)
    columns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    grant_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    dataset: Mapped[DatasetRow] = relationship(lazy="joined")
    requester: Mapped[UserRow] = relationship(lazy="joined")
    org: Mapped[OrgRow | None] = relationship(lazy="joined")


class GrantRow(Base):
    """What a decision (or an agreement) allows: columns, rows, transformations, purpose, period."""

    __tablename__ = "grants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    grantee_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
    )
    grantee_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), nullable=True, index=True
    )
    columns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    row_filter: Mapped[list[Any]] = mapped_column(JSON, default=list)
    transforms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    purpose: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    request_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    agreement_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    revoke_reason: Mapped[str] = mapped_column(Text, default="")
    key_salt: Mapped[str] = mapped_column(String(64), default="")
    dataset: Mapped[DatasetRow] = relationship(lazy="joined")
    grantee_user: Mapped[UserRow | None] = relationship(lazy="joined")
    grantee_org: Mapped[OrgRow | None] = relationship(lazy="joined")


class AgreementRow(Base):
    """A data-sharing agreement (MOU) between a partner institution and a city department."""

    __tablename__ = "agreements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    partner_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    city_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    purpose: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    delete_after_days: Mapped[int] = mapped_column(Integer)
    no_onward_transfer: Mapped[bool] = mapped_column(Boolean, default=True)
    contacts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ended_early_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    end_reason: Mapped[str] = mapped_column(Text, default="")
    shared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    partner_org: Mapped[OrgRow] = relationship(foreign_keys=[partner_org_id], lazy="joined")
    city_org: Mapped[OrgRow] = relationship(foreign_keys=[city_org_id], lazy="joined")
    datasets: Mapped[list[AgreementDatasetRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AgreementDatasetRow.id"
    )


class AgreementDatasetRow(Base):
    """A dataset in an agreement's scope (of either party)."""

    __tablename__ = "agreement_datasets"
    __table_args__ = (UniqueConstraint("agreement_id", "dataset_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    dataset: Mapped[DatasetRow] = relationship(lazy="joined")


class AgreementTransferRow(Base):
    """One push into (or export out of) the hub under an agreement: a record, like X-Road's message log.

    Only the agreement is a foreign key: removing a dataset or a user must never change a record.
    """

    __tablename__ = "agreement_transfers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    dataset_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    dataset_name: Mapped[str] = mapped_column(String(100))
    resource_name: Mapped[str] = mapped_column(String(100), default="")
    version_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    job_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    format: Mapped[str] = mapped_column(String(20), default="")
    official: Mapped[str] = mapped_column(String(100))
    case_no: Mapped[str] = mapped_column(String(100), default="")
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    username: Mapped[str | None] = mapped_column(String(64), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class NoticeRow(Base):
    """One notice in one user's inbox, and whether it went out by mail."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(300))
    subject_en: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    mail_tries: Mapped[int] = mapped_column(Integer, default=0)
    mail_error: Mapped[str] = mapped_column(String(500), default="")
