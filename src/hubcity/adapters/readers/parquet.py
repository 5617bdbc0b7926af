"""Parquet sources: the schema is kept, Arrow types map onto the user-facing types."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from hubcity.adapters.readers._raw import RawTable, quote_ident, sql_literal
from hubcity.domain.ingest import ColumnType, IngestLimits
from hubcity.domain.typing_rules import clean_header_names
from hubcity.errors import IngestError

__all__ = ["arrow_column_type", "read_parquet_raw"]


def arrow_column_type(t: pa.DataType) -> tuple[ColumnType, str]:
    """The user-facing type of an Arrow type and the DuckDB type it is stored as."""
    if pa.types.is_boolean(t):
        return ColumnType.BOOLEAN, "BOOLEAN"
    if pa.types.is_integer(t):
        return ColumnType.INTEGER, "BIGINT"
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return ColumnType.DECIMAL, "DOUBLE"
    if pa.types.is_date(t):
        return ColumnType.DATE, "DATE"
    if pa.types.is_timestamp(t):
        return ColumnType.TIMESTAMP, "TIMESTAMP"
    return ColumnType.TEXT, "VARCHAR"


def read_parquet_raw(
    src: Path, raw_path: Path, con: duckdb.DuckDBPyConnection, *, filename: str, limits: IngestLimits
) -> RawTable:
    try:
        schema = pq.read_schema(str(src))
    except (pa.ArrowException, OSError) as exc:
        raise IngestError(
            f"Parquet 파일을 읽을 수 없습니다: {exc}",
            f"The Parquet file could not be read: {exc}",
            file=filename,
        ) from None
    if len(schema) > limits.max_columns:
        raise IngestError(
            f"열이 너무 많습니다({len(schema):,}개, 최대 {limits.max_columns:,}개).",
            f"Too many columns ({len(schema):,}; the limit is {limits.max_columns:,}).",
            file=filename,
        )
    types: list[ColumnType] = []
    select: list[str] = []
    for i, f in enumerate(schema):
        ctype, sql_type = arrow_column_type(f.type)
        types.append(ctype)
        select.append(f"CAST({quote_ident(f.name)} AS {sql_type}) AS c{i}")
    try:
        con.execute(
            f"COPY (SELECT {', '.join(select)} FROM read_parquet({sql_literal(str(src))})) "
            f"TO {sql_literal(str(raw_path))} (FORMAT parquet, COMPRESSION lz4_raw)"
        )
        (count,) = con.execute(
            f"SELECT count(*) FROM read_parquet({sql_literal(str(raw_path))})"
        ).fetchone() or (0,)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise IngestError(
            f"Parquet 파일을 읽을 수 없습니다: {first}",
            f"The Parquet file could not be read: {first}",
            file=filename,
        ) from None
    names, _blank, _dups = clean_header_names([f.name for f in schema])
    return RawTable(
        path=raw_path,
        names=names,
        original_names=[f.name for f in schema],
        row_count=int(count),
        types=types,
    )
