"""The audit log: who read restricted or personal data, who exported what, who changed what.

The other services call the hooks here (one call each); every hook ends in :meth:`AuditService.record`,
which grants and access decisions use directly. Reading the log is for sysadmins, and for the
admins of an organisation about the datasets it owns; :meth:`AuditService.verify` walks the
whole hash chain and names the first entry that does not hold.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from hubcity.domain.accounts import Actor, ApiToken, Org, Role
from hubcity.domain.audit import AuditAction, AuditDraft, AuditEntry, AuditFilter, ChainCheck, verify_chain
from hubcity.domain.datasets import Dataset, Version, Visibility
from hubcity.domain.grants import Grant
from hubcity.domain.query import Aggregate, QueryResult, RowFilter, RowQuery
from hubcity.errors import AuthenticationFailed, FieldError, InvalidInput, NotFound, PermissionDenied
from hubcity.ports import AuditLog, MetadataStore

__all__ = ["EXPORT_COLUMNS", "AuditPage", "AuditService", "audit_key"]

ExportFormat = Literal["csv", "jsonl"]
EXPORT_COLUMNS = (
    "seq", "at", "action", "actor_id", "actor_name", "object_kind", "object_id", "dataset_id",
    "columns", "rows", "purpose", "grant_id", "details", "prev_hash", "hash",
)  # fmt: skip
_MAX_TEXT = 500  # longest value kept of a changed metadata field
_MAX_SQL = 4000
_FILTER_MAX = 200


def audit_key(secret_key: str, explicit: str | None) -> bytes:
    """The chain's HMAC key: the audit key when set, else one derived from the secret key."""
    if explicit:
        return explicit.encode("utf-8")
    return hmac.new(secret_key.encode("utf-8"), b"hubcity audit chain", hashlib.sha256).digest()


@dataclass(frozen=True)
class AuditPage:
    items: list[AuditEntry]
    total: int
    limit: int
    offset: int


def _personal(columns: Iterable[dict[str, Any]], names: Iterable[str]) -> list[str]:
    """The columns among ``names`` that the detector or an owner marked personal (not dismissed)."""
    wanted = set(names)
    out = []
    for column in columns:
        mark = column.get("personal")
        if column.get("name") in wanted and isinstance(mark, dict) and mark.get("status") != "dismissed":
            out.append(str(column["name"]))
    return out


def _filter_text(flt: RowFilter) -> str:
    value = ",".join(map(str, flt.value)) if isinstance(flt.value, list | tuple) else flt.value
    return f"{flt.column} {flt.op} {value}"


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _MAX_TEXT:
        return value[:_MAX_TEXT] + "…"
    return value


