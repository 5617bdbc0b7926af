"""What an ingest takes and what it produces: pure data, no I/O.

A source file (CSV/TSV, XLSX/XLS, JSON/JSONL, Parquet) becomes one Parquet
file with typed columns, plus a profile of each column and a quality report.
The reading itself lives in ``hubcity.adapters.readers``; this module only
names the shapes that cross the boundary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "ColumnProfile",
    "ColumnType",
    "IngestLimits",
    "IngestOptions",
    "IngestOutcome",
    "IngestWarning",
    "ProgressFn",
    "QualityCheck",
    "QualityReport",
    "SourceFormat",
    "detect_format",
]


class ColumnType(StrEnum):
    """The column types users see, in the API and the UI."""

    INTEGER = "integer"
    DECIMAL = "decimal"
    TEXT = "text"
    DATE = "date"
    TIMESTAMP = "timestamp"
    BOOLEAN = "boolean"


class SourceFormat(StrEnum):
    CSV = "csv"
    TSV = "tsv"
    XLSX = "xlsx"
    XLS = "xls"
    JSON = "json"
    JSONL = "jsonl"
    PARQUET = "parquet"


_EXTENSIONS = {
    ".csv": SourceFormat.CSV,
    ".txt": SourceFormat.CSV,
    ".tsv": SourceFormat.TSV,
    ".tab": SourceFormat.TSV,
    ".xlsx": SourceFormat.XLSX,
    ".xlsm": SourceFormat.XLSX,
    ".xls": SourceFormat.XLS,
    ".json": SourceFormat.JSON,
    ".jsonl": SourceFormat.JSONL,
    ".ndjson": SourceFormat.JSONL,
    ".parquet": SourceFormat.PARQUET,
    ".pq": SourceFormat.PARQUET,
}


def detect_format(filename: str) -> SourceFormat | None:
    """The format a file name claims, or None when the extension is unknown."""
    lower = filename.lower()
    for ext, fmt in _EXTENSIONS.items():
        if lower.endswith(ext):
            return fmt
    return None


# Called with (bytes_done, bytes_total, rows_done) as an ingest advances.
ProgressFn = Callable[[int, int, int], None]


@dataclass(frozen=True)
class IngestLimits:
    """Guards against hostile or broken files."""

    max_columns: int = 2_000
    max_field_bytes: int = 10 * 1024 * 1024
    max_xlsx_uncompressed_bytes: int = 1024 * 1024 * 1024
    max_xlsx_ratio: int = 200


@dataclass(frozen=True)
class IngestOptions:
    """What a user may say about a file; everything else is detected."""

    encoding: str | None = None  # override: "utf-8", "cp949", ...
    sheet: str | None = None  # Excel sheet name (default: the first with data)
    delimiter: str | None = None
    header_row: int | None = None  # 1-based physical row of the header
    column_types: dict[str, ColumnType] = field(default_factory=dict)  # by (trimmed) column name


@dataclass(frozen=True)
class IngestWarning:
    """Something the reader tolerated and the user should know about."""

    code: str  # "ragged_row", "blank_header", "duplicate_header", "type_override_failed", ...
    message: str
    message_en: str
    row: int | None = None
    column: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "message_en": self.message_en,
            "row": self.row,
            "column": self.column,
        }


@dataclass(frozen=True)
class ColumnProfile:
    """One column of a version: its type and what its values look like."""

    name: str  # trimmed, unique within the table
    original_name: str  # as it stood in the file
    type: ColumnType
    null_count: int = 0
    distinct_count: int | None = None
    min: str | None = None  # rendered as text so every type fits one shape
    max: str | None = None
    top_values: list[tuple[str, int]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "original_name": self.original_name,
            "type": str(self.type),
            "null_count": self.null_count,
            "distinct_count": self.distinct_count,
            "min": self.min,
            "max": self.max,
            "top_values": [{"value": v, "count": c} for v, c in self.top_values],
        }


@dataclass(frozen=True)
class QualityCheck:
    """One rule of the public-data quality evaluation applied to one column."""

    rule: str  # "completeness", "type_validity", "date_validity", "range_validity", "code_format", ...
    rule_ko: str
    column: str
    checked: int
    failing: int
    examples: list[int] = field(default_factory=list)  # 1-based data row numbers of failures

    @property
    def error_rate(self) -> float:
        return self.failing / self.checked if self.checked else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "rule_ko": self.rule_ko,
            "column": self.column,
            "checked": self.checked,
            "failing": self.failing,
            "error_rate": round(self.error_rate, 6),
            "examples": self.examples,
        }


@dataclass(frozen=True)
class QualityReport:
    checks: list[QualityCheck] = field(default_factory=list)

    @property
    def score(self) -> float:
        """0–100: the share of checked values that pass, over every rule."""
        checked = sum(c.checked for c in self.checks)
        failing = sum(c.failing for c in self.checks)
        return round(100.0 * (1 - failing / checked), 2) if checked else 100.0

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "checks": [c.as_dict() for c in self.checks]}


@dataclass(frozen=True)
class IngestOutcome:
    """What one successful ingest wrote."""

    format: SourceFormat
    row_count: int
    columns: list[ColumnProfile]
    source_encoding: str | None = None  # "utf-8", "utf-8-sig", "cp949", ... (None for binary formats)
    delimiter: str | None = None
    header_row: int | None = None  # 1-based physical row of the header
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    warnings: list[IngestWarning] = field(default_factory=list)
    quality: QualityReport = field(default_factory=QualityReport)
    bytes_read: int = 0
