"""Pure rules for reading tables: how a header is found, named and typed.

No I/O here. The readers apply these rules to whole columns (the regex
patterns are written in the RE2 subset so that DuckDB and pyarrow can run them
vectorised); the Python helpers below apply the same rules to one value and
exist for small inputs and tests.

Type rules, most specific first (a column gets the first type that *every*
non-null value satisfies):

1. ``boolean``  — Y/N, true/false, 예/아니오 (whole column).
2. ``date``     — ``2023-01-12``, ``2023.01.12``, ``2023/01/12``, ``2023년 1월 12일``,
   and ``20230112`` when every value is a valid date between 1900 and 2100.
3. ``timestamp`` — a date form above followed by ``HH:MM`` or ``HH:MM:SS``.
4. ``integer``  — digits, optionally with thousands separators (``1,395``);
   never a value with a leading zero (``0123`` is a code).
5. ``decimal``  — as integer, with a fraction or exponent (``2.11``).
6. ``text``     — everything else, and every column whose name says it is a code
   or a number (코드, 번호, ID, 우편, 시리얼, ARS, code, id, no).

Null tokens (empty, ``-``, ``NULL``, ``N/A``…) are ignored when typing and become
null in typed columns. Values are trimmed before they are typed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from hubcity.domain.ingest import ColumnType

__all__ = [
    "BOOLEAN_FALSE",
    "BOOLEAN_TRUE",
    "TYPED_CHARS_RE",
    "CODE_NAME_RE",
    "DATE_COMPACT_RE",
    "DATE_PARTS_RE",
    "DATE_RE",
    "DECIMAL_RE",
    "INTEGER_RE",
    "LEADING_ZERO_RE",
    "MAX_YEAR",
    "NUMBER_LIKE_RE",
    "MIN_YEAR",
    "NULL_TOKENS",
    "TIMESTAMP_PARTS_RE",
    "TIMESTAMP_RE",
    "clean_header_names",
    "combine_header_rows",
    "expected_code_length",
    "find_header_row",
    "infer_type",
    "is_code_name",
    "parse_date",
]

MIN_YEAR = 1900
MAX_YEAR = 2100

NULL_TOKENS: frozenset[str] = frozenset({"", "-", "--", "null", "none", "n/a", "na", "nan", "#n/a", "."})
BOOLEAN_TRUE: frozenset[str] = frozenset({"y", "yes", "true", "예"})
BOOLEAN_FALSE: frozenset[str] = frozenset({"n", "no", "false", "아니오", "아니요"})

_WORD_CHARS = "".join(
    sorted({c for w in BOOLEAN_TRUE | BOOLEAN_FALSE | NULL_TOKENS for c in w + w.upper()} - set("-./"))
)
# Every raw value (untrimmed) that reads as a typed value or as null is made of these characters only:
# a column with any other character is text, found with one cheap test before the type checks.
TYPED_CHARS_RE = rf"[0-9+\-.,:/\s\x{{a0}}\x{{3000}}TE년월일{_WORD_CHARS}]*"

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)"
# No leading zero ("0123" is a code, not a number); "0" and "0.5" are numbers.
_NUM_NO_ZERO = r"(?:[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*|0)"
INTEGER_RE = rf"^[+-]?{_NUM_NO_ZERO}$"
DECIMAL_RE = rf"^[+-]?(?:{_NUM_NO_ZERO}(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
NUMBER_LIKE_RE = rf"^[+-]?(?:{_NUM}(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
LEADING_ZERO_RE = r"^[+-]?0\d"
# Year, month and day with one consistent separator (- . /, optionally a trailing dot), or 2023년 1월 12일.
_DATE_BODY = (
    r"(?:\d{4}-\d{1,2}-\d{1,2}|\d{4}\.\s?\d{1,2}\.\s?\d{1,2}\.?|\d{4}/\d{1,2}/\d{1,2}"
    r"|\d{4}년\s*\d{1,2}월\s*\d{1,2}일)"
)
DATE_RE = rf"^{_DATE_BODY}$"
DATE_COMPACT_RE = r"^(\d{4})(\d{2})(\d{2})$"
TIMESTAMP_RE = rf"^{_DATE_BODY}(?:\s+|T)\d{{1,2}}:\d{{2}}(?::\d{{2}}(?:\.\d+)?)?$"
# Pull the numbers out of a value that matched DATE_RE / TIMESTAMP_RE.
DATE_PARTS_RE = r"^(\d{4})\D+(\d{1,2})\D+(\d{1,2})\D*$"
TIMESTAMP_PARTS_RE = r"^(\d{4})\D+(\d{1,2})\D+(\d{1,2})\D+(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?$"

# Names that say "this is an identifier, keep it as text".
CODE_NAME_RE = r"(?i)(코드|번호|우편|시리얼|ars|(?:^|[^a-z])(?:id|no|code|zip)(?:[^a-z]|$))"
_CODE_NAME = re.compile(CODE_NAME_RE)
_TEN_DIGIT_CODE_NAME = re.compile(r"(법정동코드|행정동코드|행정구역코드|행정기관코드)")
_FIVE_DIGIT_CODE_NAME = re.compile(r"(시군구코드|시군구 코드)")

_INTEGER = re.compile(INTEGER_RE)
_DECIMAL = re.compile(DECIMAL_RE)
_LEADING_ZERO = re.compile(LEADING_ZERO_RE)
_DATE = re.compile(DATE_RE)
_DATE_COMPACT = re.compile(DATE_COMPACT_RE)
_TIMESTAMP = re.compile(TIMESTAMP_RE)
_DATE_PARTS = re.compile(DATE_PARTS_RE)


def is_code_name(name: str) -> bool:
    """True when a column's name says it holds codes or numbers-as-identifiers."""
    return bool(_CODE_NAME.search(name.strip()))