class AuditService:
    def __init__(self, log: AuditLog, store: MetadataStore, key: bytes) -> None:
        self.log = log
        self.store = store
        self._key = key
        # the grant under which an actor reads a dataset (attached by the bootstrap): reads name it
        self.grant_of: Callable[[Actor, Dataset], Grant | None] | None = None

    def _under(self, actor: Actor, dataset: Dataset) -> dict[str, Any]:
        """``grant_id`` and ``purpose`` of the grant a read happens under, when there is one."""
        if self.grant_of is None or dataset.id not in actor.granted:
            return {}
        grant = self.grant_of(actor, dataset)
        return {"grant_id": grant.id, "purpose": grant.purpose} if grant is not None else {}

    # -- writing -------------------------------------------------------------------------------
    def record(
        self,
        actor: Actor | None,
        action: str,
        *,
        object_kind: str = "",
        object_id: str = "",
        dataset_id: int | None = None,
        columns: Sequence[str] = (),
        rows: int | None = None,
        purpose: str = "",
        grant_id: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """Append one entry to the chain; what every hook (and later every grant and decision) calls."""
        return self.log.append(
            AuditDraft(
                action=str(action),
                actor_id=actor.user_id if actor else None,
                actor_name=actor.username if actor else None,
                object_kind=object_kind,
                object_id=object_id,
                dataset_id=dataset_id,
                columns=tuple(columns),
                rows=rows,
                purpose=purpose,
                grant_id=grant_id,
                details=details or {},
            ),
            self._key,
        )

    def rows_read(
        self,
        actor: Actor,
        dataset: Dataset,
        resource: str,
        version: Version,
        columns: Sequence[str],
        *,
        rows: int,
        channel: str | None = None,
        query: RowQuery | None = None,
    ) -> None:
        """A page of rows, filtered or not: logged when the data is restricted or personal."""
        details: dict[str, Any] = {}
        if query is not None:
            details = {"filters": [_filter_text(f) for f in query.filters], "offset": query.offset}
            if query.q:
                details["q"] = query.q
        self._read(actor, AuditAction.ROWS_READ, dataset, resource, version, columns, rows, channel, details)

    def aggregated(
        self,
        actor: Actor,
        dataset: Dataset,
        resource: str,
        version: Version,
        group_by: Sequence[str],
        metrics: Sequence[Aggregate],
        filters: Sequence[RowFilter],
        rows: int,
        channel: str | None = None,
    ) -> None:
        """Group-by figures: logged when the data is restricted or personal (the groups are rows returned)."""
        used = list(
            dict.fromkeys([*group_by, *(m.column for m in metrics if m.column), *(f.column for f in filters)])
        )
        details = {
            "group_by": list(group_by),
            "metrics": [f"{m.func}:{m.column}" if m.column else m.func for m in metrics],
            "filters": [_filter_text(f) for f in filters],
        }
        self._read(
            actor, AuditAction.ROWS_AGGREGATE, dataset, resource, version, used, rows, channel, details
        )

    def _read(
        self,
        actor: Actor,
        action: AuditAction,
        dataset: Dataset,
        resource: str,
        version: Version,
        columns: Sequence[str],
        rows: int,
        channel: str | None,
        details: dict[str, Any],
    ) -> None:
        personal = _personal(version.columns, columns)
        under = self._under(actor, dataset)
        if dataset.visibility is not Visibility.RESTRICTED and not personal and not under:
            return
        extra: dict[str, Any] = {"resource": resource, "version": version.number, **details}
        if channel:
            extra["channel"] = channel
        if personal:
            extra["personal_columns"] = personal
        self.record(
            actor,
            action,
            object_kind="resource",
            object_id=f"{dataset.name}/{resource}",
            dataset_id=dataset.id,
            columns=list(columns),
            rows=rows,
            details=extra,
            **under,
        )

    def exported(
        self,
        actor: Actor,
        dataset: Dataset,
        resource: str,
        version: Version,
        fmt: str,
        *,
        channel: str | None = None,
        query: RowQuery | None = None,
        rows: int | None = None,
    ) -> None:
        """Every download of a version, whatever its visibility; ``query`` and ``rows`` when it was
        filtered (the rows that passed), or only some columns were asked for."""
        table = version.is_table and fmt != "source"
        details: dict[str, Any] = {
            "resource": resource,
            "version": version.number,
            "format": fmt,
            "visibility": str(dataset.visibility),
        }
        if channel:
            details["channel"] = channel
        if query is not None:
            details["filters"] = [_filter_text(f) for f in query.filters]
            if query.q:
                details["q"] = query.q
            if query.select:
                details["select"] = list(query.select)
        self.record(
            actor,
            AuditAction.EXPORT,
            object_kind="resource",
            object_id=f"{dataset.name}/{resource}",
            dataset_id=dataset.id,
            columns=[
                c["name"]
                for c in version.columns
                if not query or not query.select or c["name"] in query.select
            ]
            if version.is_table
            else [],
            rows=(rows if rows is not None else version.row_count) if table else None,
            details=details,
            **self._under(actor, dataset),
        )

    def sql_read(self, actor: Actor, sql: str, result: QueryResult) -> None:
        """One entry per restricted (or personal) table a query read, with the rows it returned."""
        for label in dict.fromkeys(result.tables):
            dataset_name, _, rest = label.partition(".")
            resource_name, _, pin = rest.rpartition("@v")
            dataset = self.store.find_dataset(dataset_name)
            if dataset is None or not pin.isdigit():
                continue
            resource = self.store.find_resource(dataset.id, resource_name)
            version = self.store.find_version(resource.id, int(pin)) if resource else None
            names = [str(c["name"]) for c in version.columns] if version else []
            personal = _personal(version.columns, names) if version else []
            under = self._under(actor, dataset)
            if dataset.visibility is not Visibility.RESTRICTED and not personal and not under:
                continue
            details: dict[str, Any] = {
                "resource": resource_name,
                "version": int(pin),
                "sql": sql[:_MAX_SQL],
                "result_columns": [c["name"] for c in result.columns],
                "truncated": result.truncated,
            }
            if personal:
                details["personal_columns"] = personal
            self.record(
                actor,
                AuditAction.SQL_QUERY,
                object_kind="resource",
                object_id=f"{dataset.name}/{resource_name}",
                dataset_id=dataset.id,
                columns=names,
                rows=len(result.rows),
                details=details,
                **under,
            )

    def dataset_changed(
        self, actor: Actor, action: AuditAction, dataset: Dataset, before: Dataset | None = None
    ) -> None:
        """A dataset was created, changed or deleted; for a change, each field's old and new value."""
        details: dict[str, Any] = {"visibility": str(dataset.visibility), "owner_org": dataset.owner_org_slug}
        if before is not None:
            changed = {}
            for name in (
                "title", "title_en", "description", "owner_org_slug", "visibility", "keywords", "theme",
                "licence", "update_cycle", "contact_name", "contact_email", "contact_phone",
                "temporal_start", "temporal_end", "spatial_coverage",
            ):  # fmt: skip
                old, new = getattr(before, name), getattr(dataset, name)
                if old != new:
                    changed[name] = [_short(old), _short(new)]
            details["changed"] = changed
        self.record(
            actor,
            action,
            object_kind="dataset",
            object_id=dataset.name,
            dataset_id=dataset.id,
            details=details,
        )

    def member_set(self, actor: Actor, org: Org, username: str, role: str) -> None:
        self.record(
            actor,
            AuditAction.ORG_MEMBER,
            object_kind="org",
            object_id=org.slug,
            details={"user": username, "role": role},
        )

    def token_created(self, actor: Actor, token: ApiToken, username: str | None) -> None:
        details: dict[str, Any] = {"name": token.name, "user_id": token.user_id, "user": username}
        if token.expires_at is not None:
            details["expires_at"] = token.expires_at.isoformat()
        self.record(
            actor, AuditAction.TOKEN_CREATE, object_kind="token", object_id=str(token.id), details=details
        )

    # -- reading -------------------------------------------------------------------------------
    def _filter(
        self,
        actor: Actor,
        *,
        dataset: str | None,
        actor_name: str | None,
        action: str | None,
        since: datetime | None,
        until: datetime | None,
        limit: int = 50,
        offset: int = 0,
    ) -> AuditFilter:
        """The filter the actor may run: sysadmins everything, org admins their organisations' datasets."""
        if not actor.authenticated and not actor.sysadmin:
            raise AuthenticationFailed("로그인이 필요합니다.", "Sign in first.")
        for field_name, value in (("dataset", dataset), ("actor", actor_name), ("action", action)):
            if value is not None and (len(value) > _FILTER_MAX or "\x00" in value):
                raise InvalidInput(
                    f"{field_name} 값이 올바르지 않습니다.",
                    f"The {field_name} filter is not valid.",
                    [
                        FieldError(
                            field_name, "너무 길거나 쓸 수 없는 문자가 있습니다", "too long or bad characters"
                        )
                    ],
                )
        since_utc, until_utc = _utc(since, "since"), _utc(until, "until")
        admin_of = tuple(sorted(org for org, role in actor.roles.items() if role is Role.ADMIN))
        if not actor.sysadmin and not admin_of:
            raise PermissionDenied(
                "감사 로그는 시스템 관리자와 기관 관리자만 볼 수 있습니다.",
                "Only sysadmins and organisation admins may read the audit log.",
            )
        dataset_ids = None
        if dataset:
            found = self.store.find_dataset(dataset.strip())
            if found is None or not (actor.sysadmin or found.owner_org_id in actor.roles):
                raise NotFound.of("데이터셋", "Dataset", dataset)
            if not actor.sysadmin and found.owner_org_id not in admin_of:
                raise PermissionDenied(
                    "이 데이터셋의 감사 로그는 소유 기관의 관리자만 볼 수 있습니다.",
                    "Only the admins of the organisation that owns this dataset may read its audit log.",
                )
            dataset_ids = (found.id,)
        return AuditFilter(
            dataset_ids=dataset_ids,
            owner_org_ids=None if actor.sysadmin else admin_of,
            actor=actor_name.strip() if actor_name and actor_name.strip() else None,
            action=action.strip() if action and action.strip() else None,
            since=since_utc,
            until=until_utc,
            limit=max(1, min(limit, 1000)),
            offset=max(0, offset),
        )

    def list_entries(
        self,
        actor: Actor,
        *,
        dataset: str | None = None,
        actor_name: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> AuditPage:
        flt = self._filter(
            actor,
            dataset=dataset,
            actor_name=actor_name,
            action=action,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )
        items, total = self.log.list_entries(flt)
        return AuditPage(items=items, total=total, limit=flt.limit, offset=flt.offset)

    def export(
        self,
        actor: Actor,
        fmt: str,
        *,
        dataset: str | None = None,
        actor_name: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Iterator[str]:
        """The matching entries in ``seq`` order as CSV or JSON Lines text; the export is itself logged."""
        if fmt not in ("csv", "jsonl"):
            raise InvalidInput(
                "형식은 csv 또는 jsonl입니다.",
                "format must be csv or jsonl.",
                [FieldError("format", "csv 또는 jsonl", "csv or jsonl")],
            )
        flt = self._filter(
            actor, dataset=dataset, actor_name=actor_name, action=action, since=since, until=until
        )
        self.record(
            actor,
            AuditAction.AUDIT_EXPORT,
            object_kind="audit_log",
            details={
                "format": fmt,
                "dataset": dataset,
                "actor": flt.actor,
                "action": flt.action,
                "since": flt.since.isoformat() if flt.since else None,
                "until": flt.until.isoformat() if flt.until else None,
            },
        )
        entries = self.log.iter_entries(flt)
        return _csv_lines(entries) if fmt == "csv" else _jsonl_lines(entries)

    def verify(self) -> ChainCheck:
        """Walk the whole chain from the first entry; ok, or the first entry that does not hold."""
        return verify_chain(self.log.iter_entries(), self._key)

    def verify_as(self, actor: Actor) -> ChainCheck:
        if not actor.sysadmin:
            raise PermissionDenied(
                "감사 로그 검증은 시스템 관리자만 할 수 있습니다.", "Only sysadmins may verify the audit log."
            )
        return self.verify()


def _utc(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidInput(
            f"{name} 시각이 범위를 벗어났습니다.",
            f"{name} is out of range.",
            [FieldError(name, "범위를 벗어난 시각", "out of range")],
        ) from None


def _csv_lines(entries: Iterator[AuditEntry]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(EXPORT_COLUMNS)
    yield "\ufeff" + flush()  # a BOM, so that Excel opens the Korean text as UTF-8
    for entry in entries:
        row = entry.as_dict()
        row["columns"] = json.dumps(row["columns"], ensure_ascii=False)
        row["details"] = json.dumps(row["details"], ensure_ascii=False, sort_keys=True)
        writer.writerow([_cell(row[name]) for name in EXPORT_COLUMNS])
        yield flush()


def _cell(value: Any) -> str:
    """A CSV cell; text a spreadsheet would run as a formula is quoted with a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _jsonl_lines(entries: Iterator[AuditEntry]) -> Iterator[str]:
    for entry in entries:
        yield json.dumps(entry.as_dict(), ensure_ascii=False, sort_keys=True) + "\n"
