"""Samples of a version's column values, read from its Parquet file with DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb

from hubcity.adapters.engines.sealing import ColumnSealer, source_sql

__all__ = ["DuckColumnSampler"]

# rows read per column to find the distinct values: the scan stops early on large files
_ROWS_PER_VALUE = 20


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class DuckColumnSampler:
    def __init__(
        self, *, threads: int = 1, memory_limit: str = "256MB", sealer: ColumnSealer | None = None
    ) -> None:
        self.threads = threads
        self.memory_limit = memory_limit
        self.sealer = sealer

    def sample_values(self, path: Path, columns: list[str], *, limit: int) -> dict[str, list[str]]:
        """Up to ``limit`` distinct non-empty values of each column, as text, from the file's first rows."""
        out: dict[str, list[str]] = {}
        if not columns:
            return out
        source = source_sql(path)
        con = duckdb.connect(":memory:", config={"threads": self.threads, "memory_limit": self.memory_limit})
        try:
            if self.sealer is not None:
                self.sealer.register(con)
            present = {str(r[0]) for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
            for name in columns:
                if name not in present:
                    continue
                col = _q(name)
                rows_read = int(limit) * _ROWS_PER_VALUE
                rows = con.execute(
                    f"SELECT DISTINCT v FROM (SELECT trim(CAST({col} AS VARCHAR)) AS v FROM {source} "
                    f"WHERE {col} IS NOT NULL LIMIT {rows_read}) WHERE v <> '' LIMIT {int(limit)}"
                ).fetchall()
                out[name] = [str(r[0]) for r in rows]
        finally:
            con.close()
        return out
