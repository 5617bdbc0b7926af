"""Column types inferred over the whole raw table, then cast into the final Parquet.

Inference is vectorised in DuckDB (RE2 regexes) and runs in two steps: the
first 20,000 rows eliminate the candidate types that cannot hold (free text
loses every candidate here, cheaply); then the final copy casts every row with
a *guarded* cast of the best surviving candidate, which raises a recognisable
error on the first value that does not fit. That column is demoted to its next
candidate (or text) and the copy re-run, so a value in row 900,000 still
decides the type, yet the common case reads the data once. A column gets the
most specific type that all its non-null values satisfy (see
``hubcity.domain.typing_rules``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from hubcity.adapters.readers._raw import RawTable, quote_ident, sql_literal
from hubcity.domain.ingest import ColumnType, IngestOptions, IngestWarning
from hubcity.domain.typing_rules import (
    BOOLEAN_FALSE,
    BOOLEAN_TRUE,
    DATE_COMPACT_RE,
    DATE_PARTS_RE,
    DATE_RE,
    DECIMAL_RE,
    INTEGER_RE,
    MAX_YEAR,
    MIN_YEAR,
    NULL_TOKENS,
    TIMESTAMP_PARTS_RE,
    TIMESTAMP_RE,
    TYPED_CHARS_RE,
    is_code_name,
)
from hubcity.errors import IngestError

__all__ = [
    "TypedColumn",
    "cast_expression",
    "cast_value",
    "guarded_cast",
    "infer_candidates",
    "normalised",
    "type_table",
    "value_expr",
]

_SAMPLE_ROWS = 20_000
_DEMOTE = "hubcity-demote:"
_DEMOTED = re.compile(r"hubcity-demote:(\d+):")
_SHORT = "hubcity-short-row:"
_ORDER = [ColumnType.BOOLEAN, ColumnType.DATE, ColumnType.TIMESTAMP, ColumnType.INTEGER, ColumnType.DECIMAL]
_WS_CHARS = " \t\r\n\u00a0\u3000"
_WS = sql_literal(_WS_CHARS)
_WS_LIST = "[" + ", ".join(sql_literal(c) for c in _WS_CHARS) + "]"
_NULL_LEN = max(len(t.encode()) for t in NULL_TOKENS)


def _list(values: frozenset[str]) -> str:
    # list_contains keeps the expression small: IN lists become OR chains that are slow to plan
    return "[" + ", ".join(sql_literal(v) for v in sorted(values)) + "]"


def value_expr(col: str) -> str:
    """The trimmed value, or NULL for the null tokens, as one expression (for small queries)."""
    return _null_tokens(f"trim({col}, {_WS})")


def _trimmed(col: str) -> str:
    # trim is slow on long Korean text: only call it when an edge is whitespace
    edge = f"list_contains({_WS_LIST}, {col}[1]) OR list_contains({_WS_LIST}, {col}[-1])"
    return f"(CASE WHEN {edge} THEN trim({col}, {_WS}) ELSE {col} END)"


def _null_tokens(t: str) -> str:
    tokens = _list(NULL_TOKENS)
    short = f"strlen({t}) <= {_NULL_LEN}"
    return f"(CASE WHEN {short} AND list_contains({tokens}, lower({t})) THEN NULL ELSE {t} END)"


def normalised(source: str, typed: list[tuple[str, str]], passthrough: list[tuple[str, str]]) -> str:
    """A relation with each ``(raw column, alias)`` of ``typed`` trimmed and null-token-free.

    Built in two projections, not one nested expression: DuckDB takes seconds to
    plan deeply nested CASE expressions repeated over many columns.
    """
    inner = [f"{_trimmed(c)} AS {a}" for c, a in typed] + [f"{c} AS {a}" for c, a in passthrough]
    outer = [f"{_null_tokens(a)} AS {a}" for _, a in typed] + [a for _, a in passthrough]
    return f"(SELECT {', '.join(outer or ['1'])} FROM (SELECT {', '.join(inner or ['1'])} FROM {source}))"


def _date(v: str) -> str:
    iso = f"CASE WHEN strlen({v}) = 10 AND {v}[5] = '-' AND {v}[8] = '-' THEN try_cast({v} AS DATE) END"
    compact = (
        f"CASE WHEN regexp_full_match({v}, {sql_literal(DATE_COMPACT_RE)}) "
        f"AND substr({v}, 1, 4)::INTEGER BETWEEN {MIN_YEAR} AND {MAX_YEAR} "
        f"THEN try_strptime({v}, '%Y%m%d')::DATE END"
    )
    dotted = (
        f"CASE WHEN regexp_full_match({v}, {sql_literal(DATE_RE)}) "
        f"THEN try_cast(regexp_replace({v}, {sql_literal(DATE_PARTS_RE)}, '\\1-\\2-\\3') AS DATE) END"
    )
    return f"coalesce({iso}, {compact}, {dotted})"


def _timestamp(v: str) -> str:
    pat = sql_literal(TIMESTAMP_PARTS_RE)
    return (
        f"CASE WHEN regexp_full_match({v}, {sql_literal(TIMESTAMP_RE)}) THEN try_cast("
        f"regexp_replace({v}, {pat}, '\\1-\\2-\\3 \\4:\\5:') || "
        f"coalesce(nullif(regexp_extract({v}, {pat}, 6), ''), '00') AS TIMESTAMP) END"
    )


def cast_expression(col: str, ctype: ColumnType) -> str:
    """SQL turning the raw VARCHAR ``col`` into ``ctype`` (NULL where a value does not cast)."""
    if ctype is ColumnType.TEXT:
        return f"nullif({col}, '')"
    return cast_value(value_expr(col), ctype)


def cast_value(v: str, ctype: ColumnType) -> str:
    """As ``cast_expression``, for ``v`` already trimmed and null-token-free (``value_expr``)."""
    if ctype is ColumnType.TEXT:
        return v
    if ctype is ColumnType.INTEGER:
        return f"try_cast(replace({v}, ',', '') AS BIGINT)"
    if ctype is ColumnType.DECIMAL:
        return f"try_cast(replace({v}, ',', '') AS DOUBLE)"
    if ctype is ColumnType.BOOLEAN:
        return (
            f"(CASE WHEN list_contains({_list(BOOLEAN_TRUE)}, lower({v})) THEN true "
            f"WHEN list_contains({_list(BOOLEAN_FALSE)}, lower({v})) THEN false END)"
        )
    if ctype is ColumnType.DATE:
        return _date(v)
    return _timestamp(v)


def _predicate(v: str, ctype: ColumnType) -> str:
    """True when the normalised value ``v`` fits ``ctype``."""
    return f"({_strict(v, ctype)} IS NOT NULL)"


def _strict(v: str, ctype: ColumnType) -> str:
    """The cast of ``v``, NULL unless the value has exactly the shape the type rules accept."""
    if ctype is ColumnType.INTEGER:
        return (
            f"(CASE WHEN regexp_full_match({v}, {sql_literal(INTEGER_RE)}) THEN {cast_value(v, ctype)} END)"
        )
    if ctype is ColumnType.DECIMAL:
        return (
            f"(CASE WHEN regexp_full_match({v}, {sql_literal(DECIMAL_RE)}) THEN {cast_value(v, ctype)} END)"
        )
    return cast_value(v, ctype)


@dataclass
class TypedColumn:
    name: str
    original_name: str
    type: ColumnType
    cast_failures: int = 0  # non-null values that did not cast (type overrides)


def _counts(con: duckdb.DuckDBPyConnection, source: str, parts: list[str]) -> list[int]:
    """The integer aggregates ``parts`` over ``source``, a few hundred per query."""
    out: list[int] = []
    for start in range(0, len(parts), 400):
        row = con.execute(f"SELECT {', '.join(parts[start : start + 400])} FROM {source}").fetchone()
        assert row is not None
        out.extend(int(x) for x in row)
    return out


def infer_candidates(con: duckdb.DuckDBPyConnection, raw: RawTable) -> tuple[list[list[ColumnType]], bool]:
    """For every raw column, the types its first rows allow, most specific first; and whether that is exact.

    When the table is no longer than the sample this is exact; otherwise the
    final cast checks every remaining row (``guarded_cast``) and demotes a
    column to its next candidate when a later value does not fit.
    """
    ids = raw.column_ids()
    candidates = [i for i, n in enumerate(raw.names) if not is_code_name(n)]
    cols = ", ".join([quote_ident(ids[i]) for i in candidates] or ["1 AS hubcity_none"])
    sources = [raw.head_source(), raw.source()] if raw.head else [raw.source()]
    for k, source in enumerate(sources):
        try:
            head = f"SELECT {cols} FROM {source} LIMIT {_SAMPLE_ROWS}"
            con.execute(f"CREATE OR REPLACE TEMP TABLE hubcity_head AS {head}")
            break
        except duckdb.Error:
            if k == len(sources) - 1:
                raise  # the cheap head read failed (a very long line): the full relation decides
    try:
        # one cheap test first: a column holding a character no type or null token uses is text
        chars = sql_literal(TYPED_CHARS_RE)
        first = _counts(
            con,
            "hubcity_head",
            ["count(*)"]
            + [
                f"count(*) FILTER (WHERE NOT regexp_full_match({quote_ident(ids[i])}, {chars}))"
                for i in candidates
            ],
        )
        sampled = first[0]
        candidates = [i for k, i in enumerate(candidates) if not first[1 + k]]
        # materialised: planning the checks over the nested projection takes DuckDB far longer
        sample = normalised("hubcity_head", [(quote_ident(ids[i]), f"v{i}") for i in candidates], [])
        con.execute(f"CREATE OR REPLACE TEMP TABLE hubcity_sample AS SELECT * FROM {sample}")
        checks: list[str] = []
        for i in candidates:
            checks.append(f"count(v{i})")
            checks.extend(f"count(*) FILTER (WHERE {_predicate(f'v{i}', t)})" for t in _ORDER)
        counts = _counts(con, "hubcity_sample", checks)
    finally:
        con.execute("DROP TABLE IF EXISTS hubcity_sample")
        con.execute("DROP TABLE IF EXISTS hubcity_head")
    out: list[list[ColumnType]] = [[] for _ in ids]
    step = len(_ORDER) + 1
    for k, i in enumerate(candidates):
        block = counts[k * step : (k + 1) * step]
        if block[0]:
            out[i] = [t for t, n in zip(_ORDER, block[1:], strict=True) if n == block[0]]
    return out, sampled < _SAMPLE_ROWS


def guarded_cast(v: str, ctype: ColumnType, index: int) -> str:
    """The cast of normalised ``v``, raising a recognisable DuckDB error when a value does not fit."""
    return f"coalesce({_strict(v, ctype)}, CASE WHEN {v} IS NOT NULL THEN error('{_DEMOTE}{index}:') END)"


def type_table(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    dest: Path,
    *,
    options: IngestOptions,
    filename: str,
) -> tuple[list[TypedColumn], list[IngestWarning]]:
    """Infer (or take the user's) types and write the final typed Parquet to ``dest``."""
    ids = raw.column_ids()
    warnings: list[IngestWarning] = []
    candidates: list[list[ColumnType]] = [[] for _ in ids]
    exact = True
    if raw.types is not None:
        types = list(raw.types)
    else:
        candidates, exact = infer_candidates(con, raw)
        types = [c[0] if c else ColumnType.TEXT for c in candidates]
    overridden: list[int] = []
    known = {n: i for i, n in enumerate(raw.names)}
    for name, wanted in options.column_types.items():
        i = known.get(name.strip())
        if i is None:
            warnings.append(
                IngestWarning(
                    "unknown_column",
                    f"지정한 열 '{name}'이(가) 파일에 없습니다.",
                    f"The column '{name}' given a type is not in the file.",
                    column=name,
                )
            )
            continue
        try:
            types[i] = ColumnType(wanted)
        except ValueError:
            raise IngestError(
                f"알 수 없는 열 형식입니다: {wanted}", f"Unknown column type: {wanted}", column=name
            ) from None
        overridden.append(i)

    while True:
        typed_cols: list[tuple[str, str]] = []
        passthrough: list[tuple[str, str]] = []
        parts = []
        for i, t in enumerate(types):
            src = quote_ident(ids[i])
            name = quote_ident(raw.names[i])
            if raw.types is not None:
                passthrough.append((src, f"r{i}"))
                expr = cast_expression(f"CAST(r{i} AS VARCHAR)", t) if i in overridden else f"r{i}"
            elif t is ColumnType.TEXT:
                passthrough.append((src, f"r{i}"))
                expr = cast_expression(f"r{i}", t)
            else:
                typed_cols.append((src, f"v{i}"))
                guard = i not in overridden and not exact
                expr = guarded_cast(f"v{i}", t, i) if guard else cast_value(f"v{i}", t)
            parts.append(f"{expr} AS {name}")
        source = raw.source()
        if raw.short_guard is not None:
            # a padded (short) row stops the copy: the caller checks the rows and reads again
            last = quote_ident(raw.short_guard)
            short = f"CASE WHEN {last} IS NULL THEN error('{_SHORT}') ELSE true END"
            source = f"(SELECT * FROM {source} WHERE {short})"
        select = f"SELECT {', '.join(parts)} FROM {normalised(source, typed_cols, passthrough)}"
        try:
            con.execute(f"COPY ({select}) TO {sql_literal(str(dest))} (FORMAT parquet, COMPRESSION snappy)")
            break
        except duckdb.Error as exc:
            m = _DEMOTED.search(str(exc))
            if m is None:
                raise
            i = int(m.group(1))
            rest = candidates[i][candidates[i].index(types[i]) + 1 :] if types[i] in candidates[i] else []
            candidates[i] = rest
            types[i] = rest[0] if rest else ColumnType.TEXT
    columns = [TypedColumn(n, o, t) for n, o, t in zip(raw.names, raw.original_names, types, strict=True)]
    for i in overridden:
        col = columns[i]
        if col.type is ColumnType.TEXT:
            continue
        src = quote_ident(ids[i])
        if raw.types is not None:
            src = f"CAST({src} AS VARCHAR)"
        failed = (
            f"SELECT count(*), min(rn) FROM {raw.numbered()} "
            f"WHERE {value_expr(src)} IS NOT NULL AND {cast_expression(src, col.type)} IS NULL"
        )
        row = con.execute(failed).fetchone()
        assert row is not None
        if row[0]:
            col.cast_failures = int(row[0])
            first = int(row[1]) + 1
            warnings.append(
                IngestWarning(
                    "type_override_failed",
                    f"'{col.name}' 열의 값 {row[0]:,}개를 {col.type}(으)로 바꿀 수 없어 빈 값(null)으로 "
                    f"두었습니다(첫 번째: {first:,}번째 행).",
                    f"{row[0]:,} values of column '{col.name}' could not be read as {col.type} and were "
                    f"set to null (first at data row {first:,}).",
                    row=first,
                    column=col.name,
                )
            )
    return columns, warnings
