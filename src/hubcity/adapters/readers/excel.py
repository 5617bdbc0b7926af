"""XLSX and legacy XLS through python-calamine.

Before calamine opens an .xlsx, the zip central directory is checked against
the limits (total uncompressed size and compression ratio), so a zip bomb is
refused without inflating anything. The header block is found above the table
(title rows skipped), stacked header rows and merged header cells are combined
into one name per column (``인구_합계_계``), and fully blank rows are dropped.
Cells are rendered as text (``1234.0`` → ``1234``, dates as ISO) so that the
typing stage treats every format alike.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from hubcity.adapters.readers._raw import RawTable
from hubcity.domain.ingest import IngestLimits, IngestOptions, IngestWarning, SourceFormat
from hubcity.domain.typing_rules import clean_header_names, combine_header_rows, find_header_row
from hubcity.errors import IngestError

__all__ = ["check_container", "list_excel_sheets", "read_excel_raw"]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BATCH_ROWS = 50_000


def check_container(src: Path, fmt: SourceFormat, filename: str, limits: IngestLimits) -> None:
    """Refuse files that are not the container they claim to be, and zip bombs."""
    with src.open("rb") as f:
        head = f.read(8)
    if not head:
        raise IngestError("빈 파일입니다.", "The file is empty.", file=filename)
    if fmt is SourceFormat.XLS:
        if head == _OLE_MAGIC:
            return
        if not head.startswith(b"PK"):
            raise IngestError(
                "올바른 엑셀(.xls) 파일이 아닙니다.", "Not a valid Excel (.xls) file.", file=filename
            )
    try:
        with zipfile.ZipFile(src) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise IngestError(
            "올바른 엑셀(.xlsx) 파일이 아닙니다(zip 형식이 아님).",
            "Not a valid Excel (.xlsx) file (not a zip archive).",
            file=filename,
        ) from None
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    worst = max((i.file_size / max(i.compress_size, 1) for i in infos), default=0.0)
    if total > limits.max_xlsx_uncompressed_bytes or worst > limits.max_xlsx_ratio and total > 1024 * 1024:
        raise IngestError(
            f"압축을 풀면 너무 커지는 파일입니다(압축 해제 {total:,} 바이트, 압축 {packed:,} 바이트). "
            "압축 폭탄일 수 있어 거부합니다.",
            f"The file inflates too much ({total:,} bytes from {packed:,}); refused as a possible zip bomb.",
            file=filename,
        )
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names:
        raise IngestError(
            "올바른 엑셀(.xlsx) 파일이 아닙니다(zip 안에 엑셀 구조가 없음).",
            "Not a valid Excel (.xlsx) file (the zip holds no workbook).",
            file=filename,
        )


def _open(src: Path, filename: str) -> Any:
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(src))
    except Exception as exc:  # calamine raises its own error types
        raise IngestError(
            f"엑셀 파일을 열 수 없습니다: {exc}", f"The Excel file could not be opened: {exc}", file=filename
        ) from None


def list_excel_sheets(src: Path, filename: str) -> list[str]:
    return list(_open(src, filename).sheet_names)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def _header_block(rows: list[list[str]], merged: Sequence[Any], start: int) -> int:
    """How many rows from ``start`` make up the header (merged cells and repeated labels extend it)."""
    end = start
    for rng in merged:
        try:
            (r0, _c0), (r1, _c1) = rng
        except (TypeError, ValueError):
            continue
        if r0 == start and r1 > end and r1 - start < 5:
            end = r1
    r = end
    while r + 1 < len(rows) and r + 1 - start < 5:
        upper, lower = rows[r], rows[r + 1]
        numbers = any(c and _is_number(c) for c in lower)
        spans = any(upper[i] and upper[i] == upper[i - 1] for i in range(1, len(upper)))
        repeats = any(lower[i] and lower[i] == upper[i] for i in range(len(lower)))
        if numbers or not (spans and repeats):
            break
        r += 1
    return r - start + 1


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def read_excel_raw(
    src: Path,
    raw_path: Path,
    *,
    filename: str,
    fmt: SourceFormat,
    options: IngestOptions,
    limits: IngestLimits,
) -> tuple[RawTable, str, list[str]]:
    """Write the chosen sheet to ``raw_path``; returns the raw table, the sheet and all sheet names."""
    check_container(src, fmt, filename, limits)
    wb = _open(src, filename)
    sheets = list(wb.sheet_names)
    try:
        if options.sheet is not None:
            if options.sheet not in sheets:
                raise IngestError(
                    f"'{options.sheet}' 시트가 없습니다. 시트: {', '.join(sheets)}",
                    f"There is no sheet '{options.sheet}'. Sheets: {', '.join(sheets)}",
                    file=filename,
                    sheet=options.sheet,
                )
            chosen = options.sheet
            sheet = wb.get_sheet_by_name(chosen)
            values = sheet.to_python(skip_empty_area=False)
        else:
            chosen, sheet, values = "", None, []
            for name in sheets:
                sheet = wb.get_sheet_by_name(name)
                values = sheet.to_python(skip_empty_area=False)
                if any(any(c not in (None, "") for c in row) for row in values):
                    chosen = name
                    break
            if not chosen:
                raise IngestError("모든 시트가 비어 있습니다.", "Every sheet is empty.", file=filename)
        merged = list(getattr(sheet, "merged_cell_ranges", None) or [])
    except IngestError:
        raise
    except Exception as exc:
        raise IngestError(
            f"엑셀 시트를 읽을 수 없습니다: {exc}",
            f"The Excel sheet could not be read: {exc}",
            file=filename,
            sheet=options.sheet,
        ) from None

    rows = [[_cell(v) for v in row] for row in values]
    width = max((len(r) for r in rows), default=0)
    if width > limits.max_columns:
        raise IngestError(
            f"열이 너무 많습니다({width:,}개, 최대 {limits.max_columns:,}개).",
            f"Too many columns ({width:,}; the limit is {limits.max_columns:,}).",
            file=filename,
            sheet=chosen,
        )
    rows = [r + [""] * (width - len(r)) for r in rows]
    if not any(any(c.strip() for c in r) for r in rows):
        raise IngestError("시트가 비어 있습니다.", "The sheet is empty.", file=filename, sheet=chosen)
    if options.header_row is not None:
        start, depth = options.header_row - 1, 1
        if not 0 <= start < len(rows):
            raise IngestError(
                f"{options.header_row}번째 행이 시트에 없습니다.",
                f"Row {options.header_row} is not in the sheet.",
                file=filename,
                sheet=chosen,
                row=options.header_row,
            )
    else:
        start = find_header_row(rows[:60])
        depth = _header_block(rows, merged, start)
    header_raw = combine_header_rows(rows[start : start + depth])
    names, blank, dups = clean_header_names(header_raw)
    warnings = [
        IngestWarning(
            "blank_header",
            f"머리글이 비어 있는 열을 '{n}'(으)로 이름 붙였습니다.",
            f"A column with a blank header was named '{n}'.",
            column=n,
        )
        for n in blank
    ]
    warnings += [
        IngestWarning(
            "duplicate_header",
            f"중복된 머리글을 '{n}'(으)로 바꿨습니다.",
            f"A repeated header was renamed to '{n}'.",
            column=n,
        )
        for n in dups
    ]
    data = [r for r in rows[start + depth :] if any(c.strip() for c in r)]
    schema = pa.schema([(f"c{i}", pa.string()) for i in range(width)])
    with pq.ParquetWriter(str(raw_path), schema, compression="lz4") as writer:
        for b in range(0, max(len(data), 1), _BATCH_ROWS):
            chunk = data[b : b + _BATCH_ROWS]
            arrays = [pa.array([r[i] for r in chunk], pa.string()) for i in range(width)]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
    dropped = len(rows) - start - depth - len(data)
    if dropped:
        warnings.append(
            IngestWarning(
                "blank_rows",
                f"빈 행 {dropped:,}개를 건너뛰었습니다.",
                f"Skipped {dropped:,} blank rows.",
            )
        )
    raw = RawTable(
        path=raw_path,
        names=names,
        original_names=header_raw,
        row_count=len(data),
        header_row=start + 1,
        row_offset=start + depth,
        warnings=warnings,
    )
    return raw, chosen, sheets
