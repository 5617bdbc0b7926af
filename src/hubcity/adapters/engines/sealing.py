"""Encryption at rest of unique-identifier columns (주민등록번호, 외국인등록번호, 여권번호, 운전면허번호).

PIPA asks that the four unique identifiers be stored encrypted. When the personal-data scan at
ingest finds such a column, the version's Parquet file holds each of its values as
``enc1:`` + base64(nonce ‖ AES-256-GCM ciphertext) and names the sealed columns in its
key-value metadata (``hubcity.sealed``); the original file it came in is sealed whole, in
1 MiB AES-GCM chunks (the last one marked, so a cut file does not decrypt).

Readers never see the ciphertext: :func:`source_sql` gives every DuckDB surface the same scan
with ``hubcity_unseal`` applied to those columns, and :meth:`ColumnSealer.register` puts that
function on a connection. The key lives in a Python closure, never in SQL text or a setting a
query can read. Which columns of a file are sealed is read from its footer once (a version's
file never changes).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from duckdb.func import PythonUDFType

__all__ = ["SEAL", "UNSEAL", "ColumnSealer", "lake_key", "sealed_columns", "source_sql"]

PREFIX = "enc1:"
META_KEY = b"hubcity.sealed"
SEAL = "hubcity_seal"
UNSEAL = "hubcity_unseal"
_MAGIC = b"HCSEAL1\n"
_CHUNK = 1 << 20
_NONCE = 12
_CACHE = 4096

_sealed_cache: dict[tuple[str, int, int], tuple[str, ...]] = {}
_cache_lock = threading.Lock()


def lake_key(secret_key: str, explicit: str | None) -> bytes:
    """The AES-256 key: derived from the lake key when set, else from the secret key."""
    base = explicit if explicit else secret_key
    return hmac.new(base.encode("utf-8"), b"hubcity lake sealing", hashlib.sha256).digest()


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def sealed_columns(path: Path) -> tuple[str, ...]:
    """The columns of a Parquet file that hold sealed values (none for most files)."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    found = _sealed_cache.get(key)
    if found is None:
        try:
            meta = pq.read_metadata(path).metadata or {}
        except (pa.ArrowException, OSError):
            meta = {}  # not a Parquet file DuckDB can't read either: let the query say so
        raw = meta.get(META_KEY)
        found = tuple(json.loads(raw)) if raw else ()
        with _cache_lock:
            if len(_sealed_cache) >= _CACHE:
                _sealed_cache.clear()
            _sealed_cache[key] = found
    return found


def source_sql(path: Path, *, row_number: bool = False) -> str:
    """The relation that reads a version's file, sealed columns decrypted (``hubcity_unseal`` must be
    registered on the connection that runs it)."""
    scan = f"read_parquet({_lit(path)}{', file_row_number = true' if row_number else ''})"
    sealed = sealed_columns(path)
    if not sealed:
        return scan
    replace = ", ".join(f"{UNSEAL}({_q(c)}) AS {_q(c)}" for c in sealed)
    return f"(SELECT * REPLACE ({replace}) FROM {scan})"


class ColumnSealer:
    """Seals and unseals values, column files and whole files with one AES-256-GCM key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the sealing key must be 32 bytes")
        self._aead = AESGCM(key)

    # -- values ------------------------------------------------------------------------------
    def seal_value(self, text: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, text.encode("utf-8"), None)
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def unseal_value(self, text: str) -> str:
        if not text.startswith(PREFIX):
            return text  # a value written before sealing, or by a reader's own transformation
        try:
            raw = base64.urlsafe_b64decode(text[len(PREFIX) :])
            return self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], None).decode("utf-8")
        except (InvalidTag, ValueError) as exc:
            raise ValueError(
                "암호화된 열 값을 풀 수 없습니다: HUBCITY_LAKE_KEY(또는 비밀 키)가 바뀌었는지 확인하세요. "
                "/ A sealed column value cannot be decrypted: check whether HUBCITY_LAKE_KEY "
                "(or the secret key) changed."
            ) from exc

    def _vector(self, fn: Callable[[str], str]) -> Callable[[Any], pa.Array]:
        def apply(values: Any) -> pa.Array:
            return pa.array([None if v is None else fn(v) for v in values.to_pylist()], pa.string())

        return apply

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        """Put ``hubcity_seal`` and ``hubcity_unseal`` on a connection (vectorised, over Arrow)."""
        for name, fn in ((SEAL, self.seal_value), (UNSEAL, self.unseal_value)):
            con.create_function(name, self._vector(fn), ["VARCHAR"], "VARCHAR", type=PythonUDFType.ARROW)

    # -- files -------------------------------------------------------------------------------
    def seal_columns(self, path: Path, columns: list[str]) -> None:
        """Rewrite a Parquet file in place with ``columns`` sealed (as text) and named in its footer."""
        if not columns:
            return
        con = duckdb.connect(":memory:", config={"threads": 2})
        try:
            self.register(con)
            names = [
                str(r[0])
                for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({_lit(path)})").fetchall()
            ]
            wanted = [c for c in columns if c in names]
            exprs = ", ".join(
                f"{SEAL}(CAST({_q(c)} AS VARCHAR)) AS {_q(c)}" if c in wanted else _q(c) for c in names
            )
            meta = json.dumps(wanted, ensure_ascii=False).replace("'", "''")
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
            try:
                con.execute(
                    f"COPY (SELECT {exprs} FROM read_parquet({_lit(path)})) TO {_lit(tmp)} "
                    f"(FORMAT parquet, KV_METADATA {{'hubcity.sealed': '{meta}'}})"
                )
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
        finally:
            con.close()

    def seal_file(self, src: Path, dest: Path) -> None:
        """Encrypt a whole file (an upload that holds unique identifiers) into ``dest``."""
        prefix = os.urandom(_NONCE - 4)
        with src.open("rb") as fin, dest.open("wb") as fout:
            fout.write(_MAGIC + prefix)
            chunk = fin.read(_CHUNK)
            n = 0
            while True:
                following = fin.read(_CHUNK)
                last = not following
                sealed = self._aead.encrypt(
                    prefix + n.to_bytes(4, "big"), chunk, b"last" if last else b"more"
                )
                fout.write(len(sealed).to_bytes(4, "big") + sealed)
                if last:
                    return
                chunk, n = following, n + 1

    def _open(self, nonce: bytes, sealed: bytes, tag: bytes) -> bytes | None:
        try:
            return self._aead.decrypt(nonce, sealed, tag)
        except InvalidTag:
            return None

    def unseal_stream(self, fin: BinaryIO, fout: BinaryIO) -> None:
        """Decrypt what :meth:`seal_file` wrote. A changed or cut file raises ``ValueError`` (what was
        written to ``fout`` before then is to be thrown away)."""
        head = fin.read(len(_MAGIC) + _NONCE - 4)
        if not head.startswith(_MAGIC):
            raise ValueError("not a sealed file")
        prefix = head[len(_MAGIC) :]
        n = 0
        while True:
            size = int.from_bytes(fin.read(4), "big")
            sealed = fin.read(size)
            nonce = prefix + n.to_bytes(4, "big")
            plain = self._open(nonce, sealed, b"more")
            last = plain is None
            if last:
                plain = self._open(nonce, sealed, b"last")
            if plain is None:
                raise ValueError(
                    "암호화된 원본 파일을 풀 수 없습니다(키가 바뀌었거나 파일이 손상됨). "
                    "/ The sealed original file cannot be decrypted (changed key or damaged file)."
                )
            fout.write(plain)
            if last:
                if fin.read(1):
                    raise ValueError("sealed file: data after its last chunk")
                return
            n += 1
