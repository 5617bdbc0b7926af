"""The SQL workspace: read-only SQL over every table the caller may read.

Each table is visible as ``dataset.resource`` (the current version),
``dataset."resource@v3"`` (a pinned version) or ``dataset."resource@2026-11-01"``
(the version that was current at that time); ``-`` in names may be written ``_``,
and an unqualified all-digit name (``"42"``) is the resource with that id, as
CKAN's SQL names tables. A table the caller may not read is never bound into
the sandbox, so it does not exist for them: no name, no count, no message.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from hubcity.domain.accounts import Actor
from hubcity.domain.datasets import Dataset, Resource, Version, can_read
from hubcity.domain.query import BoundTable, QueryResult, SavedQuery, TableRef
from hubcity.domain.textindex import TextIndexFiles, version_text_index
from hubcity.errors import (
    AuthenticationFailed,
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from hubcity.ports import DatasetFilter, Lake, MetadataStore, SqlEngine
from hubcity.services.access import AccessService
from hubcity.services.audit import AuditService
from hubcity.services.catalog import CatalogService
from hubcity.services.quota import QueryQuota

__all__ = ["QueryService", "TableInfo"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TableInfo:
    """One readable table, for the schema browser."""

    name: str  # "dataset.resource"
    dataset: str
    dataset_title: str
    resource: str
    resource_title: str
    version: int
    row_count: int
    columns: list[dict[str, Any]]


def _parse_pin(text: str) -> tuple[int | None, datetime | None]:
    """'v3' → version 3; an ISO date or timestamp → as of then; anything else is an error."""
    if text[:1] in ("v", "V") and text[1:].isdigit():
        return int(text[1:]), None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"버전 지정 '@{text}'을(를) 알 수 없습니다. '@v3'이나 '@2026-11-01' 모양으로 쓰세요.",
            f"Unknown version pin '@{text}'; write '@v3' or '@2026-11-01'.",
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return None, when


class QueryService:
    def __init__(
        self,
        *,
        store: MetadataStore,
        catalog: CatalogService,
        lake: Lake,
        engine: SqlEngine,
        row_limit: int,
        timeout_s: float,
        quota: QueryQuota | None = None,
        audit: AuditService | None = None,
    ) -> None:
        self.audit = audit
        self.store = store
        self.catalog = catalog
        self.lake = lake
        self.engine = engine
        self.row_limit = row_limit
        self.timeout_s = timeout_s
        self.quota = quota or QueryQuota({})
        self._running: dict[str, tuple[str, threading.Event]] = {}
        self.access: AccessService | None = None  # column visibility and grants (attached by the bootstrap)
        self._lock = threading.Lock()

    # -- names ---------------------------------------------------------------------------------
    def _readable_dataset(self, actor: Actor, name: str) -> Dataset | None:
        for candidate in dict.fromkeys((name, name.replace("_", "-"))):
            dataset = self.store.find_dataset(candidate)
            if dataset is not None:
                return dataset if can_read(actor, dataset) else None
        return None

    def _version(self, resource: Resource, pin: str | None) -> Version | None:
        if pin is None:
            return resource.current
        number, when = _parse_pin(pin)
        if number is not None:
            return self.store.find_version(resource.id, number)
        assert when is not None
        earlier = [v for v in self.store.list_versions(resource.id) if v.created_at <= when]
        return max(earlier, key=lambda v: v.number) if earlier else None

    def _bind_one(self, actor: Actor, ref: TableRef) -> BoundTable | None:
        if ref.catalog:
            return None
        base, _, pin = ref.name.partition("@")
        if ref.schema is None:
            if not base.isdigit() or pin:
                return None  # a CTE or an unknown name: DuckDB answers for it
            resource = self.store.find_resource_by_id(int(base))
            if resource is None:
                return None
            dataset = self.store.find_dataset_by_id(resource.dataset_id)
            if dataset is None or not can_read(actor, dataset):
                return None
            schema = "main"
        else:
            dataset = self._readable_dataset(actor, ref.schema)
            if dataset is None:
                return None
            resource = None
            for candidate in dict.fromkeys((base, base.replace("_", "-"))):
                resource = self.store.find_resource(dataset.id, candidate)
                if resource is not None:
                    break
            if resource is None:
                return None
            schema = ref.schema
        version = self._version(resource, pin or None)
        if version is None:
            return None
        if version.parquet_key is None:
            raise InvalidInput(
                f"{dataset.name}.{resource.name}은(는) 표가 아닌 파일이라 SQL로 읽을 수 없습니다.",
                f"{dataset.name}.{resource.name} is a plain file, not a table; SQL cannot read it.",
            )
        view = False
        if self.access is not None:
            version, path, view = self.access.data(actor, dataset, version)
        else:
            path = self.lake.local_path(version.parquet_key or "")
        return BoundTable(
            schema=schema,
            name=ref.name,
            path=path,
            columns=tuple(c["name"] for c in version.columns),
            label=f"{dataset.name}.{resource.name}@v{version.number}",
            text_index=() if view else self._text_index(version),
        )

    def _text_index(self, version: Version) -> tuple[tuple[str, TextIndexFiles], ...]:
        """The version's text indexes whose files are here (a missing file means a plain scan)."""
        try:
            found = version_text_index(version.columns, version.parquet_key, self.lake.local_path)
        except Exception:  # noqa: BLE001 - an unreadable index means a plain scan, never a failed query
            log.warning("text indexes of version %s unavailable", version.id)
            return ()
        return tuple(
            (column, files)
            for column, files in found.items()
            if files.values.is_file() and files.grams.is_file() and files.rows.is_file()
        )

    def bind_table(self, actor: Actor, ref: TableRef) -> BoundTable | None:
        """The sandbox view for one table reference, or None when the actor may not read it."""
        return self._bind_one(actor, ref)

    def tables_of(self, sql: str) -> list[TableRef]:
        """The tables a SELECT names (hub tables, CTEs and unknown names alike)."""
        return self.engine.tables_of(sql)

    def bind(self, actor: Actor, sql: str) -> list[BoundTable]:
        """The sandbox views for the tables ``sql`` names that the actor may read."""
        bound = []
        for ref in self.engine.tables_of(sql):
            table = self._bind_one(actor, ref)
            if table is not None:
                bound.append(table)
        return bound

    # -- running -------------------------------------------------------------------------------
    def run(
        self,
        actor: Actor,
        sql: str,
        *,
        max_rows: int | None = None,
        query_id: str | None = None,
        client: str | None = None,
    ) -> QueryResult:
        """Run one read-only SELECT under the actor's rights; at most ``max_rows`` (capped) rows."""
        self.quota.check(actor, client)
        cap = self.row_limit if max_rows is None else max(0, min(max_rows, self.row_limit))
        tables = self.bind(actor, sql)
        cancel = threading.Event()
        owner = self._owner(actor)
        if query_id:
            with self._lock:
                if query_id in self._running:
                    raise InvalidInput(
                        "같은 query_id의 쿼리가 이미 실행 중입니다.",
                        "A query with this query_id is already running.",
                    )
                self._running[query_id] = (owner, cancel)
        try:
            result = self.engine.run(sql, tables, max_rows=cap, timeout_s=self.timeout_s, cancel=cancel)
        finally:
            if query_id:
                with self._lock:
                    self._running.pop(query_id, None)
        result = replace(result, tables=[t.label for t in tables])
        if self.audit:
            self.audit.sql_read(actor, sql, result)
        return result

    def explain(self, actor: Actor, sql: str) -> str:
        return self.engine.explain(sql, self.bind(actor, sql))

    def cancel(self, actor: Actor, query_id: str) -> None:
        """Stop a running query of the actor's own (sysadmins may stop any)."""
        with self._lock:
            entry = self._running.get(query_id)
        if entry is None or (entry[0] != self._owner(actor) and not actor.sysadmin):
            raise NotFound.of("실행 중인 쿼리", "Running query", query_id)
        entry[1].set()

    @staticmethod
    def _owner(actor: Actor) -> str:
        return actor.username or "anonymous"

    # -- saved queries ------------------------------------------------------------------------
    def save(
        self, actor: Actor, *, title: str, sql: str, description: str = "", shared: bool = False
    ) -> SavedQuery:
        """Keep a query under a name; shared ones open for anyone with the link, under their own rights."""
        if actor.user_id is None:
            raise AuthenticationFailed("쿼리를 저장하려면 로그인하세요.", "Sign in to save a query.")
        fields = self._checked(title=title, sql=sql, description=description)
        now = datetime.now(UTC)
        return self.store.create_saved_query(
            {
                **fields,
                "id": uuid.uuid4().hex[:12],
                "owner_id": actor.user_id,
                "shared": shared,
                "created_at": now,
                "updated_at": now,
            }
        )

    @staticmethod
    def _checked(*, title: str, sql: str, description: str) -> dict[str, str]:
        errors = []
        title, sql = title.strip(), sql.strip()
        if not title or len(title) > 200:
            errors.append(FieldError("title", "이름은 1~200자입니다.", "The title is 1 to 200 characters."))
        if not sql or len(sql) > 100_000:
            errors.append(
                FieldError("sql", "SQL이 비어 있거나 너무 깁니다.", "The SQL is empty or too long.")
            )
        if len(description) > 5000:
            errors.append(FieldError("description", "설명은 5000자까지입니다.", "At most 5000 characters."))
        if errors:
            raise InvalidInput(
                "저장할 쿼리의 입력값이 올바르지 않습니다.", "The query to save is invalid.", errors
            )
        return {"title": title, "sql": sql, "description": description.strip()}

    def get_saved(self, actor: Actor, query_id: str) -> SavedQuery:
        saved = self.store.find_saved_query(query_id)
        if saved is None or not (saved.shared or saved.owner_id == actor.user_id or actor.sysadmin):
            raise NotFound.of("저장된 쿼리", "Saved query", query_id)
        return saved

    def list_saved(self, actor: Actor) -> list[SavedQuery]:
        return self.store.list_saved_queries(actor.user_id) if actor.user_id is not None else []

    def update_saved(self, actor: Actor, query_id: str, changes: dict[str, Any]) -> SavedQuery:
        saved = self._own(actor, query_id)
        # an explicit null leaves a text as it is, as a missing key does
        text = {k: v for k, v in changes.items() if v is not None}
        merged = {
            "title": text.get("title", saved.title),
            "sql": text.get("sql", saved.sql),
            "description": text.get("description", saved.description),
        }
        fields: dict[str, Any] = self._checked(**merged)
        if "shared" in changes:
            fields["shared"] = bool(changes["shared"])
        return self.store.update_saved_query(saved.id, {**fields, "updated_at": datetime.now(UTC)})

    def delete_saved(self, actor: Actor, query_id: str) -> None:
        self.store.delete_saved_query(self._own(actor, query_id).id)

    def _own(self, actor: Actor, query_id: str) -> SavedQuery:
        saved = self.get_saved(actor, query_id)
        if saved.owner_id != actor.user_id and not actor.sysadmin:
            raise PermissionDenied(
                "자신이 저장한 쿼리만 고치거나 지울 수 있습니다.",
                "Only the owner may change or delete a query.",
            )
        return saved

    # -- schema browser ------------------------------------------------------------------------
    def tables(self, actor: Actor) -> list[TableInfo]:
        """Every table the actor may read, with its columns (current versions)."""
        out: list[TableInfo] = []
        offset = 0
        while True:
            page = self.catalog.list_datasets(actor, DatasetFilter(sort="title", limit=1000, offset=offset))
            resources = self.store.resources_by_dataset([d.id for d in page.items])
            for dataset in page.items:
                shown = resources.get(dataset.id, [])
                if self.access is not None:
                    shown = self.access.shown_resources(actor, dataset, shown)
                for resource in shown:
                    ver = resource.current
                    if ver is None or ver.parquet_key is None:
                        continue
                    out.append(
                        TableInfo(
                            name=f"{dataset.name}.{resource.name}",
                            dataset=dataset.name,
                            dataset_title=dataset.title,
                            resource=resource.name,
                            resource_title=resource.title,
                            version=ver.number,
                            row_count=ver.row_count,
                            columns=[
                                {k: c.get(k) for k in ("name", "type", "label", "description") if k in c}
                                for c in ver.columns
                            ],
                        )
                    )
            offset += len(page.items)
            if not page.items or offset >= page.total:
                return out
