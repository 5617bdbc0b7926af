"""The shape every reader hands to the typing stage, and small DuckDB helpers.

Each reader turns its source into a *raw* Parquet file: columns ``c0 … cN``,
all VARCHAR (strings exactly as the file had them, ``''`` for an empty cell),
in file order. Typing, casting and profiling then work the same for every
format.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from hubcity.domain.ingest import ColumnType, IngestWarning

__all__ = ["RawTable", "connect", "quote_ident", "sql_literal"]


@dataclass
class RawTable:
    path: Path  # Parquet, columns c0..cN (VARCHAR) unless ``types`` is given; or the UTF-8 CSV
    names: list[str]
    original_names: list[str]
    row_count: int | None  # None until the typed copy is written (single-pass CSV)
    header_row: int | None = None  # 1-based physical row
    row_offset: int = 0  # physical row of data row 0 minus 1 (for messages)
    warnings: list[IngestWarning] = field(default_factory=list)
    types: list[ColumnType] | None = None  # already typed (Parquet sources): skip inference
    source_columns: list[str] | None = None  # column names in ``path`` when not c0..cN
    relation: str | None = None  # SQL relation reading ``path`` when it is not Parquet (CSV)
    head: str | None = None  # a cheaper relation for the first rows only (CSV with a smaller buffer)
    short_guard: str | None = None  # column that is NULL only in a short (padded) row: unchecked rows

    def head_source(self) -> str:
        """A SQL relation for sampling the first rows."""
        return self.head or self.source()

    def source(self) -> str:
        """A SQL relation over the raw rows, in file order."""
        return self.relation or f"read_parquet({sql_literal(str(self.path))})"

    def numbered(self) -> str:
        """As ``source()``, with a 0-based ``rn`` row number column."""
        if self.relation is None:
            path = sql_literal(str(self.path))
            return f"(SELECT *, file_row_number AS rn FROM read_parquet({path}, file_row_number=true))"
        return f"(SELECT *, row_number() OVER () - 1 AS rn FROM {self.relation})"

    def column_ids(self) -> list[str]:
        return self.source_columns or [f"c{i}" for i in range(len(self.names))]


@contextlib.contextmanager
def connect(threads: int | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection that is always closed."""
    con = duckdb.connect(":memory:")
    try:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        # progress is polled by the caller (``query_progress``), never printed
        con.execute("SET enable_progress_bar = true")
        con.execute("SET enable_progress_bar_print = false")
        yield con
    finally:
        con.close()


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_LINE = re.compile(r"Line:\s*(\d+)")


def duckdb_line(message: str) -> int | None:
    m = _LINE.search(message)
    return int(m.group(1)) if m else None
