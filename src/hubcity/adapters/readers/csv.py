"""CSV/TSV: dialect and header sniffed from the top, the whole file read by DuckDB.

The text arrives as UTF-8 (the source itself or a transcoded copy). The first
256 KB are parsed with the standard ``csv`` module to choose the delimiter,
find the header under any title rows and count the fields. DuckDB then reads
the whole file as all-VARCHAR rows: rows with fewer fields are padded with
nulls (and reported), rows with more fields widen the table.

The rows are checked in one of two ways. With ``check_rows`` a counting pass
runs first (row count, short rows, filled extra fields). Without it no pass is
made here: the typed copy guards the last header column (NULL there means a
padded row) and fails at the first short or too-wide row
(or any read error, which the checking pass then explains), so the common,
well-formed file is read once and the ragged one is checked and read again.
"""

from __future__ import annotations

import csv as _csv
import io
import re
from pathlib import Path

import duckdb

from hubcity.adapters.readers._raw import RawTable, duckdb_line, sql_literal
from hubcity.adapters.readers.encoding import TextFile
from hubcity.domain.ingest import IngestLimits, IngestOptions, IngestWarning, SourceFormat
from hubcity.domain.typing_rules import clean_header_names, find_header_row
from hubcity.errors import IngestError

__all__ = ["check_quotes", "read_csv_raw"]

_SAMPLE_BYTES = 256 * 1024
_CANDIDATES = [",", "\t", ";", "|"]
_NO_NULL = "\x01hubcity-no-null\x01"
_FOUND = re.compile(r"Expected Number of Columns:\s*(\d+)\s*Found:\s*(\d+)")
_MAX_EXAMPLES = 20
_HEAD_LINE_BYTES = 2 * 1024 * 1024  # the sample's line limit: DuckDB's buffer grows with it

_csv.field_size_limit(2**31 - 1)


def _sample(path: Path) -> tuple[str, bool]:
    with path.open("rb") as f:
        data = f.read(_SAMPLE_BYTES + 1)
    whole = len(data) <= _SAMPLE_BYTES
    data = data[:_SAMPLE_BYTES]
    text = data.decode("utf-8", errors="ignore").lstrip("\ufeff")
    if not whole and "\n" in text:
        text = text[: text.rindex("\n") + 1]
    return text, whole


