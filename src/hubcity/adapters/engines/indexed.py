"""The text index in the SQL sandbox: ``WHERE 민원내용 LIKE '%주차%'`` without reading every row.

DuckDB cannot use a column's text index (:mod:`hubcity.adapters.engines.textindex`) by itself, so
before a query runs its parse tree is searched for conditions the index can answer: a top-level
``AND`` term of a SELECT's ``WHERE`` of the form ``column LIKE 'pattern'`` or ``column ILIKE
'pattern'``, on an indexed column of a hub table named directly in that SELECT's ``FROM``. That
table reference is then pointed, in the query text and under its own alias, at a view of the same
columns holding only the rows the index finds for the condition.

This gives the same answer because the condition stays in the ``WHERE``: a row the view leaves out
fails it anyway, whatever side of a join it is on (``NULL LIKE …`` is not true, so a row that an
outer join pads with NULLs fails it too). When the SELECT has no outer join, every row of the view
passes the condition, so its text is replaced by ``TRUE`` (DuckDB would otherwise test it on every
row of the file again); that happens only where the replaced text parses alone as the very same
condition. Where that reasoning does not hold, the query is left as it is: a term under ``OR`` or
``NOT``, an ``ESCAPE`` clause, a pattern that is not a constant string, a column name that could
belong to more than one source, a table sampled or renamed column by column, a name a CTE takes,
or joins that pair rows by position or nearness (``POSITIONAL``, ``ASOF``) or filter one side by
the other (``SEMI``, ``ANTI``). Should the rewritten query fail, the query as written runs, so an
error always speaks of the user's own text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from hubcity.adapters.engines.parsetree import walk
from hubcity.adapters.engines.textindex import ROW_NUMBER, ilike_condition, like_condition
from hubcity.domain.query import BoundTable

__all__ = ["IndexedTable", "index_uses", "rewrite", "view_condition"]

_OPERATORS = {"~~": "like", "~~*": "ilike"}
_JOIN_REFS = {"REGULAR", "CROSS", "NATURAL"}
_JOIN_TYPES = {"INNER", "LEFT", "RIGHT", "OUTER"}


@dataclass(frozen=True)
class IndexedTable:
    """One table reference of the query to read through its text index."""

    start: int  # byte span of the reference (name and alias) in the UTF-8 query text
    end: int
    table: BoundTable
    alias: str
    conditions: tuple[tuple[str, str, str], ...]  # (column, "like" | "ilike", pattern)
    answered: tuple[tuple[int, int], ...] = ()  # byte spans of conditions the view answers whole


def _fold(name: str) -> str:
    return name.casefold()


def _cte_names(tree: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for node in walk(tree):
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            names.update(_fold(str(e.get("key") or "")) for e in cte_map.get("map") or [])
    return names


def _sources(ref: dict[str, Any], out: list[dict[str, Any] | None], outer: list[bool]) -> bool:
    """Flatten a FROM clause into its table references (None for a subquery or anything else);
    False when a join pairs or filters rows in a way a narrower table would change. ``outer``
    gains True for an outer join."""
    kind = ref.get("type")
    if kind == "JOIN":
        if ref.get("ref_type") not in _JOIN_REFS or ref.get("join_type") not in _JOIN_TYPES:
            return False
        if ref.get("join_type") != "INNER":
            outer.append(True)
        return _sources(ref["left"], out, outer) and _sources(ref["right"], out, outer)
    if kind == "EMPTY":
        return True
    out.append(ref if kind == "BASE_TABLE" else None)
    return True


def _conjuncts(expr: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    if not expr:
        return
    if expr.get("type") == "CONJUNCTION_AND":
        for child in expr.get("children") or []:
            yield from _conjuncts(child)
    else:
        yield expr


def _span(node: dict[str, Any]) -> tuple[int, int]:
    start = int(node.get("query_location") or 0)
    return start, start + int(node.get("query_location_length") or 0)


def _same(a: Any, b: Any) -> bool:
    """Two parse trees equal but for where their text lies."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = (set(a) | set(b)) - {"query_location", "query_location_length"}
        return all(_same(a.get(k), b.get(k)) for k in keys)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _condition(expr: dict[str, Any]) -> tuple[list[str], str, str] | None:
    """(column name parts, like | ilike, pattern) of ``col LIKE 'constant'``, else None."""
    if expr.get("class") != "FUNCTION" or not expr.get("is_operator") or expr.get("filter"):
        return None
    op = _OPERATORS.get(str(expr.get("function_name")))
    args = [a.get("expression") or {} for a in expr.get("arguments") or []]
    if op is None or len(args) != 2:
        return None
    column, pattern = args
    literal = pattern.get("literal") or {}
    if column.get("class") != "COLUMN_REF" or pattern.get("type") != "VALUE_CONSTANT":
        return None
    if literal.get("kind") != "STRING" or not isinstance(literal.get("text"), str):
        return None
    return [str(p) for p in column.get("column_names") or []], op, str(literal["text"])


