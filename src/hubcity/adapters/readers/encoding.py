"""Text encodings: detected over the whole file, never from a sample.

UTF-8 is validated over every byte: by DuckDB as it reads the fields of a
file whose head is UTF-8 (``likely_utf8``), or here with an incremental decoder. A file that is
not UTF-8 is transcoded to a temporary UTF-8 file with CP949 (a superset of
EUC-KR), which validates it on the way; only when neither works is
charset-normalizer asked for a guess. The downstream CSV reader only ever sees
UTF-8.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hubcity.adapters.transcode import DecodeFailed, Scan, scan
from hubcity.domain.ingest import ProgressFn
from hubcity.errors import IngestError

__all__ = ["TextFile", "likely_utf8", "prepare_text"]

_CHUNK = 1024 * 1024
_COPY_CHUNK = 8 * 1024 * 1024
_SPLIT_BYTES = 16 * 1024 * 1024  # below this, a second process costs more than it saves
_SPLITTABLE = ("cp949", "utf-8")  # codecs in which a newline byte is always a newline
_HEAD = 64 * 1024
_UTF8_HEAD = 256 * 1024  # as much as the CSV reader samples for the dialect and the header
_BOM = codecs.BOM_UTF8
_ALIASES = {"euc_kr": "cp949", "ks_c_5601_1987": "cp949", "uhc": "cp949", "ms949": "cp949"}


@dataclass
class TextFile:
    """A text source ready for the CSV reader: UTF-8 bytes at ``path``."""

    path: Path  # the source itself (UTF-8) or a transcoded temporary
    encoding: str  # what the source was: "utf-8", "utf-8-sig", "cp949", ...
    size: int  # bytes of the source
    quote_count: int  # '"' bytes in the file (odd → a quote may be left open)
    temporary: bool

    def cleanup(self) -> None:
        if self.temporary:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()


def _canonical(name: str, filename: str) -> str:
    try:
        canon = codecs.lookup(name).name
    except LookupError:
        raise IngestError(
            f"알 수 없는 문자 인코딩입니다: {name}",
            f"Unknown text encoding: {name}",
            file=filename,
        ) from None
    canon = _ALIASES.get(canon.replace("-", "_"), canon)
    return "utf-8" if canon in ("utf_8", "utf-8") else canon


def _scan(src: Path, codec: str, out: Path | None, size: int, progress: ProgressFn | None) -> int:
    """Decode the whole file with ``codec`` (writing UTF-8 to ``out`` if given); the '"' count."""
    report = None if progress is None else (lambda done: progress(done, size, 0))
    return scan(src, codec, out, progress=report).quotes


def _transcode_split(src: Path, codec: str, out: Path, size: int, progress: ProgressFn | None) -> int:
    """As ``_scan`` into ``out``, the second half decoded by a child process at the same time.

    The halves meet after a newline byte, which in UTF-8 and CP949 is never part
    of a multi-byte character. Errors name the same byte and row as a single
    pass would. If the child cannot run, the parent decodes the second half too.
    """
    mid = _split_point(src, size)
    if mid is None:
        return _scan(src, codec, out, size, progress)
    second = out.with_name(out.name + ".2")
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hubcity.adapters.transcode",
            str(src),
            codec,
            str(second),
            str(mid),
            str(size),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        report = None if progress is None else (lambda done: progress(done * size // mid, size, 0))
        try:
            head = scan(src, codec, out, 0, mid, progress=report)
        except DecodeFailed:
            child.kill()
            raise
        answer, _ = child.communicate()
        try:
            outcome = json.loads(answer) if child.returncode == 0 else None
        except ValueError:
            outcome = None
        if outcome is None:
            tail = scan(src, codec, second, mid, size)
        elif "error" in outcome:
            e = outcome["error"]
            raise DecodeFailed(
                e["offset"], head.lines + e["line"], e["at_end"], head.multibyte or e["multibyte"]
            )
        else:
            tail = Scan(outcome["quotes"], outcome["lines"], outcome["multibyte"])
        with out.open("ab") as sink, second.open("rb") as part:
            shutil.copyfileobj(part, sink, _COPY_CHUNK)
        return head.quotes + tail.quotes
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        second.unlink(missing_ok=True)


def _split_point(src: Path, size: int) -> int | None:
    """The byte after the first newline past the middle of a large file; None for a small one."""
    if size < _SPLIT_BYTES:
        return None
    with src.open("rb") as f:
        f.seek(size // 2)
        window = f.read(_CHUNK)
    at = window.find(b"\n")
    if at < 0 or size // 2 + at + 1 >= size:
        return None
    return size // 2 + at + 1


def _decode_error(filename: str, codec: str, exc: DecodeFailed) -> IngestError:
    label = "UTF-8" if codec.startswith("utf") else codec.upper()
    return IngestError(
        f"{exc.line:,}번째 줄(바이트 {exc.offset:,})에서 {label}(으)로 읽을 수 없는 바이트가 있습니다. "
        "파일의 문자 인코딩을 확인하세요.",
        f"Row {exc.line:,} (byte {exc.offset:,}) has bytes that are not valid {label}. "
        "Check the file's text encoding.",
        file=filename,
        row=exc.line,
        byte_offset=exc.offset,
    )


def _not_text(filename: str, offset: int | None = None) -> IngestError:
    return IngestError(
        "텍스트 파일이 아닙니다(이진 데이터이거나 알 수 없는 인코딩). CSV는 UTF-8 또는 CP949로 저장하세요.",
        "Not a text file (binary data or an unknown encoding). Save CSV files as UTF-8 or CP949.",
        file=filename,
        byte_offset=offset,
    )


def _transcode(
    src: Path, codec: str, work_dir: Path, size: int, progress: ProgressFn | None
) -> tuple[Path, int]:
    fd, name = tempfile.mkstemp(prefix=".hubcity-utf8-", suffix=".csv", dir=work_dir)
    os.close(fd)
    tmp = Path(name)
    try:
        if codec in _SPLITTABLE:
            quotes = _transcode_split(src, codec, tmp, size, progress)
        else:
            quotes = _scan(src, codec, tmp, size, progress)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, quotes


def _head(src: Path, filename: str) -> bytes:
    """The first 64 KB, after refusing empty and binary (NUL-holding) files."""
    if src.stat().st_size == 0:
        raise IngestError("빈 파일입니다.", "The file is empty.", file=filename)
    with src.open("rb") as f:
        head = f.read(_HEAD)
    if not head.strip(b" \t\r\n" + _BOM):
        raise IngestError("빈 파일입니다(내용이 없습니다).", "The file is empty (no content).", file=filename)
    nul = head.find(b"\x00")
    if nul >= 0:
        raise _not_text(filename, nul)
    return head


def likely_utf8(src: Path, *, filename: str, declared: str | None) -> TextFile | None:
    """The source as UTF-8 text when its head (the first 256 KB) is UTF-8; the rest is not checked here.

    The head holds whatever the CSV reader skips without reading as fields (title
    rows, the header); DuckDB checks every field after it. None when the head
    is not UTF-8 or another encoding was declared.
    """
    if declared and _canonical(declared, filename) not in ("utf-8", "utf_8_sig"):
        return None
    head = _head(src, filename)
    with src.open("rb") as f:
        start = f.read(_UTF8_HEAD)
    if b"\x00" in start:
        return None  # prepare_text names the binary content
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(start, False)
    except UnicodeDecodeError:
        return None
    encoding = "utf-8-sig" if head.startswith(_BOM) else "utf-8"
    return TextFile(src, encoding, src.stat().st_size, 0, False)


def prepare_text(
    src: Path,
    *,
    filename: str,
    declared: str | None,
    work_dir: Path,
    progress: ProgressFn | None = None,
) -> TextFile:
    """Detect (or check the declared) encoding over the whole file; give back UTF-8."""
    size = src.stat().st_size
    head = _head(src, filename)
    bom = head.startswith(_BOM)

    if declared:
        codec = _canonical(declared, filename)
        if codec == "utf-8" or codec == "utf_8_sig":
            try:
                quotes = _scan(src, "utf-8", None, size, progress)
            except DecodeFailed as exc:
                raise _decode_error(filename, "utf-8", exc) from None
            return TextFile(src, "utf-8-sig" if bom else "utf-8", size, quotes, False)
        try:
            path, quotes = _transcode(src, codec, work_dir, size, progress)
        except DecodeFailed as exc:
            raise _decode_error(filename, codec, exc) from None
        return TextFile(path, codec.replace("_", "-"), size, quotes, True)

    try:
        quotes = _scan(src, "utf-8", None, size, progress)
        return TextFile(src, "utf-8-sig" if bom else "utf-8", size, quotes, False)
    except DecodeFailed as exc:
        if exc.at_end and exc.saw_multibyte:
            raise IngestError(
                f"파일이 글자 중간에서 잘렸습니다(바이트 {exc.offset:,}, {exc.line:,}번째 줄). "
                "파일이 끝까지 저장·전송되었는지 확인하세요.",
                f"The file ends in the middle of a character (byte {exc.offset:,}, row {exc.line:,}); "
                "it looks truncated.",
                file=filename,
                row=exc.line,
                byte_offset=exc.offset,
            ) from None
        utf8_failure = exc
    try:
        path, quotes = _transcode(src, "cp949", work_dir, size, progress)
        return TextFile(path, "cp949", size, quotes, True)
    except DecodeFailed as exc:
        if exc.at_end and exc.offset > utf8_failure.offset:
            raise IngestError(
                f"CP949 파일이 글자 중간에서 잘렸습니다(바이트 {exc.offset:,}, {exc.line:,}번째 줄).",
                f"The CP949 file ends in the middle of a character (byte {exc.offset:,}, "
                f"row {exc.line:,}); it looks truncated.",
                file=filename,
                row=exc.line,
                byte_offset=exc.offset,
            ) from None
        cp949_failure = exc
    guess = _guess(head)
    if guess is not None:
        try:
            path, quotes = _transcode(src, guess, work_dir, size, progress)
            return TextFile(path, guess.replace("_", "-"), size, quotes, True)
        except DecodeFailed:
            pass
    raise _not_text(filename, max(utf8_failure.offset, cp949_failure.offset))


def _guess(head: bytes) -> str | None:
    """charset-normalizer's guess, only when it is confident the bytes are text."""
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    if best is None or best.chaos > 0.1:
        return None
    try:
        return codecs.lookup(best.encoding).name
    except LookupError:
        return None