def expected_code_length(name: str) -> int | None:
    """The digit count a well-known Korean administrative code column must have."""
    if _TEN_DIGIT_CODE_NAME.search(name):
        return 10
    if _FIVE_DIGIT_CODE_NAME.search(name):
        return 5
    return None


def parse_date(value: str) -> date | None:
    """A date in one of the accepted forms, or None (compact 8-digit dates only in 1900–2100)."""
    v = value.strip()
    compact = _DATE_COMPACT.match(v)
    m = compact or (_DATE_PARTS.match(v) if _DATE.match(v) else None)
    if m is None:
        return None
    try:
        d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    if compact is not None and not MIN_YEAR <= d.year <= MAX_YEAR:
        return None
    return d


def _is_null(value: str) -> bool:
    return value.strip().lower() in NULL_TOKENS


def infer_type(values: Sequence[str | None], name: str = "") -> ColumnType:
    """The type of one column from all its values (the per-value twin of the vectorised reader)."""
    if is_code_name(name):
        return ColumnType.TEXT
    vals = [v.strip() for v in values if v is not None and not _is_null(v)]
    if not vals:
        return ColumnType.TEXT
    lowered = [v.lower() for v in vals]
    if all(v in BOOLEAN_TRUE or v in BOOLEAN_FALSE for v in lowered):
        return ColumnType.BOOLEAN
    if all(parse_date(v) is not None for v in vals):
        return ColumnType.DATE
    if all(_TIMESTAMP.match(v) for v in vals):
        return ColumnType.TIMESTAMP
    if all(_INTEGER.match(v) for v in vals):
        return ColumnType.INTEGER
    if all(_DECIMAL.match(v) for v in vals):
        return ColumnType.DECIMAL
    return ColumnType.TEXT


def find_header_row(rows: Sequence[Sequence[str]]) -> int:
    """The 0-based index of the header among the first rows of a table.

    Title rows and blank rows above a table have far fewer filled cells than the
    table itself; the header is the first row whose filled-cell count reaches
    60 % of the typical (median) count of the rows.
    """
    filled = [sum(1 for c in r if c.strip()) for r in rows]
    if not any(filled):
        return 0
    nonzero = sorted(f for f in filled if f)
    typical = nonzero[len(nonzero) // 2]
    need = max(1, min(typical, -(-typical * 6 // 10)))
    for i, count in enumerate(filled):
        if count >= need:
            return i
    return 0


def combine_header_rows(rows: Sequence[Sequence[str]]) -> list[str]:
    """One name per column from stacked header rows (``인구`` / ``합계`` / ``계`` → ``인구_합계_계``).

    Blank cells in an upper row inherit the value to their left, as a merged cell
    spanning several columns would; repeated labels down a column are kept once.
    """
    width = max((len(r) for r in rows), default=0)
    filled: list[list[str]] = []
    for r_index, row in enumerate(rows):
        cells = [str(row[i]).strip() if i < len(row) else "" for i in range(width)]
        if r_index < len(rows) - 1:
            last = ""
            for i, c in enumerate(cells):
                if c:
                    last = c
                elif last and (r_index == 0 or filled[r_index - 1][i] == filled[r_index - 1][i - 1]):
                    cells[i] = last
        filled.append(cells)
    names = []
    for i in range(width):
        parts: list[str] = []
        for cells in filled:
            c = cells[i]
            if c and (not parts or parts[-1] != c):
                parts.append(c)
        names.append("_".join(parts))
    return names


def clean_header_names(raw: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    """Trimmed, non-blank, unique names for raw header cells.

    Returns ``(names, blank, duplicates)``: the clean names in order, the names
    given to blank cells (``column_N``, 1-based position) and the names renamed
    because they repeated an earlier one (``name_2``).
    """
    names: list[str] = []
    blank: list[str] = []
    dups: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(raw, start=1):
        name = " ".join(str(cell).replace("\ufeff", "").split())
        if not name:
            name = f"column_{i}"
            blank.append(name)
        if name.lower() in seen:
            n = 2
            while f"{name}_{n}".lower() in seen:
                n += 1
            name = f"{name}_{n}"
            dups.append(name)
        seen.add(name.lower())
        names.append(name)
    return names, blank, dups