def index_uses(
    sql: str, tree: dict[str, Any], tables: list[BoundTable], parse: Callable[[str], dict[str, Any]]
) -> list[IndexedTable]:
    """The table references of a SELECT (``tree`` from ``json_serialize_sql``, ``parse`` gives
    another) that can read through a text index, with the conditions each can take from it."""
    if not any(t.text_index for t in tables):
        return []
    by_name = {(_fold(t.schema), _fold(t.name)): t for t in tables}  # every hub table: its columns
    ctes = _cte_names(tree)
    uses: list[IndexedTable] = []
    for node in walk(tree):
        if node.get("type") != "SELECT_NODE" or node.get("sample") or not node.get("where_clause"):
            continue
        refs: list[dict[str, Any] | None] = []
        outer: list[bool] = []
        if not _sources(node.get("from_table") or {}, refs, outer):
            continue
        # every source of this SELECT with the columns it brings (None: not known here)
        known: list[tuple[dict[str, Any], BoundTable | None, str, set[str] | None]] = []
        for ref in refs:
            if ref is None:
                known.append(({}, None, "", None))
                continue
            schema = str(ref.get("schema_name") or "")
            name = str(ref.get("table_name") or "")
            table = by_name.get((_fold(schema or "main"), _fold(name)))
            shadowed = not schema and _fold(name) in ctes
            plain = not ref.get("sample") and not ref.get("at_clause") and not ref.get("column_name_alias")
            if table is None or shadowed or ref.get("catalog_name") or not plain:
                known.append(({}, None, str(ref.get("alias") or name), None))
                continue
            known.append((ref, table, str(ref.get("alias") or name), {_fold(c) for c in table.columns}))
        found: dict[int, list[tuple[str, str, str]]] = {}
        answered: dict[int, list[tuple[int, int]]] = {}
        for term in _conjuncts(node["where_clause"]):
            cond = _condition(term)
            if cond is None:
                continue
            parts, op, pattern = cond
            if len(parts) == 1:
                owners = [i for i, k in enumerate(known) if k[3] is None or _fold(parts[0]) in k[3]]
            elif len(parts) == 2:
                owners = [i for i, k in enumerate(known) if _fold(k[2]) == _fold(parts[0])]
            else:
                continue
            if len(owners) != 1 or known[owners[0]][1] is None:
                continue
            table = known[owners[0]][1]
            assert table is not None
            column = _column(table, parts[-1])
            if column is None or column not in dict(table.text_index):
                continue
            if ROW_NUMBER in {_fold(c) for c in table.columns}:
                continue  # a column of that name would hide the row numbers the index points at
            found.setdefault(owners[0], []).append((column, op, pattern))
            if not outer:
                span = _answered_span(sql, term, parse)
                if span is not None:
                    answered.setdefault(owners[0], []).append(span)
        for i, conditions in found.items():
            ref, table, alias, _ = known[i]
            assert table is not None
            start = int(ref["query_location"])
            uses.append(
                IndexedTable(
                    start=start,
                    end=start + int(ref["query_location_length"]),
                    table=table,
                    alias=alias,
                    conditions=tuple(conditions),
                    answered=tuple(answered.get(i, [])),
                )
            )
    return uses


def _answered_span(
    sql: str, term: dict[str, Any], parse: Callable[[str], dict[str, Any]]
) -> tuple[int, int] | None:
    """The byte span of ``col LIKE 'pattern'`` in the text, if it parses alone as that very term."""
    args = [a.get("expression") or {} for a in term.get("arguments") or []]
    start, end = _span(args[0])[0], _span(args[1])[1]
    raw = sql.encode("utf-8")
    if not 0 <= start < end <= len(raw):
        return None
    try:
        alone = parse(f"SELECT {raw[start:end].decode('utf-8')}")
        selected = alone["statements"][0]["node"]["select_list"]
    except (UnicodeDecodeError, KeyError, IndexError, TypeError):
        return None
    if len(selected) != 1 or not _same({**selected[0], "alias": ""}, {**term, "alias": ""}):
        return None
    return start, end


def _column(table: BoundTable, name: str) -> str | None:
    matches = [c for c in table.columns if _fold(c) == _fold(name)]
    return matches[0] if len(matches) == 1 else None


def view_condition(use: IndexedTable, lower: Callable[[str], str]) -> str:
    """The WHERE of the narrowed view: every condition through its column's index, as literals."""
    index = dict(use.table.text_index)
    parts = []
    for column, op, pattern in use.conditions:
        make = like_condition if op == "like" else ilike_condition
        parts.append(make(index[column], pattern, lower, inline=True)[0])
    return " AND ".join(parts)


def rewrite(sql: str, spans: list[tuple[IndexedTable, str]]) -> str:
    """``sql`` with each indexed table reference replaced by its view (``schema.view AS alias``)
    and each condition the view answers whole by ``TRUE``."""
    edits: list[tuple[int, int, str]] = []
    for use, view in spans:
        alias = '"' + use.alias.replace('"', '""') + '"'
        edits.append((use.start, use.end, f"{view} AS {alias}"))
        edits.extend((start, end, "TRUE") for start, end in use.answered)
    raw = sql.encode("utf-8")
    for start, end, text in sorted(edits, reverse=True):
        raw = raw[:start] + text.encode("utf-8") + raw[end:]
    return raw.decode("utf-8")
