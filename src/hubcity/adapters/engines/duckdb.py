"""DuckDB over the Parquet lake: pages of rows and exports.

Every call opens its own in-memory connection (cheap, thread-safe), limited in
threads and memory, with no access to the file system beyond what the call
names, and closes it.
"""

from __future__ import annotations

import codecs
import datetime as dt
import decimal
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter

from hubcity.domain.query import FILTER_OPS, Aggregate, RowFilter, RowQuery
from hubcity.errors import InvalidInput

__all__ = ["EXPORT_FORMATS", "DuckTableReader"]

# format key -> (file extension, media type)
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("csv", "text/csv; charset=utf-8"),
    "csv-cp949": ("csv", "text/csv; charset=cp949"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "parquet": ("parquet", "application/vnd.apache.parquet"),
    "json": ("json", "application/json"),
    "jsonl": ("jsonl", "application/x-ndjson"),
}

_XLSX_MAX_ROWS = 1_048_575
# Cells that spreadsheet programs would run as formulas (CSV/formula injection).
_FORMULA_START = r"^[=+@\t\r]|^-[^0-9.\s]"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


class DuckTableReader:
    def __init__(self, *, threads: int = 2, memory_limit: str = "1GB", temp_dir: Path | None = None) -> None:
        self.threads = threads
        self.memory_limit = memory_limit
        self.temp_dir = temp_dir

    @contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = duckdb.connect(":memory:", config={"threads": self.threads, "memory_limit": self.memory_limit})
        try:
            if self.temp_dir:
                self.temp_dir.mkdir(parents=True, exist_ok=True)
                con.execute(f"SET temp_directory = {_lit(self.temp_dir)}")
            yield con
        finally:
            con.close()

    def _select(
        self, path: Path, columns: list[str], *, guard_formulas: bool = False, types: dict[str, str]
    ) -> str:
        parts = []
        for name in columns:
            col = _q(name)
            if guard_formulas and types.get(name) == "VARCHAR":
                parts.append(
                    f"CASE WHEN regexp_matches({col}, '{_FORMULA_START}') "
                    f"THEN '''' || {col} ELSE {col} END AS {col}"
                )
            else:
                parts.append(col)
        return f"SELECT {', '.join(parts) or '*'} FROM read_parquet({_lit(path)})"

    def _types(self, con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, str]:
        rows = con.execute(f"DESCRIBE SELECT * FROM read_parquet({_lit(path)})").fetchall()
        return {str(r[0]): str(r[1]) for r in rows}

    def read_rows(self, path: Path, *, columns: list[str], limit: int, offset: int) -> list[dict[str, Any]]:
        with self._connect() as con:
            types = self._types(con, path)
            cols = [c for c in columns if c in types] or list(types)
            sql = f"{self._select(path, cols, types=types)} LIMIT {int(limit)} OFFSET {int(offset)}"
            cur = con.execute(sql)
            names = [d[0] for d in cur.description or []]
            return [dict(zip(names, map(_jsonable, row), strict=True)) for row in cur.fetchall()]

    def query_rows(
        self, path: Path, query: RowQuery, *, columns: list[str], text_columns: list[str]
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of the rows that pass ``query``'s filters, and how many rows pass them."""
        with self._connect() as con:
            types = self._types(con, path)
            cols = [c for c in (query.select or tuple(columns)) if c in types] or list(types)
            where, params = _where(query.filters, query.q, text_columns)
            order = ", ".join(f"{_q(c)} {'DESC' if desc else 'ASC'} NULLS LAST" for c, desc in query.sort)
            sql = (
                f"{self._select(path, cols, types=types)}{where}"
                f"{' ORDER BY ' + order if order else ''} LIMIT {int(query.limit)} OFFSET {int(query.offset)}"
            )
            try:
                cur = con.execute(sql, params)
                names = [d[0] for d in cur.description or []]
                rows = [dict(zip(names, map(_jsonable, row), strict=True)) for row in cur.fetchall()]
                counted = con.execute(f"SELECT count(*) FROM read_parquet({_lit(path)}){where}", params)
                total_row = counted.fetchone()
            except duckdb.ConversionException as exc:
                raise _filter_error(exc) from exc
            return rows, int(total_row[0]) if total_row else 0

    def aggregate(
        self,
        path: Path,
        *,
        group_by: list[str],
        metrics: list[Aggregate],
        filters: tuple[RowFilter, ...],
        limit: int,
    ) -> tuple[list[dict[str, Any]], bool]:
        """One row per group with each metric; ``True`` when there were more than ``limit`` groups."""
        keys = ", ".join(_q(c) for c in group_by)
        exprs = [
            f"{m.func}({_q(m.column) if m.column else '*'}) AS {_q(m.label)}"
            for m in metrics or [Aggregate("count")]
        ]
        where, params = _where(filters, None, [])
        sql = f"SELECT {', '.join([keys, *exprs] if keys else exprs)} FROM read_parquet({_lit(path)}){where}"
        if keys:
            sql += f" GROUP BY {keys} ORDER BY {keys} NULLS LAST"
        sql += f" LIMIT {int(limit) + 1}"
        with self._connect() as con:
            try:
                cur = con.execute(sql, params)
            except (duckdb.ConversionException, duckdb.BinderException) as exc:
                raise _filter_error(exc) from exc
            names = [d[0] for d in cur.description or []]
            rows = [dict(zip(names, map(_jsonable, row), strict=True)) for row in cur.fetchall()]
        return rows[:limit], len(rows) > limit

    def export(self, path: Path, fmt: str, out: Path, *, columns: list[str]) -> Path:
        """Write the version at ``path`` as ``fmt`` into ``out``; returns ``out``."""
        if fmt not in EXPORT_FORMATS:
            raise InvalidInput(
                f"지원하지 않는 내보내기 형식입니다: {fmt}", f"Unsupported export format: {fmt}"
            )
        with self._connect() as con:
            types = self._types(con, path)
            cols = [c for c in columns if c in types] or list(types)
            if fmt == "parquet":
                con.execute(f"COPY ({self._select(path, cols, types=types)}) TO {_lit(out)} (FORMAT parquet)")
            elif fmt in ("json", "jsonl"):
                array = "true" if fmt == "json" else "false"
                con.execute(
                    f"COPY ({self._select(path, cols, types=types)}) TO {_lit(out)} "
                    f"(FORMAT json, ARRAY {array})"
                )
            elif fmt == "xlsx":
                self._xlsx(con, path, cols, types, out)
            else:
                utf8 = out.with_name(out.name + ".utf8") if fmt == "csv-cp949" else out
                sql = self._select(path, cols, guard_formulas=True, types=types)
                con.execute(f"COPY ({sql}) TO {_lit(utf8)} (FORMAT csv, HEADER true)")
                if fmt == "csv":
                    _prepend_bom(out)
                else:
                    _transcode_cp949(utf8, out)
        return out

    def _xlsx(
        self, con: duckdb.DuckDBPyConnection, path: Path, cols: list[str], types: dict[str, str], out: Path
    ) -> None:
        total = con.execute(f"SELECT count(*) FROM read_parquet({_lit(path)})").fetchone()
        if total and int(total[0]) > _XLSX_MAX_ROWS:
            raise InvalidInput(
                f"행이 {int(total[0]):,}개라 Excel 한 시트(최대 1,048,575행)에 담을 수 없습니다. "
                "CSV로 내려받으세요.",
                f"{int(total[0]):,} rows do not fit one Excel sheet (1,048,575 at most); "
                "download CSV instead.",
            )
        book = xlsxwriter.Workbook(
            str(out),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        try:
            sheet = book.add_worksheet("data")
            bold = book.add_format({"bold": True})
            date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
            ts_fmt = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
            for j, name in enumerate(cols):
                sheet.write_string(0, j, name, bold)
            cur = con.execute(self._select(path, cols, guard_formulas=True, types=types))
            r = 1
            while batch := cur.fetchmany(10_000):
                for row in batch:
                    for j, value in enumerate(row):
                        if value is None:
                            continue
                        if isinstance(value, dt.datetime):
                            sheet.write_datetime(r, j, value.replace(tzinfo=None), ts_fmt)
                        elif isinstance(value, dt.date):
                            sheet.write_datetime(
                                r, j, dt.datetime(value.year, value.month, value.day), date_fmt
                            )
                        elif isinstance(value, bool):
                            sheet.write_boolean(r, j, value)
                        elif isinstance(value, int | float | decimal.Decimal):
                            sheet.write_number(r, j, float(value))
                        else:
                            sheet.write_string(r, j, str(value))
                    r += 1
        finally:
            book.close()


def _where(filters: tuple[RowFilter, ...], q: str | None, text_columns: list[str]) -> tuple[str, list[Any]]:
    """A WHERE clause with ``?`` parameters; DuckDB casts each value to its column's type."""
    parts: list[str] = []
    params: list[Any] = []
    for f in filters:
        col = _q(f.column)
        if f.op == "in":
            values = list(f.value)
            if not values:
                parts.append("false")
                continue
            parts.append(f"{col} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
        elif f.op == "like":
            parts.append(f"CAST({col} AS VARCHAR) LIKE ?")
            params.append(f.value)
        elif f.value is None:
            parts.append(f"{col} IS {'NOT ' if f.op == 'ne' else ''}NULL")
        else:
            parts.append(f"{col} {FILTER_OPS[f.op]} ?")
            params.append(f.value)
    if q:
        texts = [f"contains(lower({_q(c)}), lower(?))" for c in text_columns]
        parts.append(f"({' OR '.join(texts)})" if texts else "false")
        params.extend([q] * len(texts))
    return (" WHERE " + " AND ".join(parts) if parts else ""), params


def _filter_error(exc: Exception) -> InvalidInput:
    text = str(exc).strip().splitlines()[0]
    return InvalidInput(
        f"필터 값이 열의 형식과 맞지 않습니다: {text}",
        f"A filter value does not fit its column's type: {text}",
    )


def _prepend_bom(path: Path) -> None:
    tmp = path.with_name(path.name + ".bom")
    with path.open("rb") as src, tmp.open("wb") as dst:
        dst.write(codecs.BOM_UTF8)
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    os.replace(tmp, path)


def _transcode_cp949(src: Path, dest: Path) -> None:
    """UTF-8 → CP949 for Excel; a character CP949 cannot hold is an error that names its line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    encoder = codecs.getincrementalencoder("cp949")()
    line = 1
    try:
        with src.open("rb") as fin, dest.open("wb") as fout:
            while chunk := fin.read(1 << 20):
                text = decoder.decode(chunk)
                try:
                    fout.write(encoder.encode(text))
                except UnicodeEncodeError as exc:
                    bad_line = line + text.count("\n", 0, exc.start)
                    raise InvalidInput(
                        f"{bad_line}번째 줄의 문자 '{text[exc.start]}'은(는) CP949로 나타낼 수 없습니다. "
                        "UTF-8(BOM) CSV로 내려받으세요.",
                        f"Line {bad_line} has the character '{text[exc.start]}', which CP949 cannot encode; "
                        "download the UTF-8 (BOM) CSV instead.",
                    ) from exc
                line += text.count("\n")
            fout.write(encoder.encode(decoder.decode(b"", final=True), final=True))
    except InvalidInput:
        dest.unlink(missing_ok=True)
        raise
    finally:
        src.unlink(missing_ok=True)