def _parse(text: str, delimiter: str, limit: int = 400) -> list[tuple[int, int, list[str]]]:
    """(first line, last line, fields) of the first records; tolerant of a cut-off last record."""
    reader = _csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"')
    out: list[tuple[int, int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            out.append((start, reader.line_num, row))
            start = reader.line_num + 1
            if len(out) >= limit:
                break
    except _csv.Error:
        pass
    return out


def _sniff_delimiter(text: str, fmt: SourceFormat) -> str:
    best, best_score = ("\t" if fmt is SourceFormat.TSV else ","), 0
    for d in _CANDIDATES:
        rows = [r for _, _, r in _parse(text, d, 200) if r]
        counts = [len(r) for r in rows if len(r) > 1]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        score = counts.count(mode) * (2 if mode > 1 else 1)
        if score > best_score:
            best, best_score = d, score
    return best


def check_quotes(text: TextFile, delimiter: str, filename: str) -> None:
    """An odd number of quote characters may be a quote never closed: find it with strict parsing."""
    if text.quote_count % 2 == 0:
        return
    with text.path.open("r", encoding="utf-8-sig", newline="") as f:
        reader = _csv.reader(f, delimiter=delimiter, quotechar='"', strict=True)
        start = 1
        try:
            for _ in reader:
                start = reader.line_num + 1
        except _csv.Error:
            raise IngestError(
                f'{start:,}번째 줄에서 시작한 따옴표(")가 닫히지 않았습니다. '
                "파일이 잘렸거나 따옴표가 잘못되었습니다.",
                f'A quote (") opened on row {start:,} is never closed; '
                "the file is truncated or badly quoted.",
                file=filename,
                row=start,
            ) from None


def read_csv_raw(
    text: TextFile,
    con: duckdb.DuckDBPyConnection,
    *,
    filename: str,
    fmt: SourceFormat,
    options: IngestOptions,
    limits: IngestLimits,
    check_rows: bool = True,
) -> tuple[RawTable, str]:
    """Plan the read of the UTF-8 text (dialect, header, width); no copy is made.

    Returns the raw table (a ``read_csv`` relation over the text) and the delimiter used.
    With ``check_rows`` every row is counted and checked now; without it (and
    when the sample shows no row wider than the header) the check is left to
    the typed copy, which fails when a row needs it (the caller then checks and reads again).
    """
    sample, _whole = _sample(text.path)
    delimiter = options.delimiter or _sniff_delimiter(sample, fmt)
    if delimiter == "\\t":
        delimiter = "\t"
    if len(delimiter) != 1:
        raise IngestError(
            "구분자는 한 글자여야 합니다.", "The delimiter must be a single character.", file=filename
        )
    check_quotes(text, delimiter, filename)
    records = _parse(sample, delimiter)
    if not records:
        raise IngestError("빈 파일입니다.", "The file is empty.", file=filename)

    if options.header_row is not None:
        matches = [i for i, (first, _, _) in enumerate(records) if first == options.header_row]
        if not matches:
            raise IngestError(
                f"{options.header_row}번째 줄을 머리글로 쓸 수 없습니다.",
                f"Row {options.header_row} cannot be used as the header.",
                file=filename,
                row=options.header_row,
            )
        header_index = matches[0]
    else:
        header_index = find_header_row([r for _, _, r in records[:60]])
    header_first, header_last, header_cells = records[header_index]
    data_widths = [len(r) for _, _, r in records[header_index + 1 :] if r]
    width = max([len(header_cells), *data_widths])
    _check_width(width, limits, filename)

    if not check_rows and width == len(header_cells):
        names, blank, dups = clean_header_names(list(header_cells))
        return (
            RawTable(
                path=text.path,
                relation=_relation(text.path, delimiter, header_last, width, True, limits.max_field_bytes),
                head=_relation(
                    text.path,
                    delimiter,
                    header_last,
                    width,
                    False,
                    min(limits.max_field_bytes, _HEAD_LINE_BYTES),
                    4 * min(limits.max_field_bytes, _HEAD_LINE_BYTES),
                ),
                names=names,
                original_names=list(header_cells),
                row_count=None,
                header_row=header_first,
                row_offset=header_last,
                warnings=_header_warnings(names, blank, dups, set(range(width)), len(header_cells)),
                short_guard=f"c{len(header_cells) - 1}",
            ),
            delimiter,
        )

    warnings: list[IngestWarning] = []
    parallel = True
    while True:
        relation = _relation(text.path, delimiter, header_last, width, parallel, limits.max_field_bytes)
        try:
            row_count, short_rows, short_count, extra_filled = _ragged(
                con, relation, len(header_cells), width
            )
            break
        except duckdb.Error as exc:
            message = str(exc)
            found = _FOUND.search(message)
            if found and int(found.group(2)) > width:
                width = int(found.group(2))
                _check_width(width, limits, filename)
                continue
            if parallel and "parallel" in message:
                parallel = False
                continue
            raise _csv_error(message, filename, limits) from None

    names_raw = list(header_cells) + [""] * (width - len(header_cells))
    names, blank, dups = clean_header_names(names_raw)
    originals = names_raw
    keep = list(range(width))
    for i in range(len(header_cells), width):
        if extra_filled[i - len(header_cells)] == 0:
            keep.remove(i)
            warnings.append(
                IngestWarning(
                    "extra_empty_column",
                    f"머리글보다 많은 {i + 1}번째 필드가 모든 행에서 비어 있어 제외했습니다.",
                    f"Field {i + 1} (beyond the header) is empty in every row and was dropped.",
                    column=names[i],
                )
            )
        else:
            warnings.append(
                IngestWarning(
                    "extra_column",
                    f"일부 행에 머리글보다 많은 필드가 있어 '{names[i]}' 열로 보관했습니다.",
                    f"Some rows have more fields than the header; the extra values are kept in '{names[i]}'.",
                    column=names[i],
                )
            )
    warnings += _header_warnings(names, blank, dups, set(keep), len(header_cells))
    if short_count:
        warnings.append(
            IngestWarning(
                "ragged_rows",
                f"머리글보다 필드가 적은 행이 {short_count:,}개 있어 빈 값(null)으로 채웠습니다.",
                f"{short_count:,} rows have fewer fields than the header; the missing fields are null.",
                row=header_last + short_rows[0] if short_rows else None,
            )
        )
        for r in short_rows:
            warnings.append(
                IngestWarning(
                    "ragged_row",
                    f"{header_last + r:,}번째 줄: 필드 수가 머리글보다 적습니다.",
                    f"Row {header_last + r:,}: fewer fields than the header.",
                    row=header_last + r,
                )
            )
    raw = RawTable(
        path=text.path,
        relation=relation,
        names=[names[i] for i in keep],
        original_names=[originals[i] for i in keep],
        row_count=row_count,
        header_row=header_first,
        row_offset=header_last,
        warnings=warnings,
        source_columns=[f"c{i}" for i in keep],
    )
    return raw, delimiter


def _header_warnings(
    names: list[str], blank: list[str], dups: list[str], keep: set[int], header_width: int
) -> list[IngestWarning]:
    warnings: list[IngestWarning] = []
    for name in blank:
        if names.index(name) in keep and names.index(name) < header_width:
            warnings.append(
                IngestWarning(
                    "blank_header",
                    f"머리글이 비어 있는 열을 '{name}'(으)로 이름 붙였습니다.",
                    f"A column with a blank header was named '{name}'.",
                    column=name,
                )
            )
    for name in dups:
        warnings.append(
            IngestWarning(
                "duplicate_header",
                f"중복된 머리글을 '{name}'(으)로 바꿨습니다.",
                f"A repeated header was renamed to '{name}'.",
                column=name,
            )
        )
    return warnings


def _check_width(width: int, limits: IngestLimits, filename: str) -> None:
    if width > limits.max_columns:
        raise IngestError(
            f"열이 너무 많습니다({width:,}개, 최대 {limits.max_columns:,}개).",
            f"Too many columns ({width:,}; the limit is {limits.max_columns:,}).",
            file=filename,
            row=1,
        )


def _relation(
    src: Path, delimiter: str, skip: int, width: int, parallel: bool, max_line: int, buffer: int | None = None
) -> str:
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    return (
        f"read_csv({sql_literal(str(src))}, delim={sql_literal(delimiter)}, "
        f"quote='\"', escape='\"', header=false, skip={int(skip)}, columns={columns}, "
        f"auto_detect=false, null_padding=true, nullstr={sql_literal(_NO_NULL)}, "
        f"max_line_size={int(max_line)}, parallel={str(parallel).lower()}"
        + (f", buffer_size={int(buffer)})" if buffer else ")")
    )


def _ragged(
    con: duckdb.DuckDBPyConnection, relation: str, header_width: int, width: int
) -> tuple[int, list[int], int, list[int]]:
    """Row count, example short rows (1-based data rows), short-row count, filled counts of extra fields."""
    last = f"c{header_width - 1}"
    extras = "".join(f", count(NULLIF(c{i}, ''))" for i in range(header_width, width))
    row = con.execute(f"SELECT count(*), count(*) FILTER ({last} IS NULL){extras} FROM {relation}").fetchone()
    assert row is not None
    total, short = int(row[0]), int(row[1])
    examples: list[int] = []
    if short:
        examples = [
            int(r[0])
            for r in con.execute(
                f"SELECT rn FROM (SELECT row_number() OVER () AS rn, {last} FROM {relation}) "
                f"WHERE {last} IS NULL ORDER BY rn LIMIT {_MAX_EXAMPLES}"
            ).fetchall()
        ]
    return total, examples, short, [int(v) for v in row[2:]]


def _csv_error(message: str, filename: str, limits: IngestLimits) -> IngestError:
    line = duckdb_line(message)
    where_ko = f"{line:,}번째 줄 근처에서 " if line else ""
    where_en = f" near row {line:,}" if line else ""
    if "Maximum line size" in message:
        mb = limits.max_field_bytes / (1024 * 1024)
        return IngestError(
            f"{where_ko}한 줄(필드)이 너무 깁니다(최대 {mb:,.0f} MB).",
            f"A line (field){where_en} is too long (the limit is {mb:,.0f} MB).",
            file=filename,
            row=line,
        )
    if "quote" in message.lower():
        return IngestError(
            f"{where_ko}따옴표가 잘못되었습니다.",
            f"Bad quoting{where_en}.",
            file=filename,
            row=line,
        )
    first = message.strip().splitlines()[0] if message.strip() else message
    return IngestError(
        f"{where_ko}CSV를 읽을 수 없습니다: {first}",
        f"The CSV could not be read{where_en}: {first}",
        file=filename,
        row=line,
    )
