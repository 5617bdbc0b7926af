"""Ingestion engine: any supported file in, one typed Parquet file out.

    source ──(CSV: encoding detected over the whole file, UTF-8 out)
      CSV/TSV    → csv.read_csv_raw         DuckDB read_csv relation  ┐
      XLSX/XLS   → excel.read_excel_raw     python-calamine → Parquet ├─→ raw rows (all VARCHAR)
      JSON/JSONL → json.read_json_raw       DuckDB → Parquet          │
      Parquet    → parquet.read_parquet_raw schema kept               ┘
    raw rows ──typing.type_table (whole-file inference, casts)──→ dest (atomic)
    dest ──profile.profile_table──→ ColumnProfile list + QualityReport

Every failure is an ``IngestError`` (Korean first, English second, with where);
on failure nothing is left at ``dest`` and temporaries are removed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb

from hubcity.adapters.readers._raw import RawTable, connect, sql_literal
from hubcity.adapters.readers.csv import check_quotes, read_csv_raw
from hubcity.adapters.readers.encoding import TextFile, likely_utf8, prepare_text
from hubcity.adapters.readers.excel import list_excel_sheets, read_excel_raw
from hubcity.adapters.readers.json import read_json_raw
from hubcity.adapters.readers.parquet import read_parquet_raw
from hubcity.adapters.readers.profile import profile_table
from hubcity.adapters.readers.typing import TypedColumn, type_table
from hubcity.domain.ingest import (
    IngestLimits,
    IngestOptions,
    IngestOutcome,
    IngestWarning,
    ProgressFn,
    SourceFormat,
    detect_format,
)
from hubcity.errors import IngestError

__all__ = ["ingest_file", "list_sheets"]

_DUCKDB_MEMORY = "512MB"
_POLL_SECONDS = 0.2


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
            # bounded memory: DuckDB spills to the scratch folder beyond this
            con.execute(f"SET temp_directory = {sql_literal(str(scratch))}")
            con.execute(f"SET memory_limit = '{_DUCKDB_MEMORY}'")
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
    except Exception as exc:  # a reader bug must still reach the user as an IngestError
        raise IngestError(
            f"파일을 읽는 중 예상하지 못한 오류가 났습니다({type(exc).__name__}).",
            f"An unexpected error occurred while reading the file ({type(exc).__name__}: {exc}).",
            file=filename,
        ) from exc
    finally:
        tmp_dest.unlink(missing_ok=True)
    if progress is not None:
        progress(total, total, outcome.row_count)
    return outcome


def _read_csv(
    src: Path,
    fmt: SourceFormat,
    out: Path,
    scratch: Path,
    con: duckdb.DuckDBPyConnection,
    filename: str,
    options: IngestOptions,
    limits: IngestLimits,
    progress: ProgressFn | None,
) -> tuple[RawTable, str, str, tuple[list[TypedColumn], list[IngestWarning]]]:
    """Read and type a CSV in as few passes over it as the file allows.

    A file whose head (the first 256 KB: any title rows and the header) is UTF-8
    goes to DuckDB as it is. DuckDB checks every field it reads as strict UTF-8,
    so a file that reads through is UTF-8 over its whole length. Any failure
    sends the file to ``prepare_text``, the whole-file check that names the
    first bad byte or transcodes CP949, and the read starts again on its
    result. A well-formed file is read once (plus its first rows, for typing);
    a ragged one stops that pass and is counted and checked first.
    """
    total = src.stat().st_size

    def read(
        text: TextFile, start: float
    ) -> tuple[RawTable, str, tuple[list[TypedColumn], list[IngestWarning]]]:
        raw, delimiter = read_csv_raw(
            text, con, filename=filename, fmt=fmt, options=options, limits=limits, check_rows=False
        )
        try:
            with _watch(con, progress, total, start):
                typed = type_table(con, raw, out, options=options, filename=filename)
        except duckdb.Error:
            # a short or too-wide row, or a read error: the checking pass finds and explains it
            out.unlink(missing_ok=True)
            with _watch(con, progress, total, start):
                raw, delimiter = read_csv_raw(
                    text, con, filename=filename, fmt=fmt, options=options, limits=limits
                )
                typed = type_table(con, raw, out, options=options, filename=filename)
        if raw.row_count is None:
            counted = con.execute(f"SELECT count(*) FROM read_parquet({sql_literal(str(out))})").fetchone()
            assert counted is not None
            raw.row_count = int(counted[0])
        return raw, delimiter, typed

    optimistic = likely_utf8(src, filename=filename, declared=options.encoding)
    failure: Exception | None = None
    if optimistic is not None:
        try:
            raw, delimiter, typed = read(optimistic, 0.0)
            return raw, delimiter, optimistic.encoding, typed
        except (IngestError, duckdb.Error) as exc:
            failure = exc
            out.unlink(missing_ok=True)
    # the whole-file check takes the first half of the bar when a read follows it
    half = None if progress is None else _scaled(progress, 0.0, 0.5)
    text = prepare_text(src, filename=filename, declared=options.encoding, work_dir=scratch, progress=half)
    if failure is not None and text.encoding in ("utf-8", "utf-8-sig"):
        # UTF-8 after all: the failure was not the encoding (an unclosed quote is named by row)
        check_quotes(text, _delimiter_guess(options, fmt), filename)
        raise failure
    # a transcoded temporary lives in ``scratch`` until the typed copy is written
    raw, delimiter, typed = read(text, 0.5)
    return raw, delimiter, text.encoding, typed


def _scaled(progress: ProgressFn, lo: float, hi: float) -> ProgressFn:
    def scaled(done: int, total: int, rows: int) -> None:
        share = done / total if total else 1.0
        progress(int(total * (lo + (hi - lo) * share)), total, rows)

    return scaled


@contextlib.contextmanager
def _watch(
    con: duckdb.DuckDBPyConnection, progress: ProgressFn | None, total: int, start: float
) -> Iterator[None]:
    """Report DuckDB's progress on the running statement (bytes of the bar from ``start`` to the end).

    It is also the job's heartbeat while one long statement runs.
    """
    if progress is None:
        yield
        return
    stop = threading.Event()
    report = _scaled(progress, start, 1.0)

    def poll() -> None:
        best = 0.0
        while not stop.wait(_POLL_SECONDS):
            with contextlib.suppress(duckdb.Error):
                best = max(best, min(con.query_progress(), 100.0))
            report(int(total * best / 100), total, 0)

    thread = threading.Thread(target=poll, name="hubcity-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _delimiter_guess(options: IngestOptions, fmt: SourceFormat) -> str:
    return options.delimiter or ("\t" if fmt is SourceFormat.TSV else ",")


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
    typed: tuple[list[TypedColumn], list[IngestWarning]] | None = None
    if fmt in (SourceFormat.CSV, SourceFormat.TSV):
        raw, delimiter, encoding, typed = _read_csv(
            src, fmt, out, scratch, con, filename, options, limits, progress
        )
    elif fmt in (SourceFormat.XLSX, SourceFormat.XLS):
        raw, sheet, sheets = read_excel_raw(
            src, raw_path, filename=filename, fmt=fmt, options=options, limits=limits
        )
    elif fmt in (SourceFormat.JSON, SourceFormat.JSONL):
        raw = read_json_raw(src, raw_path, con, filename=filename, fmt=fmt, limits=limits)
    else:
        raw = read_parquet_raw(src, raw_path, con, filename=filename, limits=limits)
    if progress is not None:
        progress(total, total, raw.row_count or 0)
    if typed is None:
        typed = type_table(con, raw, out, options=options, filename=filename)
    columns, type_warnings = typed
    raw_path.unlink(missing_ok=True)
    row_count = raw.row_count or 0
    profiles, quality = profile_table(con, out, columns, row_count)
    return IngestOutcome(
        format=fmt,
        row_count=row_count,
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
