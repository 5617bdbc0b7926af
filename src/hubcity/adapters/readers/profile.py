"""Column profile and quality report, computed by DuckDB over the final Parquet.

Quality rules follow the public-data quality evaluation (공공데이터 품질관리):

- ``completeness`` (완전성 · 필수값 누락): nulls in a column that is mostly filled
  (more than 50 % non-null). A column that is mostly empty is treated as an
  optional field and not checked, so an all-empty column is not punished for
  every row.
- ``type_validity`` (유효성 · 형식 오류): in a typed column, values that did not cast
  (only possible after a user type override); in a text column whose values
  are at least 90 % numbers or dates, the values that are not (e.g. ``2,317,54㎡``
  among numbers) — the column stays text so nothing is lost.
- ``date_validity`` (유효성 · 날짜 범위 오류): dates outside 1900-01-01 … 2100-12-31.
- ``code_format`` (유효성 · 코드 형식 오류): 10-digit 법정동/행정동 codes (5-digit
  시군구 codes) whose value has another shape; also any code-named column whose
  values are ≥ 90 % 10-digit codes.

Example rows are 1-based data row numbers (the header is not counted).

Profile: null count, min and max are exact; distinct count and the top five
values are exact too, except for near-unique columns with more than 200,000
distinct values (free text, phone numbers), where the distinct count is a
HyperLogLog estimate and no top values are listed (each value occurs about once).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from hubcity.adapters.readers._raw import quote_ident, sql_literal
from hubcity.adapters.readers.typing import TypedColumn, value_expr
from hubcity.domain.ingest import ColumnProfile, ColumnType, QualityCheck, QualityReport
from hubcity.domain.typing_rules import (
    DATE_RE,
    DECIMAL_RE,
    MAX_YEAR,
    MIN_YEAR,
    expected_code_length,
    is_code_name,
)

__all__ = ["profile_table"]

_EXAMPLES = 5
_TOP = 5
_SAMPLE_ROWS = 20_000
_BATCH = 300
_EXACT_DISTINCT = 200_000


def _scalar_rows(con: duckdb.DuckDBPyConnection, source: str, exprs: list[str]) -> list[object]:
    out: list[object] = []
    for start in range(0, len(exprs), _BATCH):
        row = con.execute(f"SELECT {', '.join(exprs[start : start + _BATCH])} FROM {source}").fetchone()
        assert row is not None
        out.extend(row)
    return out


def _examples(con: duckdb.DuckDBPyConnection, path: str, where: str) -> list[int]:
    rows = con.execute(
        f"SELECT file_row_number FROM read_parquet({path}, file_row_number=true) WHERE {where} "
        f"ORDER BY file_row_number LIMIT {_EXAMPLES}"
    ).fetchall()
    return [int(r[0]) + 1 for r in rows]


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return repr(value)
    return str(value)


def profile_table(
    con: duckdb.DuckDBPyConnection, final: Path, columns: list[TypedColumn], row_count: int
) -> tuple[list[ColumnProfile], QualityReport]:
    path = sql_literal(str(final))
    src = f"read_parquet({path})"
    # each query alone is answered from the Parquet statistics; mixed, they would scan the data
    counts = _scalar_rows(con, src, [f"count({quote_ident(c.name)})" for c in columns]) if columns else []
    bounds: list[object] = []
    if columns:
        bounds = _scalar_rows(
            con, src, [f"{f}({quote_ident(c.name)})" for c in columns for f in ("min", "max")]
        )
    stats = [v for k in range(len(columns)) for v in (counts[k], bounds[2 * k], bounds[2 * k + 1])]
    approx = _near_unique(con, src, columns, row_count)
    profiles: list[ColumnProfile] = []
    checks: list[QualityCheck] = []
    for k, c in enumerate(columns):
        filled, lo, hi = stats[3 * k : 3 * k + 3]
        q = quote_ident(c.name)
        filled_n = int(filled) if isinstance(filled, int) else 0
        top: list[tuple[str, int]] = []
        distinct = 0
        approx_n = approx.get(k, 0)
        if approx_n > _EXACT_DISTINCT and approx_n * 10 >= filled_n * 9:
            distinct = min(approx_n, filled_n)  # near-unique: no meaningful top values, HLL estimate
        elif filled_n:
            rows = con.execute(
                f"SELECT v, n, count(*) OVER () FROM (SELECT {q} AS v, count(*) AS n FROM {src} "
                f"WHERE {q} IS NOT NULL GROUP BY 1) ORDER BY n DESC, v LIMIT {_TOP}"
            ).fetchall()
            top = [(_text(v) or "", int(n)) for v, n, _ in rows]
            distinct = int(rows[0][2]) if rows else 0
        profiles.append(
            ColumnProfile(
                name=c.name,
                original_name=c.original_name,
                type=c.type,
                null_count=row_count - filled_n,
                distinct_count=distinct,
                min=_text(lo),
                max=_text(hi),
                top_values=top,
            )
        )
        if row_count and filled_n * 2 > row_count:
            nulls = row_count - filled_n
            checks.append(
                QualityCheck(
                    "completeness",
                    "완전성(필수값 누락)",
                    c.name,
                    checked=row_count,
                    failing=nulls,
                    examples=_examples(con, path, f"{q} IS NULL") if nulls else [],
                )
            )
        if c.type is not ColumnType.TEXT and filled_n + c.cast_failures:
            checks.append(
                QualityCheck(
                    "type_validity",
                    "유효성(형식 오류)",
                    c.name,
                    checked=filled_n + c.cast_failures,
                    failing=c.cast_failures,
                )
            )
        if c.type in (ColumnType.DATE, ColumnType.TIMESTAMP) and filled_n:
            bad = f"({q} < DATE '{MIN_YEAR}-01-01' OR {q} >= DATE '{MAX_YEAR + 1}-01-01')"
            (failing,) = _scalar_rows(con, src, [f"count(*) FILTER (WHERE {bad})"])
            assert isinstance(failing, int)
            checks.append(
                QualityCheck(
                    "date_validity",
                    "유효성(날짜 범위 오류)",
                    c.name,
                    checked=filled_n,
                    failing=failing,
                    examples=_examples(con, path, bad) if failing else [],
                )
            )
    checks += _text_checks(con, path, columns, [stats[3 * k] for k in range(len(columns))])
    return profiles, QualityReport(checks)


def _near_unique(
    con: duckdb.DuckDBPyConnection, src: str, columns: list[TypedColumn], row_count: int
) -> dict[int, int]:
    """HyperLogLog distinct counts of the columns whose first rows are (nearly) all different.

    Those are the only columns that may be near-unique over the whole table;
    the others get exact counts from grouping, which is cheaper than a full
    HyperLogLog pass over every column.
    """
    if row_count <= _EXACT_DISTINCT or not columns:
        return {}
    exprs: list[str] = []
    for c in columns:
        q = quote_ident(c.name)
        exprs += [f"count({q})", f"count(DISTINCT {q})"]
    shares = [
        int(v) if isinstance(v, int) else 0
        for v in _scalar_rows(con, f"(SELECT * FROM {src} LIMIT {_SAMPLE_ROWS})", exprs)
    ]
    wide = [k for k in range(len(columns)) if shares[2 * k] and shares[2 * k + 1] * 10 >= shares[2 * k] * 9]
    if not wide:
        return {}
    found = _scalar_rows(con, src, [f"approx_count_distinct({quote_ident(columns[k].name)})" for k in wide])
    return {k: int(v) if isinstance(v, int) else 0 for k, v in zip(wide, found, strict=True)}


def _text_checks(
    con: duckdb.DuckDBPyConnection, path: str, columns: list[TypedColumn], filled: list[object]
) -> list[QualityCheck]:
    """Format errors in mostly-numeric text columns and malformed administrative codes."""
    text_cols = [(k, c) for k, c in enumerate(columns) if c.type is ColumnType.TEXT and filled[k]]
    if not text_cols:
        return []
    sample = f"(SELECT * FROM read_parquet({path}) LIMIT {_SAMPLE_ROWS})"
    exprs: list[str] = []
    for _, c in text_cols:
        v = value_expr(quote_ident(c.name))
        exprs += [
            f"count({v})",
            f"count(*) FILTER (WHERE regexp_full_match({v}, {sql_literal(DECIMAL_RE)}) "
            f"OR regexp_full_match({v}, {sql_literal(DATE_RE)}))",
            f"count(*) FILTER (WHERE regexp_full_match({v}, '\\d{{10}}'))",
        ]
    shares = _scalar_rows(con, sample, exprs)
    checks: list[QualityCheck] = []
    full = f"read_parquet({path})"
    for j, (_, c) in enumerate(text_cols):
        n, numeric, ten = (int(x) if isinstance(x, int) else 0 for x in shares[3 * j : 3 * j + 3])
        if not n:
            continue
        q = quote_ident(c.name)
        v = value_expr(q)
        length = expected_code_length(c.name)
        if length is None and ten * 10 >= n * 9 and ten < n and is_code_name(c.name):
            length = 10
        if length is not None:
            bad = f"({v} IS NOT NULL AND NOT regexp_full_match({v}, '\\d{{{length}}}'))"
            checked, failing = _scalar_rows(con, full, [f"count({v})", f"count(*) FILTER (WHERE {bad})"])
            assert isinstance(checked, int) and isinstance(failing, int)
            checks.append(
                QualityCheck(
                    "code_format",
                    "유효성(코드 형식 오류)",
                    c.name,
                    checked=checked,
                    failing=failing,
                    examples=_examples(con, path, bad) if failing else [],
                )
            )
        elif not is_code_name(c.name) and (
            numeric * 10 >= n * 9 and numeric < n or numeric == n == _SAMPLE_ROWS
        ):
            ok = (
                f"(regexp_full_match({v}, {sql_literal(DECIMAL_RE)}) "
                f"OR regexp_full_match({v}, {sql_literal(DATE_RE)}))"
            )
            bad = f"({v} IS NOT NULL AND NOT {ok})"
            checked, failing = _scalar_rows(con, full, [f"count({v})", f"count(*) FILTER (WHERE {bad})"])
            assert isinstance(checked, int) and isinstance(failing, int)
            if failing:
                checks.append(
                    QualityCheck(
                        "type_validity",
                        "유효성(형식 오류)",
                        c.name,
                        checked=checked,
                        failing=failing,
                        examples=_examples(con, path, bad),
                    )
                )
    return checks
