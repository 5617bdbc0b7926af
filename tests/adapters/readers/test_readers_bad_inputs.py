"""Bad files give an IngestError in Korean and English, say where, and leave no dest."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import duckdb
import pytest

from hubcity.adapters.readers import ingest_file
from hubcity.domain.ingest import IngestLimits, IngestOptions
from hubcity.errors import IngestError

KOREAN = range(0xAC00, 0xD7A4)


def _has_korean(text: str) -> bool:
    return any(ord(ch) in KOREAN for ch in text)


def _fails(
    tmp_path: Path,
    name: str,
    data: bytes,
    *,
    options: IngestOptions | None = None,
    limits: IngestLimits | None = None,
) -> IngestError:
    src = tmp_path / ("src-" + name)
    src.write_bytes(data)
    dest = tmp_path / "out" / "x.parquet"
    dest.parent.mkdir()
    with pytest.raises(IngestError) as info:
        ingest_file(
            src, dest, filename=name, options=options or IngestOptions(), limits=limits or IngestLimits()
        )
    err = info.value
    assert _has_korean(err.message), err.message
    assert err.message_en and not _has_korean(err.message_en), err.message_en
    assert err.file == name
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []  # no temporaries left behind either
    return err


def test_wrong_declared_encoding(tmp_path: Path) -> None:
    data = ("id,name\n" + "".join(f"{i},abc\n" for i in range(100)) + "101,광주\n").encode("cp949")
    err = _fails(tmp_path, "x.csv", data, options=IngestOptions(encoding="utf-8"))
    assert err.row == 102
    assert err.location.byte_offset == data.index("광주".encode("cp949"))
    assert "UTF-8" in err.message_en


def test_unknown_declared_encoding(tmp_path: Path) -> None:
    _fails(tmp_path, "x.csv", b"a,b\n1,2\n", options=IngestOptions(encoding="klingon-8"))


def test_truncated_quote_never_closed(tmp_path: Path) -> None:
    data = b'a,b\n1,"ok"\n2,"open and\nnever closed\n'
    err = _fails(tmp_path, "x.csv", data)
    assert err.row == 3


def test_truncated_mid_multibyte_utf8(tmp_path: Path) -> None:
    data = "a,b\n1,광주광역시\n2,서구".encode()[:-1]
    err = _fails(tmp_path, "x.csv", data)
    assert err.row == 3 and err.location.byte_offset is not None


def test_truncated_mid_multibyte_cp949(tmp_path: Path) -> None:
    data = "a,b\n1,광주광역시\n2,서구".encode("cp949")[:-1]
    err = _fails(tmp_path, "x.csv", data)
    assert err.row == 3


def test_binary_garbage_named_csv(tmp_path: Path) -> None:
    import random

    rng = random.Random(7)
    data = bytes(rng.randrange(256) for _ in range(20_000))
    err = _fails(tmp_path, "x.csv", data)
    assert "not a text file" in err.message_en.lower()


def test_binary_without_nul_bytes(tmp_path: Path) -> None:
    import random

    rng = random.Random(3)
    data = bytes(rng.choice(range(0x80, 0x100)) for _ in range(20_000))
    err = _fails(tmp_path, "x.csv", data)
    assert "not a text file" in err.message_en.lower() or err.location.byte_offset is not None


def test_empty_file(tmp_path: Path) -> None:
    err = _fails(tmp_path, "x.csv", b"")
    assert "empty" in err.message_en


def test_whitespace_only_file(tmp_path: Path) -> None:
    _fails(tmp_path, "x.csv", b"\xef\xbb\xbf\n\n  \n")


def test_zip_bomb_named_xlsx(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 * 1024 * 1024))
    assert len(buf.getvalue()) < 1024 * 1024
    err = _fails(tmp_path, "bomb.xlsx", buf.getvalue())
    assert "zip bomb" in err.message_en


def test_zip_bomb_over_total_limit(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"<x/>" * (1024 * 1024))
    _fails(tmp_path, "big.xlsx", buf.getvalue(), limits=IngestLimits(max_xlsx_uncompressed_bytes=1024 * 1024))


def test_non_zip_named_xlsx(tmp_path: Path) -> None:
    err = _fails(tmp_path, "x.xlsx", b"a,b\n1,2\n")
    assert "not a zip" in err.message_en


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    _fails(tmp_path, "x.xlsx", buf.getvalue())


def test_garbage_named_xls(tmp_path: Path) -> None:
    _fails(tmp_path, "x.xls", b"this is not an excel file at all")


def test_ten_thousand_columns(tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(10_000))
    row = ",".join("1" for _ in range(10_000))
    err = _fails(tmp_path, "wide.csv", f"{header}\n{row}\n".encode())
    assert "10,000" in err.message_en


def test_field_of_fifty_megabytes(tmp_path: Path) -> None:
    data = b"a,b\n1," + b"x" * (50 * 1024 * 1024) + b"\n2,y\n"
    err = _fails(tmp_path, "huge.csv", data)
    assert "too long" in err.message_en and err.row is not None


def test_rows_wider_than_sampled_and_over_limit(tmp_path: Path) -> None:
    head = "a,b\n" + "1,2\n" * 30_000
    tail = ",".join("9" for _ in range(50)) + "\n"
    _fails(tmp_path, "x.csv", (head + tail).encode(), limits=IngestLimits(max_columns=20))


def test_unsupported_extension(tmp_path: Path) -> None:
    _fails(tmp_path, "x.docx", b"whatever")


def test_json_not_objects(tmp_path: Path) -> None:
    _fails(tmp_path, "x.json", b"[1, 2, 3]")


def test_broken_json(tmp_path: Path) -> None:
    _fails(tmp_path, "x.json", b'[{"a": 1}, {"a": ')


def test_broken_parquet(tmp_path: Path) -> None:
    _fails(tmp_path, "x.parquet", b"PAR1 not really parquet")


def test_header_row_override_out_of_range(tmp_path: Path) -> None:
    _fails(tmp_path, "x.csv", b"a,b\n1,2\n", options=IngestOptions(header_row=40))


def test_quote_never_closed_after_a_long_head(tmp_path: Path) -> None:
    head = "a,b\n" + "".join(f"{i},value-{i}\n" for i in range(8_000))
    err = _fails(tmp_path, "x.csv", (head + '8000,"open\nand on\n').encode())
    assert err.row == 8_002


def test_utf8_truncated_after_a_long_head(tmp_path: Path) -> None:
    head = "a,b\n" + "".join(f"{i},값-{i}\n" for i in range(8_000))
    data = (head + "8000,광주").encode()[:-1]
    err = _fails(tmp_path, "x.csv", data)
    assert err.row == 8_002 and err.location.byte_offset == len(data) - 2


def _large_cp949(rows: int) -> tuple[str, bytes]:
    """About 20 MB of CP949: over the size at which the second half is decoded by a child process."""
    text = "번호,동,내용\n" + "".join(f"{i},충장동,{'민원 내용입니다 ' * 6}\n" for i in range(rows))
    return text, text.encode("cp949")


@pytest.mark.parametrize("where", ["first half", "second half"])
def test_bad_byte_in_a_large_cp949_file_is_named_exactly(tmp_path: Path, where: str) -> None:
    text, data = _large_cp949(200_000)
    assert len(data) > 16 * 1024 * 1024
    row = 40_000 if where == "first half" else 180_000
    start = data.index(f"\n{row - 2},".encode()) + 1  # physical row ``row`` (the header is row 1)
    bad = start + len(f"{row - 2},충장동,".encode("cp949"))
    # 0xFF is never valid in CP949 (nor UTF-8, nor anything charset-normalizer trusts here)
    data = data[:bad] + b"\xff\xff" + data[bad + 2 :]
    err = _fails(tmp_path, "big.csv", data, options=IngestOptions(encoding="cp949"))
    assert err.row == row
    assert err.location.byte_offset == bad
    assert "CP949" in err.message_en


def test_large_cp949_file_reads_whole(tmp_path: Path) -> None:
    text, data = _large_cp949(200_000)
    src = tmp_path / "big.csv"
    src.write_bytes(data)
    outcome = ingest_file(src, tmp_path / "big.parquet", filename="big.csv")
    assert outcome.source_encoding == "cp949"
    assert outcome.row_count == 200_000
    with duckdb.connect() as con:
        seen = con.execute(
            "SELECT count(DISTINCT 번호), max(번호::INTEGER), min(동), max(동), min(내용), max(내용) "
            f"FROM read_parquet('{tmp_path / 'big.parquet'}')"
        ).fetchone()
    line = text.splitlines()[1].split(",")[2]
    assert seen == (200_000, 199_999, "충장동", "충장동", line, line)
