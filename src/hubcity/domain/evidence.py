"""Evidence packs: a query pinned to exact dataset versions, its numbers, chart and narrative.

A pack keeps the SQL as written and the same SQL with every table reference
pinned (``"population"."census@v3"``), the versions it read and the result at
creation. Re-running it against the newest versions and comparing with the
stored numbers gives the *evidence drift*: the cells that changed (old → new),
rows that appeared or went away, and the datasets that have newer versions than
the pack relied on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hubcity.domain.charts import is_numeric

__all__ = ["CellChange", "Drift", "EvidencePack", "NewerVersion", "PinnedTable", "compare_results"]


@dataclass(frozen=True)
class PinnedTable:
    """One table the pack read: as the SQL named it, and the exact version behind it."""

    ref: str  # as written, e.g. "population.census"
    dataset: str
    resource: str
    version: int

    @property
    def label(self) -> str:
        return f"{self.dataset}.{self.resource}@v{self.version}"


@dataclass(frozen=True)
class EvidencePack:
    id: str
    title: str
    narrative: str
    owner_id: int
    owner_name: str
    shared_with: list[str]  # usernames who may open it besides the owner
    sql: str  # as written
    pinned_sql: str  # every table reference pinned to its version
    pinned: list[PinnedTable]
    chart: dict[str, str] | None  # ChartOptions.as_dict(), or None
    columns: list[dict[str, str]]
    rows: list[dict[str, Any]]
    truncated: bool
    created_at: datetime
    shared: bool = False  # opens for anyone with the link who may read every pinned table


@dataclass(frozen=True)
class CellChange:
    row: int  # index in the stored rows
    key: dict[str, Any]  # the row's identifying values
    column: str
    old: Any
    new: Any


@dataclass(frozen=True)
class NewerVersion:
    dataset: str
    resource: str
    pinned: int
    newest: int


@dataclass(frozen=True)
class Drift:
    cells: list[CellChange] = field(default_factory=list)
    added_rows: list[dict[str, Any]] = field(default_factory=list)
    removed_rows: list[dict[str, Any]] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    newer: list[NewerVersion] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # pinned tables the viewer cannot read now

    @property
    def changed(self) -> bool:
        return bool(self.cells or self.added_rows or self.removed_rows or self.columns_added)

    @property
    def stale(self) -> bool:
        return bool(self.newer)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, int | float) and isinstance(new, int | float) and not isinstance(old, bool):
        if isinstance(old, float) or isinstance(new, float):
            return math.isclose(float(old), float(new), rel_tol=1e-9, abs_tol=1e-12)
        return bool(old == new)
    return bool(old == new)


def _key_columns(columns: list[dict[str, str]], rows: list[dict[str, Any]]) -> list[str]:
    """The non-numeric columns, when they tell every row apart; else none (rows pair by position)."""
    keys = [c["name"] for c in columns if not is_numeric(c.get("type", ""))]
    if not keys:
        return []
    seen = {tuple(r.get(k) for k in keys) for r in rows}
    return keys if len(seen) == len(rows) else []


def compare_results(
    old_columns: list[dict[str, str]],
    old_rows: list[dict[str, Any]],
    new_columns: list[dict[str, str]],
    new_rows: list[dict[str, Any]],
) -> Drift:
    """Which of the stored cells changed in the new result (rows pair by their key columns)."""
    old_names = [c["name"] for c in old_columns]
    new_names = [c["name"] for c in new_columns]
    common = [n for n in old_names if n in new_names]
    keys = _key_columns(old_columns, old_rows)
    if keys and _key_columns(new_columns, new_rows) == keys:
        new_by_key = {tuple(r.get(k) for k in keys): r for r in new_rows}
        pairs: list[tuple[int, dict[str, Any], dict[str, Any] | None]] = [
            (i, r, new_by_key.pop(tuple(r.get(k) for k in keys), None)) for i, r in enumerate(old_rows)
        ]
        added = list(new_by_key.values())
    else:
        keys = []
        pairs = [(i, r, new_rows[i] if i < len(new_rows) else None) for i, r in enumerate(old_rows)]
        added = new_rows[len(old_rows) :]
    cells: list[CellChange] = []
    removed: list[dict[str, Any]] = []
    for i, old, new in pairs:
        if new is None:
            removed.append(old)
            continue
        key = {k: old.get(k) for k in keys} if keys else {"#": i + 1}
        for name in common:
            if name in keys:
                continue
            if not _same(old.get(name), new.get(name)):
                cells.append(CellChange(row=i, key=key, column=name, old=old.get(name), new=new.get(name)))
    return Drift(
        cells=cells,
        added_rows=added,
        removed_rows=removed,
        columns_added=[n for n in new_names if n not in old_names],
        columns_removed=[n for n in old_names if n not in new_names],
    )
