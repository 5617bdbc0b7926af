"""Renaming the tables of a SELECT in place, with DuckDB's own parser.

The parser gives each table reference its byte span in the text; only those
spans change, so the rest of the query (comments, layout, aliases) stays as the
user wrote it. The result is parsed again and must name exactly the new tables.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import duckdb

from hubcity.adapters.engines.duckdb import _q
from hubcity.adapters.engines.parsetree import table_ref, walk
from hubcity.domain.query import TableRef
from hubcity.errors import QueryError

__all__ = ["DuckSqlRewriter"]


def _text(ref: TableRef) -> str:
    return ".".join(_q(p) for p in (ref.catalog, ref.schema, ref.name) if p)


class DuckSqlRewriter:
    def __init__(self) -> None:
        self._parser = duckdb.connect(
            ":memory:", config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
        )
        self._lock = threading.Lock()

    def _tree(self, sql: str) -> dict[str, Any]:
        with self._lock:
            row = self._parser.execute("SELECT json_serialize_sql($1)", [sql]).fetchone()
        tree: dict[str, Any] = json.loads(row[0]) if row else {"error": True}
        if tree.get("error"):
            raise QueryError("SQL을 해석하지 못했습니다.", "The SQL could not be parsed.")
        return tree

    def rename_tables(self, sql: str, names: dict[TableRef, TableRef]) -> str:
        raw = sql.encode("utf-8")
        spans: list[tuple[int, int, str]] = []
        for node in walk(self._tree(sql)):
            if node.get("type") != "BASE_TABLE":
                continue
            ref = table_ref(node)
            new = names.get(ref)
            if new is None:
                continue
            start, length = int(node["query_location"]), int(node["query_location_length"])
            # without an alias, the table's own name stays its alias, so "b.col" keeps working
            alias = str(node.get("alias") or "") or ref.name
            text = f"{_text(new)} AS {_q(alias)}"
            spans.append((start, start + length, text))
        for start, end, text in sorted(spans, reverse=True):
            raw = raw[:start] + text.encode("utf-8") + raw[end:]
        out = raw.decode("utf-8")
        after = {table_ref(n) for n in walk(self._tree(out)) if n.get("type") == "BASE_TABLE"}
        stale = [old for old in names if old not in names.values() and old in after]
        if not set(names.values()) <= after or stale:
            raise QueryError(
                "쿼리의 표 이름을 버전에 고정하지 못했습니다.", "The query's tables could not be pinned."
            )
        return out

    def close(self) -> None:
        with self._lock:
            self._parser.close()
