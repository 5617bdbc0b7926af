"""Ingestion engine: any supported file in, one typed Parquet file out.

    source ──(encoding: whole-file detection, UTF-8 out)──┐
      CSV/TSV  → csv.read_csv_raw      (DuckDB streaming) │
      XLSX/XLS → excel.read_excel_raw  (python-calamine)  ├─→ raw Parquet (all VARCHAR)
      JSON/JSONL → json.read_json_raw  (DuckDB)           │
      Parquet  → parquet.read_parquet_raw (schema kept)   ┘
    raw Parquet ──typing.type_table (whole-file inference, casts)──→ dest (atomic)
    dest ──profile.profile_table──→ ColumnProfile list + QualityReport

Every failure is an ``IngestError`` (Korean first, English second, with where);
on failure nothing is left at ``dest`` and temporaries are removed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb

from hubcity.adapters.readers._raw import RawTable, connect
from hubcity.adapters.readers.csv import read_csv_raw
from hubcity.adapters.readers.encoding import prepare_text
from hubcity.adapters.readers.excel import list_excel_sheets, read_excel_raw
from hubcity.adapters.readers.json import read_json_raw
from hubcity.adapters.readers.parquet import read_parquet_raw
from hubcity.adapters.readers.profile import profile_table
from hubcity.adapters.readers.typing import type_table
from hubcity.domain.ingest import (
    IngestLimits,
    IngestOptions,
    IngestOutcome,
    ProgressFn,
    SourceFormat,
    detect_format,
)
from hubcity.errors import IngestError

__all__ = ["ingest_file", "list_sheets"]


def _format(filename: str) -> SourceFormat:
    fmt = detect_format(filename)
    if fmt is None:
        raise IngestError(
            "지원하지 않는 파일 형식입니다(CSV, TSV, XLSX, XLS, JSON, JSONL, Parquet만 가능).",
            "Unsupported file type (CSV, TSV, XLSX, XLS, JSON, JSONL and Parquet are supported).",
            file=filename,
        )
    return fmt


def list_sheets(src: Path, filename: str) -> list[str]:
    """Sheet names of an XLSX/XLS file; ``[]`` for every other format."""
    fmt = _format(filename)
    if fmt not in (SourceFormat.XLSX, SourceFormat.XLS):
        return []
    from hubcity.adapters.readers.excel import check_container

    check_container(src, fmt, filename, IngestLimits())
    return list_excel_sheets(src, filename)


@contextlib.contextmanager
def _scratch(work_dir: Path) -> Iterator[Path]:
    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".hubcity-ingest-", dir=work_dir) as d:
        yield Path(d)


def ingest_file(
    src: Path,
    dest: Path,
    *,
    filename: str,
    options: IngestOptions = IngestOptions(),
    limits: IngestLimits = IngestLimits(),
    progress: ProgressFn | None = None,
    work_dir: Path | None = None,
) -> IngestOutcome:
    """Read ``src`` (named ``filename`` by the user) and write typed Parquet to ``dest``."""
    fmt = _format(filename)
    src = Path(src)
    dest = Path(dest)
    if not src.is_file():
        raise IngestError("파일을 찾을 수 없습니다.", "The file does not exist.", file=filename)
    total = src.stat().st_size
    tmp_dest = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        with _scratch(work_dir or dest.parent) as scratch, connect() as con:
            outcome = _ingest(src, fmt, tmp_dest, scratch, con, filename, options, limits, progress, total)
        os.replace(tmp_dest, dest)
    except IngestError:
        raise
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise IngestError(
            f"파일을 읽는 중 오류가 났습니다: {first}", f"The file could not be read: {first}", file=filename
        ) from None
    except (OSError, ValueError, UnicodeError) as exc:
        raise IngestError(
            f"파일을 읽는 중 오류가 났습니다: {exc}", f"The file could not be read: {exc}", file=filename
        ) from None
    finally:
        tmp_dest.unlink(missing_ok=True)
    if progress is not None:
        progress(total, total, outcome.row_count)
    return outcome


def _ingest(
    src: Path,
    fmt: SourceFormat,
    out: Path,
    scratch: Path,
    con: duckdb.DuckDBPyConnection,
    filename: str,
    options: IngestOptions,
    limits: IngestLimits,
    progress: ProgressFn | None,
    total: int,
) -> IngestOutcome:
    raw_path = scratch / "raw.parquet"
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = []
    raw: RawTable
    if fmt in (SourceFormat.CSV, SourceFormat.TSV):
        text = prepare_text(
            src, filename=filename, declared=options.encoding, work_dir=scratch, progress=progress
        )
        try:
            raw, delimiter = read_csv_raw(
                text, raw_path, con, filename=filename, fmt=fmt, options=options, limits=limits
            )
        finally:
            text.cleanup()
        encoding = text.encoding
    elif fmt in (SourceFormat.XLSX, SourceFormat.XLS):
        raw, sheet, sheets = read_excel_raw(
            src, raw_path, filename=filename, fmt=fmt, options=options, limits=limits
        )
    elif fmt in (SourceFormat.JSON, SourceFormat.JSONL):
        raw = read_json_raw(src, raw_path, con, filename=filename, fmt=fmt, limits=limits)
    else:
        raw = read_parquet_raw(src, raw_path, con, filename=filename, limits=limits)
    if progress is not None:
        progress(total, total, raw.row_count)
    columns, type_warnings = type_table(con, raw, out, options=options, filename=filename)
    raw_path.unlink(missing_ok=True)
    profiles, quality = profile_table(con, out, columns, raw.row_count)
    return IngestOutcome(
        format=fmt,
        row_count=raw.row_count,
        columns=profiles,
        source_encoding=encoding,
        delimiter=delimiter,
        header_row=raw.header_row,
        sheet=sheet,
        sheets=sheets,
        warnings=raw.warnings + type_warnings,
        quality=quality,
        bytes_read=total,
    )
