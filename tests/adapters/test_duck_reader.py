"""The DuckDB table reader's own database: what holds for every query it runs."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from hubcity.adapters.engines.duckdb import DuckTableReader
from hubcity.domain.query import Aggregate


def _write(path: Path, rows: int) -> None:
    duckdb.sql(f"COPY (SELECT range AS n, range % 3 AS k FROM range({rows})) TO '{path}' (FORMAT parquet)")


def test_every_query_reads_parquet_footers_from_the_cache(tmp_path: Path) -> None:
    reader = DuckTableReader(threads=1, memory_limit="256MB")
    try:
        # each query runs on a cursor of its own: a plain SET on the database would not reach it
        for _ in range(2):
            with reader._connect() as con:
                row = con.execute("SELECT current_setting('parquet_metadata_cache')").fetchone()
                assert row == (True,)
    finally:
        reader.close()


def test_a_file_written_anew_at_the_same_path_is_read_anew(tmp_path: Path) -> None:
    # the lake never rewrites a version's file (its name holds its content hash); were a file
    # replaced, the cached footer must not answer for the new one
    path = tmp_path / "t.parquet"
    _write(path, 10)
    reader = DuckTableReader(threads=1, memory_limit="256MB")
    try:
        first, _ = reader.aggregate(path, group_by=[], metrics=[Aggregate("count")], filters=(), limit=10)
        assert first == [{"count": 10}]
        _write(tmp_path / "new.parquet", 25)
        os.replace(tmp_path / "new.parquet", path)
        stat = path.stat()
        os.utime(path, (stat.st_atime + 5, stat.st_mtime + 5))  # as a later write would leave it
        again, _ = reader.aggregate(path, group_by=[], metrics=[Aggregate("count")], filters=(), limit=10)
        assert again == [{"count": 25}]
        assert reader.read_rows(path, columns=["n"], limit=30, offset=0)[-1] == {"n": 24}
    finally:
        reader.close()
