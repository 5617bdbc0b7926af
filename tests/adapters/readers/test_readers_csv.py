"""CSV reading: encodings, dialects, headers, ragged rows, progress, streaming temporaries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.adapters.readers._parquet import parquet_rows as _rows

from hubcity.adapters.readers import ingest_file
from hubcity.domain.ingest import ColumnType, IngestOptions, IngestOutcome


def _run(tmp_path: Path, data: bytes, name: str = "f.csv", **options: Any) -> tuple[IngestOutcome, Path]:
    src = tmp_path / f"src-{name}"
    src.write_bytes(data)
    dest = tmp_path / "out.parquet"
    return ingest_file(src, dest, filename=name, options=IngestOptions(**options)), dest


def test_cp949_trap_after_2000_ascii_rows(tmp_path: Path) -> None:
    text = "id,name\n" + "".join(f"{i},row{i}\n" for i in range(2_000)) + "2000,광주광역시 서구\n"
    outcome, dest = _run(tmp_path, text.encode("cp949"))
    assert outcome.source_encoding == "cp949"
    assert outcome.row_count == 2_001
    assert _rows(dest, "SELECT name FROM {t} WHERE id = 2000") == [("광주광역시 서구",)]


def test_cp949_after_a_long_ascii_head(tmp_path: Path) -> None:
    # the first 64 KB look like UTF-8, so DuckDB starts early; the whole-file check must still win
    text = "id,name\n" + "".join(f"{i},row-number-{i}\n" for i in range(8_000)) + "8000,태백수퍼마켙\n"
    data = text.encode("cp949")
    assert data.index("태".encode("cp949")) > 64 * 1024
    outcome, dest = _run(tmp_path, data)
    assert outcome.source_encoding == "cp949"
    assert outcome.row_count == 8_001
    assert _rows(dest, "SELECT name FROM {t} WHERE id = 8000") == [("태백수퍼마켙",)]


def test_utf8_bom_and_plain(tmp_path: Path) -> None:
    outcome, dest = _run(tmp_path, "\ufeff이름,값\n가,1\n".encode())
    assert outcome.source_encoding == "utf-8-sig"
    assert [c.name for c in outcome.columns] == ["이름", "값"]
    outcome, _ = _run(tmp_path, "이름,값\n가,1\n".encode())
    assert outcome.source_encoding == "utf-8"


def test_declared_euc_kr_reads_cp949_superset(tmp_path: Path) -> None:
    outcome, dest = _run(tmp_path, "상호\n태백수퍼마켙\n".encode("cp949"), encoding="euc-kr")
    assert outcome.source_encoding == "cp949"
    assert _rows(dest) == [("태백수퍼마켙",)]


@pytest.mark.parametrize(
    ("delimiter", "name"), [(";", "f.csv"), ("\t", "f.tsv"), ("|", "f.txt"), ("\t", "f.csv")]
)
def test_delimiters_sniffed(tmp_path: Path, delimiter: str, name: str) -> None:
    text = delimiter.join(["지역", "인구", "비고"]) + "\n"
    text += "".join(delimiter.join([f"동{i}", str(i * 10), '"a, b"']) + "\n" for i in range(20))
    outcome, dest = _run(tmp_path, text.encode(), name=name)
    assert outcome.delimiter == delimiter
    assert [c.name for c in outcome.columns] == ["지역", "인구", "비고"]
    assert _rows(dest, "SELECT 비고 FROM {t} LIMIT 1") == [("a, b",)]


def test_delimiter_override(tmp_path: Path) -> None:
    outcome, _ = _run(tmp_path, b"a;b,c\n1;2,3\n", delimiter=";")
    assert [c.name for c in outcome.columns] == ["a", "b,c"]


def test_title_rows_above_header_and_override(tmp_path: Path) -> None:
    text = '"광주광역시 통계"\n\n"단위: 명"\n구,인구,세대\n동구,1,2\n서구,3,4\n'
    outcome, dest = _run(tmp_path, text.encode())
    assert outcome.header_row == 4 and outcome.row_count == 2
    assert [c.name for c in outcome.columns] == ["구", "인구", "세대"]
    outcome, _ = _run(tmp_path, text.encode(), header_row=5)
    assert outcome.header_row == 5 and outcome.row_count == 1


def test_header_names_cleaned(tmp_path: Path) -> None:
    outcome, _ = _run(tmp_path, b" a ,,a,A\n1,2,3,4\n")
    assert [c.name for c in outcome.columns] == ["a", "column_2", "a_2", "A_3"]
    assert outcome.columns[0].original_name == " a "
    codes = {w.code for w in outcome.warnings}
    assert {"blank_header", "duplicate_header"} <= codes


def test_header_only_gives_empty_table(tmp_path: Path) -> None:
    outcome, dest = _run(tmp_path, "이름,값\n".encode())
    assert outcome.row_count == 0 and [c.name for c in outcome.columns] == ["이름", "값"]
    assert _rows(dest) == []


def test_short_rows_padded_and_reported(tmp_path: Path) -> None:
    text = "a,b,c\n1,2,3\n4,5\n6,7,8\n9\n"
    outcome, dest = _run(tmp_path, text.encode())
    assert outcome.row_count == 4
    assert _rows(dest, "SELECT a, b, c FROM {t}") == [(1, 2, 3), (4, 5, None), (6, 7, 8), (9, None, None)]
    ragged = [w for w in outcome.warnings if w.code == "ragged_row"]
    assert [w.row for w in ragged] == [3, 5]
    summary = [w for w in outcome.warnings if w.code == "ragged_rows"]
    assert summary and "2" in summary[0].message_en


def test_long_rows_widen_the_table(tmp_path: Path) -> None:
    text = "a,b\n" + "1,2\n" * 30_000 + "3,4,extra\n"
    outcome, dest = _run(tmp_path, text.encode())
    assert [c.name for c in outcome.columns] == ["a", "b", "column_3"]
    assert _rows(dest, "SELECT column_3 FROM {t} WHERE column_3 IS NOT NULL") == [("extra",)]
    assert any(w.code == "extra_column" for w in outcome.warnings)


def test_quoted_newlines_and_crlf(tmp_path: Path) -> None:
    text = 'id,memo\r\n1,"첫 줄\r\n둘째 줄"\r\n2,plain\r\n'
    outcome, dest = _run(tmp_path, text.encode())
    assert outcome.row_count == 2
    assert _rows(dest, "SELECT memo FROM {t} WHERE id = 1") == [("첫 줄\r\n둘째 줄",)]


def test_progress_is_reported_while_transcoding(tmp_path: Path) -> None:
    calls: list[tuple[int, int, int]] = []
    text = "a,b\n" + "".join(f"{i},{'가' * 100}\n" for i in range(30_000))
    src = tmp_path / "p.csv"
    src.write_bytes(text.encode("cp949"))
    outcome = ingest_file(
        src, tmp_path / "p.parquet", filename="p.csv", progress=lambda d, t, r: calls.append((d, t, r))
    )
    size = src.stat().st_size
    assert size > 5 * 1024 * 1024
    assert len(calls) >= 4
    assert outcome.row_count == 30_000
    assert calls[-1] == (size, size, 30_000)
    done = [d for d, _, _ in calls]
    assert done == sorted(done) and all(d <= t for d, t, _ in calls)


def test_progress_is_reported_while_duckdb_reads(tmp_path: Path) -> None:
    """A UTF-8 file goes straight to DuckDB: its progress on the statement moves the bar."""
    calls: list[tuple[int, int, int]] = []
    line = "{},2024-03-05,충장동,{}\n"
    body = "".join(line.format(i, "민원 내용 " * 12) for i in range(20_000))
    src = tmp_path / "big.csv"
    with src.open("w", encoding="utf-8") as f:
        f.write("번호,일자,동,내용\n")
        for _ in range(40):
            f.write(body)
    outcome = ingest_file(
        src, tmp_path / "big.parquet", filename="big.csv", progress=lambda d, t, r: calls.append((d, t, r))
    )
    size = src.stat().st_size
    assert outcome.row_count == 800_000
    assert calls[-1] == (size, size, 800_000)
    done = [d for d, _, _ in calls]
    assert done == sorted(done)
    assert any(0 < d < size for d in done), calls


def test_work_dir_left_clean(tmp_path: Path) -> None:
    work = tmp_path / "work"
    src = tmp_path / "w.csv"
    src.write_bytes("a,b\n가,1\n".encode("cp949"))
    ingest_file(src, tmp_path / "w.parquet", filename="w.csv", work_dir=work)
    assert list(work.iterdir()) == []


def test_profile_values(tmp_path: Path) -> None:
    text = "구,값\n" + "동구,1\n" * 3 + "서구,2\n" * 2 + "남구,\n"
    outcome, _ = _run(tmp_path, text.encode())
    gu, val = outcome.columns
    assert gu.top_values[:2] == [("동구", 3), ("서구", 2)]
    assert gu.distinct_count == 3 and gu.null_count == 0
    assert val.type is ColumnType.INTEGER and val.null_count == 1
    assert (val.min, val.max) == ("1", "2")
    assert outcome.columns[0].as_dict()["top_values"][0] == {"value": "동구", "count": 3}
