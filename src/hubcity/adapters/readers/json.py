"""JSON (an array of objects) and JSON Lines, streamed by DuckDB.

Keys are unioned over every object, in the order they are first seen. Scalar
values become their text (then typed like CSV cells); nested objects and
arrays are stored as JSON text.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from hubcity.adapters.readers._raw import RawTable, sql_literal
from hubcity.domain.ingest import IngestLimits, IngestWarning, SourceFormat
from hubcity.domain.typing_rules import clean_header_names
from hubcity.errors import IngestError

__all__ = ["read_json_raw"]


def read_json_raw(
    src: Path,
    raw_path: Path,
    con: duckdb.DuckDBPyConnection,
    *,
    filename: str,
    fmt: SourceFormat,
    limits: IngestLimits,
) -> RawTable:
    if src.stat().st_size == 0:
        raise IngestError("빈 파일입니다.", "The file is empty.", file=filename)
    layout = "newline_delimited" if fmt is SourceFormat.JSONL else "auto"
    objects = (
        f"(SELECT row_number() OVER () AS rn, j FROM read_json_objects({sql_literal(str(src))}, "
        f"format={sql_literal(layout)}, maximum_object_size={int(limits.max_field_bytes)}) t(j))"
    )
    try:
        con.execute(f"CREATE TEMP TABLE objs AS SELECT * FROM {objects}")
        bad = con.execute("SELECT min(rn) FROM objs WHERE json_type(j) <> 'OBJECT'").fetchone()
        if bad is not None and bad[0] is not None:
            raise IngestError(
                f"{bad[0]:,}번째 항목이 객체({{...}})가 아닙니다. JSON은 객체의 배열이어야 합니다.",
                f"Item {bad[0]:,} is not an object; JSON must be an array of objects (or JSON Lines).",
                file=filename,
                row=int(bad[0]),
            )
        keys = [
            str(r[0])
            for r in con.execute(
                "SELECT key FROM (SELECT rn, unnest(json_keys(j)) AS key, "
                "generate_subscripts(json_keys(j), 1) AS pos FROM objs) "
                "GROUP BY key ORDER BY min(rn * 100000 + pos)"
            ).fetchall()
        ]
        if not keys:
            raise IngestError("JSON에 데이터가 없습니다.", "The JSON holds no data.", file=filename)
        if len(keys) > limits.max_columns:
            raise IngestError(
                f"열이 너무 많습니다({len(keys):,}개, 최대 {limits.max_columns:,}개).",
                f"Too many columns ({len(keys):,}; the limit is {limits.max_columns:,}).",
                file=filename,
            )
        cols = ", ".join(
            f"json_extract_string(j, {sql_literal('$.' + _path_key(k))}) AS c{i}" for i, k in enumerate(keys)
        )
        con.execute(
            f"COPY (SELECT {cols} FROM objs ORDER BY rn) TO {sql_literal(str(raw_path))} "
            "(FORMAT parquet, COMPRESSION lz4_raw)"
        )
        (count,) = con.execute("SELECT count(*) FROM objs").fetchone() or (0,)
        con.execute("DROP TABLE objs")
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise IngestError(
            f"JSON을 읽을 수 없습니다: {first}", f"The JSON could not be read: {first}", file=filename
        ) from None
    names, blank, dups = clean_header_names(keys)
    warnings = [
        IngestWarning("duplicate_header", f"중복된 키를 '{n}'(으)로 바꿨습니다.", f"Renamed key to '{n}'.")
        for n in dups
    ]
    return RawTable(
        path=raw_path,
        names=names,
        original_names=keys,
        row_count=int(count),
        warnings=warnings,
    )


def _path_key(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
