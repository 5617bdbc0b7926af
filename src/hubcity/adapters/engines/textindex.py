"""Building and using a column's text index with DuckDB (see :mod:`hubcity.domain.textindex`).

The index is three Parquet files beside the version's data file. Row numbers are DuckDB's
``file_row_number`` of the data file, both when the index is built and when it is used, so
they always name the same rows.

A search on an indexed column becomes ``file_row_number IN (rows of the matching values)``,
where the matching values are those whose lower-cased bigrams include every bigram of the
needle (read from the gram file, which is sorted by gram so Parquet min/max statistics skip
the other row groups) and which then pass the exact condition the plain scan would test
(``LIKE`` as typed, or ``contains(lower(value), lower(q))``). A needle with no bigram (one
character, or only wildcards) tests the exact condition on every distinct value: still
exact, and never more work than testing every row.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from hubcity.domain.textindex import TextIndexFiles, bigrams, like_segments

__all__ = [
    "ROW_NUMBER",
    "average_lengths",
    "build_text_index",
    "contains_condition",
    "ilike_condition",
    "like_condition",
]

ROW_NUMBER = "file_row_number"  # the data file's row numbers, as DuckDB's Parquet reader gives them

_VALUE_GROUP_ROWS = 16_384
_GRAM_GROUP_ROWS = 16_384
_ROW_GROUP_ROWS = 122_880


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def average_lengths(con: duckdb.DuckDBPyConnection, path: Path, names: list[str]) -> dict[str, float | None]:
    """Average length in characters of each named column's non-null values."""
    if not names:
        return {}
    exprs = ", ".join(f"avg(length({_q(n)}))" for n in names)
    row = con.execute(f"SELECT {exprs} FROM read_parquet({_lit(path)})").fetchone()
    return {n: (float(v) if v is not None else None) for n, v in zip(names, row or (), strict=True)}


def build_text_index(con: duckdb.DuckDBPyConnection, path: Path, column: str, dest: Path) -> TextIndexFiles:
    """Write the three index files of ``column`` of the data file ``path`` as ``dest``.*.parquet."""
    files = TextIndexFiles(
        values=dest.with_name(dest.name + ".values.parquet"),
        grams=dest.with_name(dest.name + ".grams.parquet"),
        rows=dest.with_name(dest.name + ".rows.parquet"),
    )
    col = _q(column)
    con.execute(
        f"COPY (SELECT (row_number() OVER (ORDER BY value) - 1)::BIGINT AS vid, value FROM "
        f"(SELECT DISTINCT {col} AS value FROM read_parquet({_lit(path)}) WHERE {col} IS NOT NULL) "
        f"ORDER BY vid) TO {_lit(files.values)} (FORMAT parquet, ROW_GROUP_SIZE {_VALUE_GROUP_ROWS})"
    )
    con.execute(
        f"COPY (SELECT DISTINCT gram, vid FROM (SELECT vid, unnest(list_transform(range(1, length(lv)), "
        f"lambda i: substr(lv, i, 2))) AS gram FROM (SELECT vid, lower(value) AS lv "
        f"FROM read_parquet({_lit(files.values)}))) ORDER BY gram, vid) "
        f"TO {_lit(files.grams)} (FORMAT parquet, ROW_GROUP_SIZE {_GRAM_GROUP_ROWS})"
    )
    con.execute(
        f"COPY (SELECT v.vid, d.{ROW_NUMBER}::BIGINT AS row "
        f"FROM read_parquet({_lit(path)}, file_row_number = true) AS d "
        f"JOIN read_parquet({_lit(files.values)}) AS v ON d.{col} = v.value ORDER BY v.vid, row) "
        f"TO {_lit(files.rows)} (FORMAT parquet, ROW_GROUP_SIZE {_ROW_GROUP_ROWS})"
    )
    return files


def _param(value: str, inline: bool, params: list[Any]) -> str:
    if inline:
        return "'" + value.replace("'", "''") + "'"
    params.append(value)
    return "?"


def _condition(
    files: TextIndexFiles, exact: str, exact_param: str, grams: list[str], *, inline: bool = False
) -> tuple[str, list[Any]]:
    params: list[Any] = []
    exact = exact.replace("?", _param(exact_param, inline, params))
    narrow = ""
    if grams:
        marks = ", ".join(_param(g, inline, params) for g in grams)
        narrow = (
            f" AND vid IN (SELECT vid FROM read_parquet({_lit(files.grams)}) WHERE gram IN ({marks}) "
            f"GROUP BY vid HAVING count(*) = {len(grams)})"
        )
    values = f"SELECT vid FROM read_parquet({_lit(files.values)}) WHERE {exact}{narrow}"
    sql = f"{ROW_NUMBER} IN (SELECT row FROM read_parquet({_lit(files.rows)}) WHERE vid IN ({values}))"
    return sql, params


def _like_grams(pattern: str, lower: Callable[[str], str]) -> list[str]:
    grams: list[str] = []
    for segment in like_segments(pattern):
        grams.extend(g for g in bigrams(lower(segment)) if g not in grams)
    return grams


def like_condition(
    files: TextIndexFiles, pattern: str, lower: Callable[[str], str], *, inline: bool = False
) -> tuple[str, list[Any]]:
    """``col LIKE pattern`` through the index: the same rows, case-sensitive as LIKE is. With
    ``inline`` the values are written into the SQL as literals (for a view) instead of ``?``."""
    return _condition(files, "value LIKE ?", pattern, _like_grams(pattern, lower), inline=inline)


def ilike_condition(
    files: TextIndexFiles, pattern: str, lower: Callable[[str], str], *, inline: bool = False
) -> tuple[str, list[Any]]:
    """``col ILIKE pattern`` through the index: the bigrams are those of the lower-cased value."""
    return _condition(files, "value ILIKE ?", pattern, _like_grams(pattern, lower), inline=inline)


def contains_condition(
    files: TextIndexFiles, needle: str, lower: Callable[[str], str]
) -> tuple[str, list[Any]]:
    """``contains(lower(col), lower(needle))`` through the index."""
    return _condition(files, "contains(lower(value), lower(?))", needle, bigrams(lower(needle)))
