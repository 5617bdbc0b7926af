"""Reading an ingest's Parquet output back with DuckDB, for assertions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb


def parquet_rows(dest: Path, sql: str = "SELECT * FROM {t}") -> list[tuple[Any, ...]]:
    """Run ``sql`` with ``{t}`` standing for the Parquet file at ``dest``."""
    con = duckdb.connect()
    try:
        return con.execute(sql.replace("{t}", f"read_parquet('{dest}')")).fetchall()
    finally:
        con.close()
