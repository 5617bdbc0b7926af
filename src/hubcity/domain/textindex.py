"""Text indexes on free-text columns: which columns get one, and what a search needs from it.

A text index serves ``col__like=`` filters and ``q`` on long free text (민원내용, 비고, 요청사항)
without reading every row. It holds the column's distinct values, the character bigrams of
each lower-cased value and, per value, the rows that hold it. A search first narrows the
values by the bigrams of its needle, then tests the exact condition on those values only,
then takes their rows: the answer is the one a full scan gives, by construction.

Codes, names and dates are short or repeat a few values: a scan of them is cheap, and an
index would only cost space. So a column gets an index when it is text, its values are long
(:data:`MIN_AVERAGE_LENGTH` characters on average) and it has many distinct values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "MIN_AVERAGE_LENGTH",
    "MIN_DISTINCT",
    "TextIndexFiles",
    "bigrams",
    "like_segments",
    "version_text_index",
    "wants_text_index",
]

MIN_AVERAGE_LENGTH = 20  # characters
MIN_DISTINCT = 1000  # distinct values; a small table needs half its rows distinct instead


def wants_text_index(column: dict[str, Any], *, rows: int, average_length: float | None) -> bool:
    """Whether a published column (its profile as stored on the version) gets a text index."""
    if column.get("type") != "text" or not rows or average_length is None:
        return False
    distinct = int(column.get("distinct_count") or 0)
    return average_length >= MIN_AVERAGE_LENGTH and distinct >= min(MIN_DISTINCT, max(2, rows // 2))


def bigrams(text: str) -> list[str]:
    """The distinct two-character pieces of ``text``, in order of first appearance."""
    seen: dict[str, None] = {}
    for i in range(len(text) - 1):
        seen.setdefault(text[i : i + 2], None)
    return list(seen)


def like_segments(pattern: str) -> list[str]:
    """The literal pieces a SQL LIKE pattern requires (``%`` and ``_`` are its only wildcards)."""
    out: list[str] = []
    piece: list[str] = []
    for ch in pattern:
        if ch in "%_":
            if piece:
                out.append("".join(piece))
                piece = []
        else:
            piece.append(ch)
    if piece:
        out.append("".join(piece))
    return out


@dataclass(frozen=True)
class TextIndexFiles:
    """The three Parquet files of one column's text index, as local paths.

    - ``values``: (vid, value), every distinct non-null value once;
    - ``grams``: (gram, vid), sorted by gram, one row per bigram of ``lower(value)``;
    - ``rows``: (vid, row), sorted by vid; ``row`` is the value's row number in the data file.
    """

    values: Path
    grams: Path
    rows: Path


def version_text_index(
    columns: list[dict[str, Any]], parquet_key: str | None, local_path: Callable[[str], Path]
) -> dict[str, TextIndexFiles]:
    """The text index files of a version's columns (``text_index`` on a column names the files'
    stem beside the data file); ``local_path`` turns a lake key into a local file."""
    if parquet_key is None:
        return {}
    folder = parquet_key.rpartition("/")[0]
    out: dict[str, TextIndexFiles] = {}
    for column in columns:
        stem = column.get("text_index")
        if isinstance(stem, str) and stem:
            out[str(column["name"])] = TextIndexFiles(
                *(local_path(f"{folder}/{stem}.{part}.parquet") for part in ("values", "grams", "rows"))
            )
    return out
