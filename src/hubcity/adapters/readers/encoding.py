"""Text encodings: detected over the whole file, never from a sample.

UTF-8 is validated over every byte with an incremental decoder. A file that is
not UTF-8 is transcoded to a temporary UTF-8 file with CP949 (a superset of
EUC-KR), which validates it on the way; only when neither works is
charset-normalizer asked for a guess. The downstream CSV reader only ever sees
UTF-8.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hubcity.domain.ingest import ProgressFn
from hubcity.errors import IngestError

__all__ = ["TextFile", "likely_utf8", "prepare_text"]

_CHUNK = 1024 * 1024
_HEAD = 64 * 1024
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


class _DecodeFailed(Exception):
    def __init__(self, offset: int, line: int, at_end: bool, saw_multibyte: bool) -> None:
        super().__init__(offset)
        self.offset = offset
        self.line = line
        self.at_end = at_end
        self.saw_multibyte = saw_multibyte


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
    decoder = codecs.getincrementaldecoder(codec)("strict")
    done = 0
    lines = 0
    quotes = 0
    saw_multibyte = False
    sink = out.open("wb") if out is not None else None
    try:
        with src.open("rb") as f:
            while True:
                chunk = f.read(_CHUNK)
                final = not chunk
                pending = len(decoder.getstate()[0])
                try:
                    text = decoder.decode(chunk, final)
                except UnicodeDecodeError as exc:
                    offset = max(0, done - pending + exc.start)
                    local = max(0, exc.start - pending)
                    line = lines + chunk[:local].count(b"\n") + 1
                    raise _DecodeFailed(offset, line, final, saw_multibyte) from None
                if sink is not None:
                    sink.write(text.encode("utf-8"))
                if final:
                    break
                if not saw_multibyte and not chunk.isascii():
                    saw_multibyte = True
                done += len(chunk)
                lines += chunk.count(b"\n")
                quotes += chunk.count(b'"')
                if progress is not None:
                    progress(done, size, 0)
    finally:
        if sink is not None:
            sink.close()
    return quotes


def _decode_error(filename: str, codec: str, exc: _DecodeFailed) -> IngestError:
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
    """The source as UTF-8 text when its first 64 KB are UTF-8 (not yet checked over the whole file).

    Lets the CSV reader start while ``prepare_text`` validates the rest; None when
    the head already is not UTF-8 or another encoding was declared.
    """
    if declared and _canonical(declared, filename) not in ("utf-8", "utf_8_sig"):
        return None
    head = _head(src, filename)
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, False)
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
            except _DecodeFailed as exc:
                raise _decode_error(filename, "utf-8", exc) from None
            return TextFile(src, "utf-8-sig" if bom else "utf-8", size, quotes, False)
        try:
            path, quotes = _transcode(src, codec, work_dir, size, progress)
        except _DecodeFailed as exc:
            raise _decode_error(filename, codec, exc) from None
        return TextFile(path, codec.replace("_", "-"), size, quotes, True)

    try:
        quotes = _scan(src, "utf-8", None, size, progress)
        return TextFile(src, "utf-8-sig" if bom else "utf-8", size, quotes, False)
    except _DecodeFailed as exc:
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
    except _DecodeFailed as exc:
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
        except _DecodeFailed:
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
