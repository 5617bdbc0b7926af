"""Read-only SQL on DuckDB, in a sandbox.

A query runs on a fresh in-memory connection that can see only the views the
caller was given: the file system is closed except for those views' Parquet
files (``allowed_paths`` + ``enable_external_access=false``), extensions are
neither installed nor loaded, Python objects are not scanned, and the
configuration is locked before the user's SQL runs. Before that, the SQL is
parsed by DuckDB's own parser: one SELECT statement, no table functions
(``read_csv``, ``query_table``, ``glob`` …). A watchdog interrupts the query at
its time limit or when the caller cancels it; at most ``max_rows`` rows come back.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from hubcity.adapters.engines.duckdb import _jsonable, _lit, _lowerer, _q, _source
from hubcity.adapters.engines.indexed import IndexedTable, index_uses, rewrite, view_condition
from hubcity.adapters.engines.parsetree import table_ref, walk
from hubcity.adapters.engines.sealing import ColumnSealer
from hubcity.domain.query import BoundTable, QueryResult, TableRef
from hubcity.errors import QueryCancelled, QueryError, QueryTimeout

__all__ = ["DuckSqlEngine"]

_BASE_CONFIG: dict[str, Any] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "python_enable_replacements": False,
}
_SPARES = 2
_INDEXED = '"#indexed"'  # schema of the views narrowed by a text index (see indexed.py)

log = logging.getLogger(__name__)


def _sql_error(exc: Exception) -> QueryError:
    text = str(exc).strip()
    return QueryError(f"SQL 오류: {text}", f"SQL error: {text}")


class DuckSqlEngine:
    def __init__(
        self,
        *,
        threads: int = 2,
        memory_limit: str = "1GB",
        temp_dir: Path | None = None,
        sealer: ColumnSealer | None = None,
    ) -> None:
        self.threads = threads
        self.memory_limit = memory_limit
        self.temp_dir = temp_dir
        self.sealer = sealer
        # parsing reads no data, so one connection serves every query (a new one costs ~20 ms)
        self._parser = duckdb.connect(":memory:", config=dict(_BASE_CONFIG))
        self._parser_lock = threading.Lock()
        # a query needs a connection of its own (its configuration is locked), so a few are opened
        # ahead, off the request path, and each is used once
        self._spares: queue.Queue[duckdb.DuckDBPyConnection] = queue.Queue(maxsize=_SPARES)
        self._used: queue.Queue[duckdb.DuckDBPyConnection] = queue.Queue()
        self._wanted = threading.Event()
        self._closed = False
        self._filler: threading.Thread | None = None

    def _open(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(
            ":memory:",
            config={**_BASE_CONFIG, "threads": self.threads, "memory_limit": self.memory_limit},
        )
        if self.temp_dir:
            self.temp_dir.mkdir(parents=True, exist_ok=True)
            con.execute(f"SET temp_directory = {_lit(self.temp_dir)}")
        if self.sealer is not None:
            # sealed columns are decrypted inside the view; the key stays in the Python function
            self.sealer.register(con)
        return con

    def _fill(self) -> None:
        while not self._closed:
            self._wanted.clear()
            self._close_used()
            if self._spares.full():
                self._wanted.wait()
                continue
            con = self._open()
            if self._closed:
                con.close()
                return
            self._spares.put(con)

    def _take(self) -> duckdb.DuckDBPyConnection:
        if self._filler is None:
            with self._parser_lock:
                if self._filler is None and not self._closed:
                    self._filler = threading.Thread(target=self._fill, name="duckdb-spares", daemon=True)
                    self._filler.start()
        try:
            con = self._spares.get_nowait()
        except queue.Empty:
            con = self._open()
        self._wanted.set()
        return con

    def _retire(self, con: duckdb.DuckDBPyConnection) -> None:
        """Closing a connection costs a few ms more: the filler does it after the answer has gone."""
        if self._filler is None or self._closed:
            con.close()
            return
        self._used.put(con)
        self._wanted.set()

    def _close_used(self) -> None:
        while True:
            try:
                self._used.get_nowait().close()
            except queue.Empty:
                return

    def close(self) -> None:
        """Close the spare connections and the parser (a query still running keeps its own). The
        filler thread is joined first: a process that exits while it still holds a connection aborts."""
        self._closed = True
        self._wanted.set()
        if self._filler is not None:
            self._filler.join(timeout=10)
        self._close_used()
        while True:
            try:
                self._spares.get_nowait().close()
            except queue.Empty:
                break
        with self._parser_lock:
            self._parser.close()

    # -- parsing -----------------------------------------------------------------------------
    def _tree(self, sql: str) -> dict[str, Any]:
        """DuckDB's parse tree of ``sql`` (``{"error": true, …}`` when it does not parse)."""
        with self._parser_lock:
            row = self._parser.execute("SELECT json_serialize_sql($1)", [sql]).fetchone()
        tree: dict[str, Any] = json.loads(row[0]) if row else {"error": True}
        return tree

    def tables_of(self, sql: str) -> list[TableRef]:
        """The tables a SELECT names; anything but one SELECT without table functions is refused."""
        if not sql.strip():
            raise QueryError("SQL 문이 비어 있습니다.", "The SQL statement is empty.")
        tree = self._tree(sql)
        if tree.get("error"):
            if tree.get("error_type") == "parser":
                where = _line_of(sql, tree.get("position"))
                message = str(tree.get("error_message", ""))
                raise QueryError(
                    f"SQL 구문 오류{where[0]}: {message}", f"SQL syntax error{where[1]}: {message}"
                )
            raise QueryError(
                "읽기 전용 SELECT 문 하나만 실행할 수 있습니다.",
                "Only one read-only SELECT statement can run.",
            )
        statements = tree.get("statements") or []
        if len(statements) != 1:
            raise QueryError(
                "SELECT 문은 한 번에 하나만 실행할 수 있습니다.", "Run one SELECT statement at a time."
            )
        refs: list[TableRef] = []
        for node in walk(statements[0]):
            kind = node.get("type")
            if kind == "TABLE_FUNCTION":
                raise QueryError(
                    "테이블 함수(read_csv, read_parquet 등)는 쓸 수 없습니다. 허브의 테이블 이름을 쓰세요.",
                    "Table functions (read_csv, read_parquet …) are not allowed; use the hub's table names.",
                )
            if kind == "BASE_TABLE":
                ref = table_ref(node)
                if ref not in refs:
                    refs.append(ref)
        return refs

    # -- running -----------------------------------------------------------------------------
    @contextmanager
    def _sandbox(self, tables: list[BoundTable], sql: str) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
        """A locked connection with the tables' views, and the SQL to run on it: ``sql`` with the
        table references that a text index can narrow pointed at their narrowed views."""
        uses = (
            index_uses(sql, self._tree(sql), tables, self._tree) if any(t.text_index for t in tables) else []
        )
        con = self._take()
        try:
            paths = {str(t.path) for t in tables}
            for use in uses:
                for _, files in use.table.text_index:
                    paths.update(str(f) for f in (files.values, files.grams, files.rows))
            con.execute("SET allowed_paths = $1", [sorted(paths)])
            con.execute("SET enable_external_access = false")
            schemas: set[str] = set()
            for t in tables:
                if t.schema not in schemas:
                    con.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(t.schema)}")
                    schemas.add(t.schema)
                cols = ", ".join(_q(c) for c in t.columns) or "*"
                con.execute(
                    f"CREATE OR REPLACE VIEW {_q(t.schema)}.{_q(t.name)} AS "
                    f"SELECT {cols} FROM {_source(t.path)}"
                )
            narrowed: list[tuple[IndexedTable, str]] = []
            if uses:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {_INDEXED}")
                lower = _lowerer(con)
                for n, use in enumerate(uses, 1):
                    view = f"{_INDEXED}.{_q(f'{use.table.schema}.{use.table.name}#{n}')}"
                    cols = ", ".join(_q(c) for c in use.table.columns)
                    con.execute(
                        f"CREATE VIEW {view} AS SELECT {cols} FROM {_source(use.table.path, True)} "
                        f"WHERE {view_condition(use, lower)}"
                    )
                    narrowed.append((use, view))
            con.execute("SET lock_configuration = true")
            yield con, rewrite(sql, narrowed) if narrowed else sql
        finally:
            self._retire(con)

    @staticmethod
    def _execute(con: duckdb.DuckDBPyConnection, sql: str, given: str) -> duckdb.DuckDBPyConnection:
        """Run the narrowed SQL; should it fail, the SQL as given, whose error names the user's text."""
        if sql == given:
            return con.execute(sql)
        try:
            return con.execute(sql)
        except duckdb.InterruptException:
            raise
        except duckdb.Error:
            log.warning("text-index rewrite failed; running the query as given", exc_info=True)
            return con.execute(given)

    def run(
        self,
        sql: str,
        tables: list[BoundTable],
        *,
        max_rows: int,
        timeout_s: float,
        cancel: threading.Event | None = None,
    ) -> QueryResult:
        started = time.perf_counter()
        with self._sandbox(tables, sql) as (con, narrowed):
            done = threading.Event()
            reason: list[str] = []

            def watchdog() -> None:
                while not done.wait(0.05):
                    if time.perf_counter() - started > timeout_s:
                        reason.append("timeout")
                    elif cancel is not None and cancel.is_set():
                        reason.append("cancelled")
                    if reason:
                        con.interrupt()
                        return

            watcher = threading.Thread(target=watchdog, name="sql-watchdog", daemon=True)
            watcher.start()
            try:
                cur = self._execute(con, narrowed, sql)
                described = cur.description or []
                batch = cur.fetchmany(max_rows + 1)
            except duckdb.InterruptException as exc:
                if reason and reason[0] == "timeout":
                    raise QueryTimeout(
                        f"쿼리가 시간 제한({timeout_s:g}초)을 넘어 중단했습니다.",
                        f"The query ran past its time limit ({timeout_s:g} s) and was stopped.",
                    ) from exc
                raise QueryCancelled("쿼리를 취소했습니다.", "The query was cancelled.") from exc
            except duckdb.Error as exc:
                raise _sql_error(exc) from exc
            finally:
                done.set()
                watcher.join()
        names = _unique([str(d[0]) for d in described])
        columns = [{"name": n, "type": str(d[1])} for n, d in zip(names, described, strict=True)]
        truncated = len(batch) > max_rows
        rows = [dict(zip(names, map(_jsonable, r), strict=True)) for r in batch[:max_rows]]
        return QueryResult(
            columns=columns,
            rows=rows,
            truncated=truncated,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    def explain(self, sql: str, tables: list[BoundTable]) -> str:
        """DuckDB's plan of the query (with its cardinality estimates), as text."""
        with self._sandbox(tables, sql) as (con, narrowed):
            try:
                rows = self._execute(con, f"EXPLAIN {narrowed}", f"EXPLAIN {sql}").fetchall()
            except duckdb.Error as exc:
                raise _sql_error(exc) from exc
        return "\n".join(str(r[1]) for r in rows)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        if name in seen:
            seen[name] += 1
            out.append(f"{name}_{seen[name]}")
        else:
            seen[name] = 1
            out.append(name)
    return out


def _line_of(sql: str, position: Any) -> tuple[str, str]:
    try:
        pos = int(position)
    except (TypeError, ValueError):
        return "", ""
    line = sql.count("\n", 0, pos) + 1
    col = pos - (sql.rfind("\n", 0, pos) + 1) + 1
    return f" ({line}행 {col}열)", f" (line {line}, column {col})"
