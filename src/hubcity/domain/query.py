"""Questions asked of published tables: row filters for the query API, and SQL results.

Pure data: the services check rights and names, the query engine runs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hubcity.domain.textindex import TextIndexFiles

__all__ = [
    "AGGREGATES",
    "FILTER_OPS",
    "Aggregate",
    "BoundTable",
    "QueryResult",
    "RowFilter",
    "RowQuery",
    "SavedQuery",
    "TableRef",
    "most_groups",
]

# operator suffix in the query string (``col__gt=3``) -> SQL operator; no suffix = "eq"
FILTER_OPS: dict[str, str] = {
    "eq": "=",
    "ne": "<>",
    "gt": ">",
    "gte": ">=",
    "lt": "<",
    "lte": "<=",
    "in": "IN",
    "like": "LIKE",
}

AGGREGATES = ("count", "sum", "avg", "min", "max")


@dataclass(frozen=True)
class RowFilter:
    column: str
    op: str  # a key of FILTER_OPS
    value: Any  # a list for "in"; a pattern with % and _ for "like"


@dataclass(frozen=True)
class Aggregate:
    func: str  # one of AGGREGATES
    column: str | None = None  # None for count(*)

    @property
    def label(self) -> str:
        return f"{self.func}_{self.column}" if self.column else self.func


def most_groups(columns: list[dict[str, Any]], group_by: list[str]) -> int | None:
    """How many groups a group-by on ``group_by`` can have at most, by the columns' profiles
    (distinct values, plus one for empty ones); None when a profile does not say. An estimate for
    choosing how to run the query, never for its answer: profiles of near-unique columns are
    approximate."""
    by_name = {str(c.get("name")): c for c in columns}
    most = 1
    for name in group_by:
        profile = by_name.get(name, {})
        distinct = profile.get("distinct_count")
        if not isinstance(distinct, int) or isinstance(distinct, bool):
            return None
        most *= distinct + (1 if profile.get("null_count") else 0)
    return most


@dataclass(frozen=True)
class RowQuery:
    """Rows of one resource version: filters (AND), text search, columns, order and a page."""

    filters: tuple[RowFilter, ...] = ()
    q: str | None = None  # rows where any text column contains this text
    select: tuple[str, ...] = ()  # () = every column
    sort: tuple[tuple[str, bool], ...] = ()  # (column, descending)
    limit: int = 100
    offset: int = 0
    version: int | None = None  # None = the current version
    as_of: datetime | None = None  # the version that was current then (when ``version`` is None)


@dataclass(frozen=True)
class QueryResult:
    columns: list[dict[str, str]]  # [{"name", "type"}]
    rows: list[dict[str, Any]]
    truncated: bool = False
    elapsed_ms: float = 0.0
    tables: list[str] = field(default_factory=list)  # the tables the query read, as "dataset.resource@vN"


@dataclass(frozen=True)
class TableRef:
    """A table as a query names it: ``schema.name`` (``"dataset"."resource@v3"``)."""

    catalog: str | None
    schema: str | None
    name: str

    def __str__(self) -> str:
        return ".".join(p for p in (self.catalog, self.schema, self.name) if p)


@dataclass(frozen=True)
class BoundTable:
    """A view the sandbox creates: ``schema.name`` over one Parquet file, showing ``columns``."""

    schema: str
    name: str
    path: Path
    columns: tuple[str, ...]
    label: str  # "dataset.resource@vN", for the caller
    # the text indexes of the file's columns, (column, files); none for a view file of a grant
    text_index: tuple[tuple[str, TextIndexFiles], ...] = ()


@dataclass(frozen=True)
class SavedQuery:
    id: str
    title: str
    description: str
    sql: str
    owner_id: int
    owner_name: str
    shared: bool
    created_at: datetime
    updated_at: datetime
