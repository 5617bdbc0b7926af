"""SqlStore: the MetadataStore port on SQLAlchemy 2 (SQLite or PostgreSQL).

Each method is one transaction. Rows (``*Row``) never leave this module: they
are converted to the domain's dataclasses at the boundary.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Engine, Select, Table, Text, and_, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hubcity.adapters.db import search_index
from hubcity.adapters.db.evidence import EvidenceStore
from hubcity.adapters.db.tables import (
    ApiTokenRow,
    DataRequestEventRow,
    DataRequestRow,
    DatasetRow,
    JobRow,
    MembershipRow,
    OrgRow,
    ResourceRow,
    SavedQueryRow,
    SearchMissRow,
    SearchTermRow,
    UserRow,
    VersionRow,
)
from hubcity.adapters.db.times import aware as _aware
from hubcity.domain.accounts import ApiToken, Membership, Org, OrgKind, Role, User
from hubcity.domain.datasets import Dataset, Resource, Usage, Version, Visibility
from hubcity.domain.jobs import Job, JobState
from hubcity.domain.query import SavedQuery
from hubcity.domain.requests import (
    OPEN_STATUSES,
    DataRequest,
    DataRequestFilter,
    RequestEvent,
    RequestStatus,
)
from hubcity.errors import AlreadyExists, NotFound
from hubcity.ports import DatasetFilter, ReadScope, SearchDocument, SearchPage

__all__ = ["SqlStore"]


def _now() -> datetime:
    return datetime.now(UTC)


def _org(row: OrgRow, parent_slug: str | None = None) -> Org:
    return Org(
        id=row.id,
        slug=row.slug,
        title=row.title,
        title_en=row.title_en,
        kind=OrgKind(row.kind),
        parent_id=row.parent_id,
        parent_slug=parent_slug,
        description=row.description,
        created_at=_aware(row.created_at),
    )


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        email=row.email,
        sysadmin=row.sysadmin,
        active=row.active,
        created_at=_aware(row.created_at),
        memberships=tuple(
            Membership(org_id=m.org_id, org_slug=m.org.slug, org_kind=OrgKind(m.org.kind), role=Role(m.role))
            for m in row.memberships
        ),
    )


def _token(row: ApiTokenRow) -> ApiToken:
    created = _aware(row.created_at)
    assert created is not None
    return ApiToken(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        prefix=row.prefix,
        created_at=created,
        expires_at=_aware(row.expires_at),
        last_used_at=_aware(row.last_used_at),
        revoked_at=_aware(row.revoked_at),
    )


def _version(row: VersionRow) -> Version:
    created = _aware(row.created_at)
    assert created is not None
    return Version(
        id=row.id,
        resource_id=row.resource_id,
        number=row.number,
        created_at=created,
        created_by=row.created_by_name,
        filename=row.filename,
        format=row.format,
        row_count=row.row_count,
        column_count=row.column_count,
        size_bytes=row.size_bytes,
        parquet_key=row.parquet_key,
        source_key=row.source_key,
        checksum=row.checksum,
        source_encoding=row.source_encoding,
        delimiter=row.delimiter,
        header_row=row.header_row,
        sheet=row.sheet,
        sheets=list(row.sheets or []),
        columns=list(row.columns or []),
        quality=dict(row.quality or {}),
        warnings=list(row.warnings or []),
        options=dict(row.options or {}),
    )


def _saved_query(row: SavedQueryRow) -> SavedQuery:
    created, updated = _aware(row.created_at), _aware(row.updated_at)
    assert created is not None and updated is not None
    return SavedQuery(
        id=row.id,
        title=row.title,
        description=row.description,
        sql=row.sql,
        owner_id=row.owner_id,
        owner_name=row.owner.display_name or row.owner.username,
        shared=row.shared,
        created_at=created,
        updated_at=updated,
    )


def _resource(row: ResourceRow, version_count: int = 0) -> Resource:
    created, updated = _aware(row.created_at), _aware(row.updated_at)
    assert created is not None and updated is not None
    return Resource(
        id=row.id,
        dataset_id=row.dataset_id,
        name=row.name,
        title=row.title,
        created_at=created,
        updated_at=updated,
        current=_version(row.current_version) if row.current_version else None,
        version_count=version_count,
    )


def _page_rows(s: Session, ids: list[int]) -> dict[int, DatasetRow]:
    """The rows ``_dataset`` needs for a page of results, read with two plain queries."""
    if not ids:
        return {}
    return _plain_datasets(s.connection(), _DATASET_BY_IDS, {"ids": ids})


# The plain queries that every read of a table (and every request with a token) makes: built
# once (building a statement with its labels and subquery on every call cost more than running
# it) and run on a plain connection, without an ORM session or the ORM's loading of rows. They
# are asked on every request: nothing about a dataset, a version or a token is kept in between,
# so a new version, a change of visibility or a revoked token counts at once in every process.
_DATASETS = typing.cast(Table, DatasetRow.__table__)
_RESOURCES = typing.cast(Table, ResourceRow.__table__)
_VERSIONS = typing.cast(Table, VersionRow.__table__)
_DATASET_QUERY = select(_DATASETS, OrgRow.slug.label("_org_slug"), OrgRow.title.label("_org_title")).join(
    OrgRow, OrgRow.id == _DATASETS.c.owner_org_id
)
_DATASET_BY_IDS = _DATASET_QUERY.where(_DATASETS.c.id.in_(bindparam("ids", expanding=True)))
_DATASET_BY_NAME = _DATASET_QUERY.where(
    _DATASETS.c.name == bindparam("name"), _DATASETS.c.deleted_at.is_(None)
)
_CURRENT_FORMATS = (
    select(_RESOURCES.c.dataset_id, _VERSIONS.c.format, _VERSIONS.c.quality_score)
    .join(_VERSIONS, _VERSIONS.c.id == _RESOURCES.c.current_version_id)
    .where(_RESOURCES.c.dataset_id.in_(bindparam("ids", expanding=True)))
    .order_by(_RESOURCES.c.id)
)
_VERSION_LABEL = "_v_"  # prefix of the current version's columns in ``_RESOURCE_QUERY``
_COUNTED = _VERSIONS.alias("counted")
_RESOURCE_QUERY = select(
    _RESOURCES,
    select(func.count())
    .select_from(_COUNTED)
    .where(_COUNTED.c.resource_id == _RESOURCES.c.id)
    .scalar_subquery()
    .label("_version_count"),
    *(c.label(f"{_VERSION_LABEL}{c.name}") for c in _VERSIONS.c),
).outerjoin(_VERSIONS, _VERSIONS.c.id == _RESOURCES.c.current_version_id)
_RESOURCE_BY_NAME = _RESOURCE_QUERY.where(
    _RESOURCES.c.dataset_id == bindparam("dataset_id"), _RESOURCES.c.name == bindparam("name")
)
_RESOURCE_BY_ID = _RESOURCE_QUERY.where(_RESOURCES.c.id == bindparam("id"))


_USERS = typing.cast(Table, UserRow.__table__)
_USER_BY_ID = select(_USERS).where(_USERS.c.id == bindparam("id"))
_USER_BY_NAME = select(_USERS).where(_USERS.c.username == bindparam("username"))
_MEMBERSHIPS_OF = (
    select(MembershipRow.org_id, MembershipRow.role, OrgRow.slug, OrgRow.kind)
    .join(OrgRow, OrgRow.id == MembershipRow.org_id)
    .where(MembershipRow.user_id == bindparam("user_id"))
    .order_by(MembershipRow.org_id)
)
_TOKENS = typing.cast(Table, ApiTokenRow.__table__)
_TOKEN_BY_HASH = select(_TOKENS).where(_TOKENS.c.token_hash == bindparam("token_hash"))


def _plain_user(conn: Connection, query: Select[Any], params: dict[str, Any]) -> User | None:
    """The user ``query`` picks with their memberships, in two plain queries (every request made
    with a token or a session reads them, so that a deactivated user or a changed role counts at once)."""
    found = conn.execute(query, params).first()
    if found is None:
        return None
    values = dict(found._mapping)
    memberships = [
        SimpleNamespace(org_id=org_id, role=role, org=SimpleNamespace(slug=slug, kind=kind))
        for org_id, role, slug, kind in conn.execute(_MEMBERSHIPS_OF, {"user_id": values["id"]})
    ]
    return _user(typing.cast(UserRow, SimpleNamespace(**values, memberships=memberships)))


def _plain_datasets(conn: Connection, query: Select[Any], params: dict[str, Any]) -> dict[int, DatasetRow]:
    """The rows ``_dataset`` needs for the datasets ``query`` picks, read with two plain queries.

    (The ORM's loading of the same rows, their organisation, resources and versions cost more
    than the search that chose them, and most of a request for one table's rows.) The rows stand
    in for ``DatasetRow``: every column of ``datasets``, the owner's slug and title, and each
    resource's current format and score.
    """
    rows: dict[int, Any] = {}
    for row in conn.execute(query, params):
        values = dict(row._mapping)
        owner = SimpleNamespace(slug=values.pop("_org_slug"), title=values.pop("_org_title"))
        rows[int(values["id"])] = SimpleNamespace(**values, owner_org=owner, resources=[])
    if not rows:
        return {}
    for dataset_id, fmt, score in conn.execute(_CURRENT_FORMATS, {"ids": list(rows)}):
        version = SimpleNamespace(format=fmt, quality_score=score)
        rows[int(dataset_id)].resources.append(SimpleNamespace(current_version=version))
    return typing.cast(dict[int, DatasetRow], rows)


def _plain_resource(conn: Connection, query: Select[Any], params: dict[str, Any]) -> Resource | None:
    """The resource ``query`` picks, its current version and how many versions it has, in one
    plain query (the ORM's loading of the same took three queries and most of the time)."""
    found = conn.execute(query, params).first()
    if found is None:
        return None
    values = dict(found._mapping)
    number = int(values.pop("_version_count") or 0)
    current = {
        k.removeprefix(_VERSION_LABEL): values.pop(k) for k in list(values) if k.startswith(_VERSION_LABEL)
    }
    version = SimpleNamespace(**current) if current["id"] is not None else None
    return _resource(typing.cast(ResourceRow, SimpleNamespace(**values, current_version=version)), number)


def _dataset(row: DatasetRow) -> Dataset:
    formats = sorted({r.current_version.format for r in row.resources if r.current_version})
    scores = [r.current_version.quality_score for r in row.resources if r.current_version]
    known = [s for s in scores if s is not None]
    return Dataset(
        id=row.id,
        name=row.name,
        title=row.title,
        title_en=row.title_en,
        description=row.description,
        owner_org_id=row.owner_org_id,
        owner_org_slug=row.owner_org.slug,
        owner_org_title=row.owner_org.title,
        visibility=Visibility(row.visibility),
        keywords=list(row.keywords or []),
        theme=row.theme,
        licence=row.licence,
        update_cycle=row.update_cycle,
        contact_name=row.contact_name,
        contact_email=row.contact_email,
        contact_phone=row.contact_phone,
        temporal_start=row.temporal_start,
        temporal_end=row.temporal_end,
        spatial_coverage=row.spatial_coverage,
        legal_basis=row.legal_basis or "",
        created_at=_aware(row.created_at),
        updated_at=_aware(row.updated_at),
        view_count=row.view_count,
        download_count=row.download_count,
        api_call_count=row.api_call_count,
        formats=tuple(formats),
        quality_score=round(sum(known) / len(known), 2) if known else None,
    )


def _job(row: JobRow, dataset_name: str | None = None, version_number: int | None = None) -> Job:
    created = _aware(row.created_at)
    assert created is not None
    return Job(
        id=row.id,
        kind=row.kind,
        state=JobState(row.state),
        created_at=created,
        dataset_id=row.dataset_id,
        dataset_name=dataset_name,
        resource_name=row.resource_name,
        version_id=row.version_id,
        version_number=version_number,
        created_by=row.created_by,
        params=dict(row.params or {}),
        bytes_done=row.bytes_done,
        bytes_total=row.bytes_total,
        rows_done=row.rows_done,
        stage=row.stage,
        message=row.message,
        error=row.error,
        started_at=_aware(row.started_at),
        finished_at=_aware(row.finished_at),
    )


class SqlStore(EvidenceStore):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._engine: Engine = sessions.kw["bind"]
        self._profiles: dict[int, tuple[Any, ...]] = {}  # search profiles read so far (they never change)

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A connection for the plain reads every request makes (no ORM session to set up)."""
        with self._engine.connect() as conn:
            yield conn

    # -- organisations -------------------------------------------------------------------
    def create_org(
        self, *, slug: str, title: str, title_en: str, kind: str, parent_id: int | None, description: str
    ) -> Org:
        try:
            with self._tx() as s:
                row = OrgRow(
                    slug=slug,
                    title=title,
                    title_en=title_en,
                    kind=kind,
                    parent_id=parent_id,
                    description=description,
                    created_at=_now(),
                )
                s.add(row)
                s.flush()
                parent = s.get(OrgRow, parent_id) if parent_id else None
                return _org(row, parent.slug if parent else None)
        except IntegrityError as exc:
            raise AlreadyExists(
                f"기관 '{slug}'이(가) 이미 있습니다.", f"Organisation '{slug}' already exists."
            ) from exc

    def _org_with_parent(self, s: Session, row: OrgRow | None) -> Org | None:
        if row is None:
            return None
        parent = s.get(OrgRow, row.parent_id) if row.parent_id else None
        return _org(row, parent.slug if parent else None)

    def find_org(self, slug: str) -> Org | None:
        with self._tx() as s:
            return self._org_with_parent(s, s.scalar(select(OrgRow).where(OrgRow.slug == slug)))

    def find_org_by_id(self, org_id: int) -> Org | None:
        with self._tx() as s:
            return self._org_with_parent(s, s.get(OrgRow, org_id))

    def list_orgs(self) -> list[Org]:
        with self._tx() as s:
            rows = list(s.scalars(select(OrgRow).order_by(OrgRow.id)))
            slugs = {r.id: r.slug for r in rows}
            return [_org(r, slugs.get(r.parent_id) if r.parent_id else None) for r in rows]

    def count_datasets_by_org(self, scope: ReadScope) -> dict[int, int]:
        with self._tx() as s:
            base: Any = select(DatasetRow.owner_org_id, func.count())
            stmt = _scoped(base.where(DatasetRow.deleted_at.is_(None)), scope).group_by(
                DatasetRow.owner_org_id
            )
            return {int(row[0]): int(row[1]) for row in s.execute(stmt)}

    # -- users ---------------------------------------------------------------------------
    def create_user(
        self, *, username: str, display_name: str, email: str, password_hash: str | None, sysadmin: bool
    ) -> User:
        try:
            with self._tx() as s:
                row = UserRow(
                    username=username,
                    display_name=display_name,
                    email=email,
                    password_hash=password_hash,
                    sysadmin=sysadmin,
                    active=True,
                    created_at=_now(),
                )
                s.add(row)
                s.flush()
                return _user(row)
        except IntegrityError as exc:
            raise AlreadyExists(
                f"사용자 '{username}'이(가) 이미 있습니다.", f"User '{username}' already exists."
            ) from exc

    def find_user(self, username: str) -> User | None:
        with self._read() as conn:
            return _plain_user(conn, _USER_BY_NAME, {"username": username})

    def find_user_by_id(self, user_id: int) -> User | None:
        with self._read() as conn:
            return _plain_user(conn, _USER_BY_ID, {"id": user_id})

    def password_hash(self, user_id: int) -> str | None:
        with self._tx() as s:
            return s.scalar(select(UserRow.password_hash).where(UserRow.id == user_id))

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        with self._tx() as s:
            s.execute(update(UserRow).where(UserRow.id == user_id).values(password_hash=password_hash))

    def set_membership(self, user_id: int, org_id: int, role: str) -> None:
        with self._tx() as s:
            row = s.scalar(
                select(MembershipRow).where(MembershipRow.user_id == user_id, MembershipRow.org_id == org_id)
            )
            if row is None:
                s.add(MembershipRow(user_id=user_id, org_id=org_id, role=role))
            else:
                row.role = role

    def list_users(self) -> list[User]:
        with self._tx() as s:
            return [_user(r) for r in s.scalars(select(UserRow).order_by(UserRow.id))]

    def list_org_members(self, org_id: int) -> list[tuple[User, str]]:
        with self._tx() as s:
            rows = s.scalars(
                select(MembershipRow).where(MembershipRow.org_id == org_id).order_by(MembershipRow.id)
            )
            return [(_user(m.user), m.role) for m in rows]

    # -- tokens --------------------------------------------------------------------------
    def create_token(
        self, *, user_id: int, name: str, prefix: str, token_hash: str, expires_at: datetime | None
    ) -> ApiToken:
        with self._tx() as s:
            row = ApiTokenRow(
                user_id=user_id,
                name=name,
                prefix=prefix,
                token_hash=token_hash,
                created_at=_now(),
                expires_at=expires_at,
            )
            s.add(row)
            s.flush()
            return _token(row)

    def find_token_by_hash(self, token_hash: str) -> ApiToken | None:
        with self._read() as conn:
            found = conn.execute(_TOKEN_BY_HASH, {"token_hash": token_hash}).first()
            return _token(typing.cast(ApiTokenRow, found)) if found else None

    def touch_token(self, token_id: int, now: datetime) -> None:
        with self._tx() as s:
            s.execute(update(ApiTokenRow).where(ApiTokenRow.id == token_id).values(last_used_at=now))

    def revoke_token(self, token_id: int, now: datetime) -> None:
        with self._tx() as s:
            s.execute(
                update(ApiTokenRow)
                .where(ApiTokenRow.id == token_id, ApiTokenRow.revoked_at.is_(None))
                .values(revoked_at=now)
            )

    def list_tokens(self, user_id: int) -> list[ApiToken]:
        with self._tx() as s:
            rows = s.scalars(
                select(ApiTokenRow).where(ApiTokenRow.user_id == user_id).order_by(ApiTokenRow.id)
            )
            return [_token(r) for r in rows]

    # -- datasets ------------------------------------------------------------------------
    def create_dataset(self, fields: dict[str, Any]) -> Dataset:
        now = _now()
        try:
            with self._tx() as s:
                row = DatasetRow(**fields, created_at=now, updated_at=now)
                s.add(row)
                s.flush()
                s.refresh(row)
                return _dataset(row)
        except IntegrityError as exc:
            name = fields.get("name")
            raise AlreadyExists(
                f"데이터셋 '{name}'이(가) 이미 있습니다.", f"Dataset '{name}' already exists."
            ) from exc

    def find_dataset(self, name: str) -> Dataset | None:
        with self._read() as conn:
            found = _plain_datasets(conn, _DATASET_BY_NAME, {"name": name})
            return next((_dataset(row) for row in found.values()), None)

    def find_dataset_by_id(self, dataset_id: int) -> Dataset | None:
        with self._tx() as s:
            row = s.get(DatasetRow, dataset_id)
            return _dataset(row) if row and row.deleted_at is None else None

    def _filtered(self, scope: ReadScope, flt: DatasetFilter, skip: str | None = None) -> Select[Any]:
        stmt: Select[Any] = select(DatasetRow).where(DatasetRow.deleted_at.is_(None))
        stmt = _scoped(stmt, scope)
        if flt.groups:  # (searches go through search_index.search; this serves other callers)
            for group in flt.groups:
                stmt = stmt.where(
                    DatasetRow.id.in_(select(SearchTermRow.dataset_id).where(SearchTermRow.term.in_(group)))
                )
        elif flt.q:
            for word in flt.q.split():
                like = f"%{word.lower()}%"
                stmt = stmt.where(
                    or_(
                        func.lower(DatasetRow.title).like(like),
                        func.lower(DatasetRow.title_en).like(like),
                        func.lower(DatasetRow.description).like(like),
                        func.lower(DatasetRow.name).like(like),
                        func.lower(func.cast(DatasetRow.keywords, Text())).like(like),
                    )
                )
        if flt.org and skip != "org":
            stmt = stmt.where(DatasetRow.owner_org.has(OrgRow.slug == flt.org))
        if flt.theme and skip != "theme":
            stmt = stmt.where(DatasetRow.theme == flt.theme)
        if flt.licence and skip != "licence":
            stmt = stmt.where(DatasetRow.licence == flt.licence)
        if flt.visibility and skip != "visibility":
            stmt = stmt.where(DatasetRow.visibility == flt.visibility)
        if flt.format and skip != "format":
            stmt = stmt.where(
                DatasetRow.resources.any(
                    ResourceRow.current_version.has(VersionRow.format == flt.format.lower())
                )
            )
        if flt.update_cycle and skip != "update_cycle":
            stmt = stmt.where(DatasetRow.update_cycle == flt.update_cycle)
        if flt.district and skip != "district":
            stmt = stmt.where(DatasetRow.id.in_(search_index.district_filter(flt.district)))
        if flt.keyword and skip != "keyword":
            # the JSON list's text holds the keyword as a quoted element, on SQLite and PostgreSQL alike
            quoted = json.dumps(flt.keyword, ensure_ascii=False)
            stmt = stmt.where(func.cast(DatasetRow.keywords, Text()).contains(quoted, autoescape=True))
        return stmt

    def list_datasets(self, scope: ReadScope, flt: DatasetFilter) -> tuple[list[Dataset], int]:
        page = self.search_datasets(scope, flt, facets=False)
        return page.items, page.total

    def _list_from_tables(
        self, s: Session, scope: ReadScope, flt: DatasetFilter
    ) -> tuple[list[Dataset], int]:
        """A listing's page and total read from ``datasets`` itself (every row the filter keeps)."""
        stmt = self._filtered(scope, flt)
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        order: Any = {
            "created": DatasetRow.created_at.desc(),
            "popular": (DatasetRow.view_count + 3 * DatasetRow.download_count).desc(),
            "title": DatasetRow.title.asc(),
        }.get(flt.sort, DatasetRow.updated_at.desc())
        rows = s.scalars(stmt.order_by(order, DatasetRow.id.desc()).limit(flt.limit).offset(flt.offset))
        return [_dataset(r) for r in rows.unique()], int(total)

    def search_datasets(self, scope: ReadScope, flt: DatasetFilter, *, facets: bool) -> SearchPage:
        """A search (``flt.groups``) or a listing: the page in order, the total and the facet counts.

        A listing is counted from the search index's profiles as a search is; while the index does
        not hold every live dataset (being rebuilt), or for a keyword filter, the tables answer.
        """
        with self._tx() as s:
            found: tuple[list[int], int, dict[str, dict[str, int]]] | None
            if flt.groups:
                found = search_index.search(s, scope, flt, facets=facets, profiles=self._profiles)
            else:
                found = search_index.listing(s, scope, flt, facets=facets, profiles=self._profiles)
            if found is None:
                items, total = self._list_from_tables(s, scope, flt)
                counts = self._facets_from_tables(s, scope, flt) if facets else {}
                return SearchPage(items, total, counts, {})
            ids, total, counts = found
            rows = _page_rows(s, ids)
            terms = sorted({t for g in flt.groups or () for t in g if t})
            matched = search_index.matched_terms(s, ids, terms)
            return SearchPage([_dataset(rows[i]) for i in ids if i in rows], total, counts, matched)

    def term_counts(self, scope: ReadScope, terms: list[str]) -> dict[str, int]:
        with self._tx() as s:
            return search_index.term_counts(s, scope, terms)

    def known_terms(self, terms: list[str]) -> set[str]:
        with self._tx() as s:
            return search_index.known_terms(s, terms)

    def all_dataset_ids(self) -> list[int]:
        with self._tx() as s:
            return [int(i) for i in s.scalars(select(DatasetRow.id).where(DatasetRow.deleted_at.is_(None)))]

    def datasets_by_ids(self, dataset_ids: list[int]) -> list[Dataset]:
        """The datasets with these ids (not deleted), in id order."""
        if not dataset_ids:
            return []
        with self._tx() as s:
            rows = s.scalars(
                select(DatasetRow)
                .where(DatasetRow.id.in_(dataset_ids), DatasetRow.deleted_at.is_(None))
                .order_by(DatasetRow.id)
            )
            return [_dataset(r) for r in rows.unique()]

    def resources_by_dataset(self, dataset_ids: list[int]) -> dict[int, list[Resource]]:
        """The resources of several datasets at once (with their current versions), by dataset id."""
        out: dict[int, list[Resource]] = {i: [] for i in dataset_ids}
        if not dataset_ids:
            return out
        with self._tx() as s:
            rows = s.scalars(
                select(ResourceRow).where(ResourceRow.dataset_id.in_(dataset_ids)).order_by(ResourceRow.id)
            )
            for row in rows.unique():
                out[row.dataset_id].append(_resource(row))
        return out

    def index_documents(self, documents: list[SearchDocument]) -> None:
        """Replace the search index entries of these datasets, in one transaction."""
        with self._tx() as s:
            search_index.index_documents(s, documents)

    def remove_from_index(self, dataset_ids: list[int]) -> None:
        with self._tx() as s:
            search_index.remove_documents(s, dataset_ids)

    def search_index_built(self) -> bool:
        with self._tx() as s:
            return search_index.index_built(s)

    def matched_terms(self, dataset_ids: list[int], terms: list[str]) -> dict[int, dict[str, list[str]]]:
        with self._tx() as s:
            return search_index.matched_terms(s, dataset_ids, terms)

    def record_search_miss(self, query: str, now: datetime) -> None:
        query = query[:200]
        bump = (
            update(SearchMissRow)
            .where(SearchMissRow.query == query)
            .values(count=SearchMissRow.count + 1, last_at=now)
        )
        try:
            with self._tx() as s:
                if not s.execute(bump).rowcount:  # type: ignore[attr-defined]
                    s.add(SearchMissRow(query=query, count=1, last_at=now))
        except IntegrityError:  # the same query was first counted at the same moment elsewhere
            with self._tx() as s:
                s.execute(bump)

    def list_search_misses(self, limit: int) -> list[tuple[str, int, datetime]]:
        with self._tx() as s:
            rows = s.execute(
                select(SearchMissRow.query, SearchMissRow.count, SearchMissRow.last_at)
                .order_by(SearchMissRow.count.desc(), SearchMissRow.last_at.desc())
                .limit(limit)
            )
            return [(str(q), int(n), t if t.tzinfo else t.replace(tzinfo=UTC)) for q, n, t in rows]

    def facet_counts(self, scope: ReadScope, flt: DatasetFilter) -> dict[str, dict[str, int]]:
        """Counts per facet value among what the scope may read (each facet ignores its own filter)."""
        return self.search_datasets(scope, replace(flt, limit=0), facets=True).facets

    def _facets_from_tables(
        self, s: Session, scope: ReadScope, flt: DatasetFilter
    ) -> dict[str, dict[str, int]]:
        """A listing's facet counts read from the tables: one pass over the filtered rows per facet."""
        out: dict[str, dict[str, int]] = {}
        for facet, column in (
            ("theme", DatasetRow.theme),
            ("licence", DatasetRow.licence),
            ("update_cycle", DatasetRow.update_cycle),
        ):
            sub = self._filtered(scope, flt, skip=facet).with_only_columns(column).subquery()
            rows = s.execute(select(sub.c[0], func.count()).group_by(sub.c[0]))
            out[facet] = {str(k): int(n) for k, n in rows if k}
        sub = self._filtered(scope, flt, skip="org").with_only_columns(DatasetRow.owner_org_id).subquery()
        rows = s.execute(
            select(OrgRow.slug, func.count()).join(sub, sub.c[0] == OrgRow.id).group_by(OrgRow.slug)
        )
        out["org"] = {str(k): int(n) for k, n in rows}
        sub = self._filtered(scope, flt, skip="format").with_only_columns(DatasetRow.id).subquery()
        rows = s.execute(
            select(VersionRow.format, func.count(func.distinct(ResourceRow.dataset_id)))
            .join(ResourceRow, ResourceRow.current_version_id == VersionRow.id)
            .join(sub, sub.c[0] == ResourceRow.dataset_id)
            .group_by(VersionRow.format)
        )
        out["format"] = {str(k): int(n) for k, n in rows}
        sub = self._filtered(scope, flt, skip="district").with_only_columns(DatasetRow.id).subquery()
        districts = search_index.district_of_datasets().subquery()
        rows = s.execute(
            select(districts.c.district, func.count())
            .join(sub, sub.c[0] == districts.c.dataset_id)
            .group_by(districts.c.district)
        )
        out["district"] = {str(k): int(n) for k, n in rows}
        return out

    def update_dataset(self, dataset_id: int, fields: dict[str, Any]) -> Dataset:
        with self._tx() as s:
            row = s.get(DatasetRow, dataset_id)
            if row is None or row.deleted_at is not None:
                raise NotFound.of("데이터셋", "Dataset", str(dataset_id))
            for key, value in fields.items():
                setattr(row, key, value)
            row.updated_at = _now()
            s.flush()
            return _dataset(row)

    def delete_dataset(self, dataset_id: int, now: datetime) -> None:
        with self._tx() as s:
            row = s.get(DatasetRow, dataset_id)
            if row is not None:
                row.deleted_at = now
                # free the name for reuse; the rows and files stay for the record
                row.name = f"{row.name}~deleted-{row.id}"[:100]

    def count_usage(self, counts: Mapping[int, Usage]) -> None:
        """Add each dataset's uses to its figures, all in one transaction."""
        with self._tx() as s:
            for dataset_id, usage in sorted(counts.items()):  # in id order: two writers never deadlock
                s.execute(
                    update(DatasetRow)
                    .where(DatasetRow.id == dataset_id)
                    .values(
                        view_count=DatasetRow.view_count + usage.views,
                        download_count=DatasetRow.download_count + usage.downloads,
                        api_call_count=DatasetRow.api_call_count + usage.api_calls,
                    )
                )

    # -- resources and versions ------------------------------------------------------------
    def _version_counts(self, s: Session, resource_ids: list[int]) -> dict[int, int]:
        if not resource_ids:
            return {}
        rows = s.execute(
            select(VersionRow.resource_id, func.count())
            .where(VersionRow.resource_id.in_(resource_ids))
            .group_by(VersionRow.resource_id)
        )
        return {int(r): int(n) for r, n in rows}

    def list_resources(self, dataset_id: int) -> list[Resource]:
        with self._tx() as s:
            rows = list(s.scalars(select(ResourceRow).where(ResourceRow.dataset_id == dataset_id)))
            counts = self._version_counts(s, [r.id for r in rows])
            return [_resource(r, counts.get(r.id, 0)) for r in sorted(rows, key=lambda r: r.id)]

    def find_resource(self, dataset_id: int, name: str) -> Resource | None:
        with self._read() as conn:
            return _plain_resource(conn, _RESOURCE_BY_NAME, {"dataset_id": dataset_id, "name": name})

    def find_resource_by_id(self, resource_id: int) -> Resource | None:
        with self._read() as conn:
            return _plain_resource(conn, _RESOURCE_BY_ID, {"id": resource_id})

    def ensure_resource(self, dataset_id: int, name: str, title: str) -> Resource:
        """The resource ``name`` of the dataset, created if missing (safe when two uploads race)."""
        for _attempt in range(3):
            found = self.find_resource(dataset_id, name)
            if found is not None:
                return found
            try:
                with self._tx() as s:
                    now = _now()
                    row = ResourceRow(
                        dataset_id=dataset_id, name=name, title=title, created_at=now, updated_at=now
                    )
                    s.add(row)
                    s.flush()
                    return _resource(row, 0)
            except IntegrityError:
                continue
        raise AlreadyExists(
            f"리소스 '{name}'을(를) 만들 수 없습니다.", f"Resource '{name}' could not be created."
        )

    def add_version(self, resource_id: int, fields: dict[str, Any]) -> Version:
        """Publish a new version: number it, make it the default, touch the dataset, in one transaction."""
        for _attempt in range(5):
            try:
                with self._tx() as s:
                    number = (
                        s.scalar(
                            select(func.max(VersionRow.number)).where(VersionRow.resource_id == resource_id)
                        )
                        or 0
                    ) + 1
                    row = VersionRow(resource_id=resource_id, number=number, created_at=_now(), **fields)
                    s.add(row)
                    s.flush()
                    resource = s.get(ResourceRow, resource_id)
                    assert resource is not None
                    resource.current_version_id = row.id
                    resource.updated_at = row.created_at
                    s.execute(
                        update(DatasetRow)
                        .where(DatasetRow.id == resource.dataset_id)
                        .values(updated_at=row.created_at)
                    )
                    return _version(row)
            except IntegrityError:
                continue  # another upload took this number at the same moment: take the next
        raise AlreadyExists("버전 번호를 정할 수 없습니다.", "Could not number the new version.")

    def list_versions(self, resource_id: int) -> list[Version]:
        with self._tx() as s:
            rows = s.scalars(
                select(VersionRow)
                .where(VersionRow.resource_id == resource_id)
                .order_by(VersionRow.number.desc())
            )
            return [_version(r) for r in rows]

    def find_version(self, resource_id: int, number: int) -> Version | None:
        with self._tx() as s:
            row = s.scalar(
                select(VersionRow).where(VersionRow.resource_id == resource_id, VersionRow.number == number)
            )
            return _version(row) if row else None

    def set_column_personal(self, version_id: int, personal: dict[str, dict[str, Any] | None]) -> Version:
        """Set (or, with None, clear) the personal-data finding of the named columns of a version.

        A version's data never changes; these annotations on its columns may (decisions, re-runs).
        """
        with self._tx() as s:
            row = s.scalar(select(VersionRow).where(VersionRow.id == version_id).with_for_update())
            if row is None:
                raise NotFound.of("버전", "Version", str(version_id))
            columns = []
            for col in row.columns or []:
                col = dict(col)
                if col.get("name") in personal:
                    value = personal[col["name"]]
                    if value is None:
                        col.pop("personal", None)
                    else:
                        col["personal"] = value
                columns.append(col)
            row.columns = columns
            s.flush()
            return _version(row)

    def update_version_files(
        self, version_id: int, fields: dict[str, Any], columns: dict[str, dict[str, Any]]
    ) -> Version:
        """Point a version at re-written files (``parquet_key``, ``source_key``: the same data, now
        sealed) and merge ``columns`` into its named columns (a None value removes that key)."""
        allowed = {"parquet_key", "source_key"}
        if set(fields) - allowed:
            raise ValueError(f"not a file field of a version: {sorted(set(fields) - allowed)}")
        with self._tx() as s:
            row = s.scalar(select(VersionRow).where(VersionRow.id == version_id).with_for_update())
            if row is None:
                raise NotFound.of("버전", "Version", str(version_id))
            for key, value in fields.items():
                setattr(row, key, value)
            merged = []
            for col in row.columns or []:
                col = dict(col)
                for key, value in columns.get(col.get("name", ""), {}).items():
                    if value is None:
                        col.pop(key, None)
                    else:
                        col[key] = value
                merged.append(col)
            row.columns = merged
            s.flush()
            return _version(row)

    # -- saved queries ---------------------------------------------------------------------
    def create_saved_query(self, fields: dict[str, Any]) -> SavedQuery:
        with self._tx() as s:
            row = SavedQueryRow(**fields)
            s.add(row)
            s.flush()
            s.refresh(row)
            return _saved_query(row)

    def find_saved_query(self, query_id: str) -> SavedQuery | None:
        with self._tx() as s:
            row = s.get(SavedQueryRow, query_id)
            return _saved_query(row) if row else None

    def list_saved_queries(self, owner_id: int) -> list[SavedQuery]:
        with self._tx() as s:
            rows = s.scalars(
                select(SavedQueryRow)
                .where(SavedQueryRow.owner_id == owner_id)
                .order_by(SavedQueryRow.updated_at.desc())
            )
            return [_saved_query(r) for r in rows]

    def update_saved_query(self, query_id: str, fields: dict[str, Any]) -> SavedQuery:
        with self._tx() as s:
            row = s.get(SavedQueryRow, query_id)
            if row is None:
                raise NotFound.of("저장된 쿼리", "Saved query", query_id)
            for key, value in fields.items():
                setattr(row, key, value)
            s.flush()
            return _saved_query(row)

    def delete_saved_query(self, query_id: str) -> None:
        with self._tx() as s:
            row = s.get(SavedQueryRow, query_id)
            if row is not None:
                s.delete(row)

    # -- jobs ----------------------------------------------------------------------------
    def create_job(self, job: Job) -> Job:
        with self._tx() as s:
            s.add(
                JobRow(
                    id=job.id,
                    kind=job.kind,
                    state=str(job.state),
                    dataset_id=job.dataset_id,
                    resource_name=job.resource_name,
                    created_by=job.created_by,
                    params=job.params,
                    bytes_total=job.bytes_total,
                    created_at=job.created_at,
                )
            )
        found = self.find_job(job.id)
        assert found is not None
        return found

    def find_job(self, job_id: str) -> Job | None:
        with self._tx() as s:
            row = s.get(JobRow, job_id)
            if row is None:
                return None
            dataset_name = s.scalar(select(DatasetRow.name).where(DatasetRow.id == row.dataset_id))
            number = (
                s.scalar(select(VersionRow.number).where(VersionRow.id == row.version_id))
                if row.version_id
                else None
            )
            return _job(row, dataset_name, number)

    def update_job(self, job_id: str, fields: dict[str, Any]) -> None:
        with self._tx() as s:
            s.execute(update(JobRow).where(JobRow.id == job_id).values(**fields))

    def claim_job(self, job_id: str, now: datetime) -> bool:
        """Move a queued job to running; False when another worker already has it."""
        with self._tx() as s:
            result = s.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.state == str(JobState.QUEUED))
                .values(state=str(JobState.RUNNING), started_at=now, heartbeat_at=now)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def fail_stale_jobs(self, heartbeat_before: datetime, error: dict[str, Any], now: datetime) -> int:
        with self._tx() as s:
            result = s.execute(
                update(JobRow)
                .where(
                    JobRow.state == str(JobState.RUNNING),
                    or_(JobRow.heartbeat_at.is_(None), JobRow.heartbeat_at < heartbeat_before),
                )
                .values(state=str(JobState.FAILED), error=error, finished_at=now, message=error["message"])
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def list_jobs(self, dataset_id: int | None = None, limit: int = 20) -> list[Job]:
        with self._tx() as s:
            stmt = select(JobRow).order_by(JobRow.created_at.desc()).limit(limit)
            if dataset_id is not None:
                stmt = stmt.where(JobRow.dataset_id == dataset_id)
            return [_job(r) for r in s.scalars(stmt)]

    # -- citizens' data requests -------------------------------------------------------------
    def create_data_request(self, fields: dict[str, Any], event: dict[str, Any]) -> DataRequest:
        """A new request and the first step of its history, in one transaction."""
        with self._tx() as s:
            row = DataRequestRow(**fields)
            s.add(row)
            s.flush()
            s.add(DataRequestEventRow(request_id=row.id, **event))
            s.flush()
            s.refresh(row)
            return _data_request(row, _request_events(s, row.id))

    def find_data_request(self, request_id: int) -> DataRequest | None:
        with self._tx() as s:
            row = s.get(DataRequestRow, request_id)
            return _data_request(row, _request_events(s, row.id)) if row else None

    def list_data_requests(self, flt: DataRequestFilter) -> tuple[list[DataRequest], int]:
        """A page of requests, newest first (without their histories), and how many match."""
        where = _request_where(flt)
        with self._tx() as s:
            total = s.scalar(select(func.count()).select_from(DataRequestRow).where(*where)) or 0
            rows = s.scalars(
                select(DataRequestRow)
                .where(*where)
                .order_by(DataRequestRow.created_at.desc(), DataRequestRow.id.desc())
                .limit(flt.limit)
                .offset(flt.offset)
            )
            return [_data_request(r) for r in rows.unique()], int(total)

    def count_data_requests(self, flt: DataRequestFilter) -> dict[str, int]:
        """Requests per status among those the filter matches, its own status filter aside."""
        where = _request_where(flt, skip_status=True)
        with self._tx() as s:
            rows = s.execute(
                select(DataRequestRow.status, func.count()).where(*where).group_by(DataRequestRow.status)
            )
            return {str(k): int(n) for k, n in rows}

    def update_data_request(
        self, request_id: int, fields: dict[str, Any], event: dict[str, Any]
    ) -> DataRequest:
        """Change a request and add the step to its history, in one transaction."""
        with self._tx() as s:
            row = s.get(DataRequestRow, request_id)
            if row is None:
                raise NotFound.of("데이터 제공 신청", "Data request", str(request_id))
            for key, value in fields.items():
                setattr(row, key, value)
            s.add(DataRequestEventRow(request_id=row.id, **event))
            s.flush()
            s.refresh(row)
            return _data_request(row, _request_events(s, row.id))


def _scoped(stmt: Select[Any], scope: ReadScope) -> Select[Any]:
    """Limit a dataset query to what a scope may read — in SQL, so counts and pages agree."""
    if scope.everything:
        return stmt
    allowed = [DatasetRow.visibility == "public"]
    if scope.internal:
        allowed.append(DatasetRow.visibility == "internal")
    if scope.org_ids:
        allowed.append(
            and_(
                DatasetRow.visibility.in_(["internal", "restricted"]),
                DatasetRow.owner_org_id.in_(sorted(scope.org_ids)),
            )
        )
    if scope.dataset_ids:
        allowed.append(DatasetRow.id.in_(sorted(scope.dataset_ids)))
    return stmt.where(or_(*allowed))


def _request_where(flt: DataRequestFilter, *, skip_status: bool = False) -> list[Any]:
    where: list[Any] = []
    if flt.status is not None and not skip_status:
        where.append(DataRequestRow.status == str(flt.status))
    if flt.org == "none":
        where.append(DataRequestRow.org_id.is_(None))
    elif flt.org:
        where.append(DataRequestRow.org_id.in_(select(OrgRow.id).where(OrgRow.slug == flt.org)))
    if flt.overdue_on is not None:
        where.append(DataRequestRow.status.in_(sorted(str(x) for x in OPEN_STATUSES)))
        where.append(DataRequestRow.due_on < flt.overdue_on)
    return where


def _live_dataset(row: DatasetRow | None) -> DatasetRow | None:
    return row if row is not None and row.deleted_at is None else None


def _request_events(s: Session, request_id: int) -> list[RequestEvent]:
    rows = s.scalars(
        select(DataRequestEventRow)
        .where(DataRequestEventRow.request_id == request_id)
        .order_by(DataRequestEventRow.at, DataRequestEventRow.id)
    )
    out = []
    for r in rows.unique():
        at = _aware(r.at)
        assert at is not None
        dataset = _live_dataset(r.dataset)
        out.append(
            RequestEvent(
                at=at,
                status=RequestStatus(r.status),
                org_slug=r.org.slug if r.org else None,
                org_title=r.org.title if r.org else None,
                note=r.note,
                dataset_name=dataset.name if dataset else None,
                by=r.by_name,
            )
        )
    return out


def _data_request(row: DataRequestRow, events: list[RequestEvent] | None = None) -> DataRequest:
    created, updated = _aware(row.created_at), _aware(row.updated_at)
    assert created is not None and updated is not None
    dataset = _live_dataset(row.dataset)
    return DataRequest(
        id=row.id,
        title=row.title,
        description=row.description,
        status=RequestStatus(row.status),
        due_on=row.due_on,
        created_at=created,
        updated_at=updated,
        requester_name=row.requester_name,
        requester_email=row.requester_email,
        org_id=row.org_id,
        org_slug=row.org.slug if row.org else None,
        org_title=row.org.title if row.org else None,
        suggested_org_slug=row.suggested_org.slug if row.suggested_org else None,
        suggested_org_title=row.suggested_org.title if row.suggested_org else None,
        answer=row.answer,
        dataset_name=dataset.name if dataset else None,
        dataset_title=dataset.title if dataset else None,
        answered_at=_aware(row.answered_at),
        events=tuple(events or ()),
    )
