"""Strict decoding of a byte range of a text file, written out as UTF-8.

The standard library only, so that a child process can run it cheaply
(``python -m hubcity.adapters.transcode SRC CODEC OUT START END``) and
decode one half of a large file while the parent decodes the other: Python's
codecs hold the interpreter lock, so two halves need two processes.
"""

from __future__ import annotations

import codecs
import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["DecodeFailed", "Scan", "scan"]

_CHUNK = 1024 * 1024


@dataclass
class Scan:
    quotes: int  # '"' bytes in the range
    lines: int  # '\n' bytes in the range
    multibyte: bool  # whether any byte was not ASCII


class DecodeFailed(Exception):
    """Bytes that are not valid in the codec: ``offset`` in the file, ``line`` 1-based within the range."""

    def __init__(self, offset: int, line: int, at_end: bool, saw_multibyte: bool) -> None:
        super().__init__(offset)
        self.offset = offset
        self.line = line
        self.at_end = at_end  # the bad bytes end the file (a character cut off)
        self.saw_multibyte = saw_multibyte


def scan(
    src: Path,
    codec: str,
    out: Path | None,
    start: int = 0,
    end: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Scan:
    """Decode ``src[start:end]`` with ``codec`` (writing UTF-8 to ``out`` if given).

    ``progress`` is called with the bytes done after each megabyte.
    """
    size = src.stat().st_size
    end = size if end is None else min(end, size)
    decoder = codecs.getincrementaldecoder(codec)("strict")
    done = 0
    lines = 0
    quotes = 0
    multibyte = False
    sink = out.open("wb") if out is not None else None
    try:
        with src.open("rb") as f:
            f.seek(start)
            while True:
                chunk = f.read(min(_CHUNK, end - start - done))
                final = not chunk
                pending = len(decoder.getstate()[0])
                try:
                    text = decoder.decode(chunk, final)
                except UnicodeDecodeError as exc:
                    local = max(0, exc.start - pending)
                    line = lines + chunk[:local].count(b"\n") + 1
                    offset = start + max(0, done - pending + exc.start)
                    raise DecodeFailed(offset, line, final and end == size, multibyte) from None
                if sink is not None:
                    sink.write(text.encode("utf-8"))
                if final:
                    break
                if not multibyte and not chunk.isascii():
                    multibyte = True
                done += len(chunk)
                lines += chunk.count(b"\n")
                quotes += chunk.count(b'"')
                if progress is not None:
                    progress(done)
    finally:
        if sink is not None:
            sink.close()
    return Scan(quotes, lines, multibyte)


def main(argv: list[str]) -> int:
    """Child process: scan one range and print the outcome as one JSON line."""
    src, codec, out, start, end = argv
    try:
        result = scan(Path(src), codec, Path(out), int(start), int(end))
    except DecodeFailed as exc:
        error = {"offset": exc.offset, "line": exc.line, "at_end": exc.at_end, "multibyte": exc.saw_multibyte}
        sys.stdout.write(json.dumps({"error": error}) + "\n")
        return 0
    sys.stdout.write(json.dumps(asdict(result)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
