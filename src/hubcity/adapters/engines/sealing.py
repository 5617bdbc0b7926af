"""Encryption at rest of unique-identifier columns (주민등록번호, 외국인등록번호, 여권번호, 운전면허번호).

PIPA asks that the four unique identifiers be stored encrypted. When the personal-data scan at
ingest finds such a column, the version's Parquet file holds each of its values as
``enc2:<key id>:`` + base64(nonce ‖ AES-256-GCM ciphertext) and names the sealed columns (and the
key) in its key-value metadata (``hubcity.sealed``, ``hubcity.sealed_key``); the original file it
came in is sealed whole, in 1 MiB AES-GCM chunks (the last one marked, so a cut file does not
decrypt), behind a header that names the key (``HCSEAL2``).

Keys come from a :class:`Keyring` (several keys, one current; see :mod:`hubcity.adapters.keys`
for where it is kept): sealing always uses the current key, unsealing picks the key a value or a
file names. Values and files written before key ids existed (``enc1:``, ``HCSEAL1``) are read
with the keyring's legacy key — the one every installation derived from its secret or lake key.

Readers never see the ciphertext: :func:`source_sql` gives every DuckDB surface the same scan
with ``hubcity_unseal`` applied to those columns, and :meth:`ColumnSealer.register` puts that
function on a connection. Keys live in Python closures, never in SQL text or a setting a query
can read. Which columns of a file are sealed is read from its footer once per file state.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from duckdb.func import PythonUDFType

__all__ = [
    "LEGACY",
    "SEAL",
    "UNSEAL",
    "ColumnSealer",
    "Keyring",
    "LakeKey",
    "key_id",
    "lake_key",
    "sealed_columns",
    "source_sql",
]

PREFIX = "enc1:"  # values sealed before key ids: the legacy key
PREFIX2 = "enc2:"  # enc2:<key id>:<base64>
META_KEY = b"hubcity.sealed"
META_KEY_ID = b"hubcity.sealed_key"
SEAL = "hubcity_seal"
UNSEAL = "hubcity_unseal"
_RESEAL = "hubcity_reseal"  # only on the private connection of a rotation
LEGACY = "enc1"  # what :meth:`ColumnSealer.key_ids` names the legacy key by when the keyring lacks it
_MAGIC = b"HCSEAL1\n"
_MAGIC2 = b"HCSEAL2\n"
_CHUNK = 1 << 20
_NONCE = 12
_CACHE = 4096

_sealed_cache: dict[tuple[str, int, int], tuple[str, ...]] = {}
_cache_lock = threading.Lock()


def lake_key(secret_key: str, explicit: str | None) -> bytes:
    """The legacy AES-256 key: derived from the lake key when set, else from the secret key."""
    base = explicit if explicit else secret_key
    return hmac.new(base.encode("utf-8"), b"hubcity lake sealing", hashlib.sha256).digest()


def key_id(material: bytes) -> str:
    """A key's id: 12 hex digits of a one-way hash keyed by the key itself (safe to show)."""
    return hmac.new(material, b"hubcity key id", hashlib.sha256).hexdigest()[:12]


@dataclass(frozen=True)
class LakeKey:
    """One AES-256 key of the lake. ``legacy``: the key installations derived before the key store,
    which reads ``enc1:`` values and ``HCSEAL1`` files."""

    id: str
    created: datetime
    material: bytes = field(repr=False)
    legacy: bool = False

    @classmethod
    def of(cls, material: bytes, *, legacy: bool = False, created: datetime | None = None) -> LakeKey:
        if len(material) != 32:
            raise ValueError("a lake key must be 32 bytes")
        return cls(key_id(material), created or datetime.now(UTC), material, legacy)


@dataclass(frozen=True)
class Keyring:
    """The lake's keys, by id, and which one seals."""

    keys: tuple[LakeKey, ...]
    current: str

    def __post_init__(self) -> None:
        if self.get(self.current) is None:
            raise ValueError(f"the current key {self.current} is not in the keyring")

    @classmethod
    def single(cls, material: bytes) -> Keyring:
        """One key, current and legacy (what a sealer of one fixed key was before keyrings)."""
        key = LakeKey.of(material, legacy=True)
        return cls((key,), key.id)

    def get(self, kid: str) -> LakeKey | None:
        return next((k for k in self.keys if k.id == kid), None)

    @property
    def current_key(self) -> LakeKey:
        key = self.get(self.current)
        assert key is not None
        return key

    @property
    def legacy(self) -> LakeKey | None:
        return next((k for k in self.keys if k.legacy), None)


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


def _missing(kid: str) -> ValueError:
    if kid == LEGACY:
        return ValueError(
            "암호화된 값이 이전 방식(enc1)의 키로 잠겨 있는데 그 키가 키링에 없습니다: "
            "`hubcity keys status`로 확인하세요. / A sealed value uses the legacy key (enc1), which is "
            "not in the lake keyring: see `hubcity keys status`."
        )
    return ValueError(
        f"암호화된 값의 키 {kid}가 레이크 키링(HUBCITY_KEYS_DIR의 lake.keys)에 없습니다. "
        f"/ A sealed value names key {kid}, which is not in the lake keyring (lake.keys in HUBCITY_KEYS_DIR)."
    )


def _fsync_replace(tmp: Path, dest: Path) -> None:
    """Make ``tmp`` durable, then put it in ``dest``'s place in one rename (readers see old or new)."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, dest)
    try:
        dir_fd = os.open(dest.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass  # some file systems do not sync directories
    finally:
        os.close(dir_fd)


class ColumnSealer:
    """Seals and unseals values, column files and whole files with the keys of a keyring.

    ``keys`` is one key (bytes: current and legacy at once), a :class:`Keyring`, or a function that
    returns the keyring as it is now (asked once per batch of values or per file, so a keyring
    changed by ``hubcity keys rotate`` in another process is picked up).
    """

    def __init__(self, keys: bytes | Keyring | Callable[[], Keyring]) -> None:
        if isinstance(keys, bytes):
            if len(keys) != 32:
                raise ValueError("the sealing key must be 32 bytes")
            keys = Keyring.single(keys)
        if isinstance(keys, Keyring):
            ring = keys
            self._source: Callable[[], Keyring] = lambda: ring
        else:
            self._source = keys
        self._aeads: dict[str, AESGCM] = {}

    def keyring(self) -> Keyring:
        return self._source()

    def _aead(self, key: LakeKey) -> AESGCM:
        aead = self._aeads.get(key.id)
        if aead is None:
            aead = self._aeads[key.id] = AESGCM(key.material)
        return aead

    def _key(self, ring: Keyring, kid: str) -> LakeKey:
        key = ring.legacy if kid == LEGACY else ring.get(kid)
        if key is None:
            ring = self.keyring()  # a key added since: look once more
            key = ring.legacy if kid == LEGACY else ring.get(kid)
        if key is None:
            raise _missing(kid)
        return key

    # -- values ------------------------------------------------------------------------------
    def _sealing(self, key: LakeKey) -> Callable[[str], str]:
        """Seals one value with ``key`` (made once per batch: the per-value work is the cipher's)."""
        aead, head = self._aead(key), f"{PREFIX2}{key.id}:"
        encode, random = base64.urlsafe_b64encode, os.urandom

        def seal(text: str) -> str:
            nonce = random(_NONCE)
            return head + encode(nonce + aead.encrypt(nonce, text.encode("utf-8"), None)).decode("ascii")

        return seal

    def _unsealing(self, ring: Keyring) -> Callable[[str], str]:
        """Unseals one value with the key it names in ``ring`` (keys looked up once per batch)."""
        aeads: dict[str, AESGCM] = {}
        decode = base64.urlsafe_b64decode

        def unseal(text: str) -> str:
            if text.startswith(PREFIX2):
                kid, _, body = text[len(PREFIX2) :].partition(":")
            elif text.startswith(PREFIX):
                kid, body = LEGACY, text[len(PREFIX) :]
            else:
                return text  # a value written before sealing, or by a reader's own transformation
            aead = aeads.get(kid)
            if aead is None:
                aead = aeads[kid] = self._aead(self._key(ring, kid))
            try:
                raw = decode(body)
                return aead.decrypt(raw[:_NONCE], raw[_NONCE:], None).decode("utf-8")
            except (InvalidTag, ValueError) as exc:
                raise ValueError(
                    f"암호화된 열 값을 키 {kid}로 풀 수 없습니다: 값이 손상되었거나 키가 바뀌었습니다 "
                    "(HUBCITY_LAKE_KEY, lake.keys). "
                    f"/ A sealed column value cannot be decrypted with key {kid}: the value is damaged "
                    "or the key changed (HUBCITY_LAKE_KEY, lake.keys)."
                ) from exc

        return unseal

    def seal_value(self, text: str, key: LakeKey | None = None) -> str:
        return self._sealing(key or self.keyring().current_key)(text)

    def unseal_value(self, text: str, ring: Keyring | None = None) -> str:
        return self._unsealing(ring or self.keyring())(text)

    def _batch(self, make: Callable[[Keyring], Callable[[str], str]]) -> Callable[[Any], pa.Array]:
        def apply(values: Any) -> pa.Array:
            fn = make(self.keyring())  # once per batch: a stat of the key file, no more
            return pa.array([None if v is None else fn(v) for v in values.to_pylist()], pa.string())

        return apply

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        """Put ``hubcity_seal`` (current key) and ``hubcity_unseal`` (any key of the keyring, by the
        id each value names) on a connection (vectorised, over Arrow)."""
        self._register(con, None)

    def _register(self, con: duckdb.DuckDBPyConnection, key: LakeKey | None) -> None:
        def sealing(ring: Keyring) -> Callable[[str], str]:
            return self._sealing(key or ring.current_key)

        def resealing(ring: Keyring) -> Callable[[str], str]:
            seal, unseal = sealing(ring), self._unsealing(ring)
            return lambda text: seal(unseal(text))

        functions = [(SEAL, sealing), (UNSEAL, self._unsealing)]
        if key is not None:  # a file rewrite's own connection
            functions.append((_RESEAL, resealing))
        for name, make in functions:
            con.create_function(name, self._batch(make), ["VARCHAR"], "VARCHAR", type=PythonUDFType.ARROW)

    # -- Parquet files -----------------------------------------------------------------------
    def seal_columns(self, path: Path, columns: list[str]) -> None:
        """Rewrite a Parquet file in place with ``columns`` sealed (as text) and named in its footer.

        Columns the file already keeps sealed stay sealed, once (re-sealed with the current key):
        a column found to hold identifiers after publication is added to those sealed at ingest."""
        already = list(sealed_columns(path))
        fresh = [c for c in columns if c not in already]
        if fresh:
            self._rewrite(path, already + fresh, self.keyring().current_key, fresh=fresh)

    def reseal_columns(self, path: Path, key: LakeKey | None = None) -> bool:
        """Rewrite a Parquet file's sealed columns with ``key`` (default: the current one), through a
        temporary file renamed over it; False when it has no sealed column."""
        sealed = list(sealed_columns(path))
        if not sealed:
            return False
        self._rewrite(path, sealed, key or self.keyring().current_key, fresh=())
        return True

    def _rewrite(self, path: Path, columns: list[str], key: LakeKey, *, fresh: Collection[str]) -> None:
        """Rewrite ``columns`` sealed with ``key``: those in ``fresh`` from clear values, the others
        from their sealed values (re-sealed)."""
        con = duckdb.connect(":memory:", config={"threads": 2})
        try:
            self._register(con, key)
            names = [
                str(r[0])
                for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({_lit(path)})").fetchall()
            ]
            wanted = [c for c in columns if c in names]

            def expr(c: str) -> str:
                if c not in wanted:
                    return _q(c)
                if c in fresh:
                    return f"{SEAL}(CAST({_q(c)} AS VARCHAR)) AS {_q(c)}"
                return f"{_RESEAL}({_q(c)}) AS {_q(c)}"

            exprs = ", ".join(expr(c) for c in names)
            meta = {
                **{k.decode(): v.decode() for k, v in _hubcity_meta(path).items()},
                META_KEY.decode(): json.dumps(wanted, ensure_ascii=False),
                META_KEY_ID.decode(): key.id,
            }
            kv = ", ".join(f"'{_sql_text(k)}': '{_sql_text(v)}'" for k, v in meta.items())
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
            try:
                con.execute(
                    f"COPY (SELECT {exprs} FROM read_parquet({_lit(path)})) TO {_lit(tmp)} "
                    f"(FORMAT parquet, KV_METADATA {{{kv}}})"
                )
                os.chmod(tmp, path.stat().st_mode & 0o777)
                _fsync_replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
        finally:
            con.close()

    def key_ids(self, path: Path) -> set[str]:
        """The ids of the keys a Parquet file's sealed values use (:data:`LEGACY` for ``enc1:``): from
        its footer when it names the key, else read from the values (view files)."""
        sealed = sealed_columns(path)
        if not sealed:
            return set()
        meta = pq.read_metadata(path).metadata or {}
        if META_KEY_ID in meta:
            return {meta[META_KEY_ID].decode()}
        parts = " UNION ".join(
            f"SELECT DISTINCT CASE WHEN starts_with({_q(c)}, '{PREFIX2}') "
            f"THEN split_part({_q(c)}, ':', 2) WHEN starts_with({_q(c)}, '{PREFIX}') THEN '{LEGACY}' END "
            f"FROM read_parquet({_lit(path)})"
            for c in sealed
        )
        con = duckdb.connect(":memory:", config={"threads": 2})
        try:
            return {str(r[0]) for r in con.execute(parts).fetchall() if r[0] is not None}
        finally:
            con.close()

    # -- whole files -------------------------------------------------------------------------
    def seal_file(self, src: Path, dest: Path) -> None:
        """Encrypt a whole file (an upload that holds unique identifiers) into ``dest``."""
        with src.open("rb") as fin, dest.open("wb") as fout:
            self._write_sealed(iter(lambda: fin.read(_CHUNK), b""), fout, self.keyring().current_key)

    def _write_sealed(self, chunks: Iterable[bytes], fout: BinaryIO, key: LakeKey) -> None:
        prefix = os.urandom(_NONCE - 4)
        kid = key.id.encode("ascii")
        fout.write(_MAGIC2 + len(kid).to_bytes(1, "big") + kid + prefix)
        aead = self._aead(key)
        it = iter(chunks)
        chunk = next(it, b"")
        n = 0
        while True:
            following = next(it, None)
            last = following is None
            sealed = aead.encrypt(prefix + n.to_bytes(4, "big"), chunk, b"last" if last else b"more")
            fout.write(len(sealed).to_bytes(4, "big") + sealed)
            if following is None:
                return
            chunk, n = following, n + 1

    def file_key_id(self, fin: BinaryIO) -> str:
        """The id of the key a sealed file names in its header (:data:`LEGACY` for ``HCSEAL1``)."""
        magic = fin.read(len(_MAGIC))
        if magic == _MAGIC:
            return LEGACY
        if magic != _MAGIC2:
            raise ValueError("not a sealed file")
        size = fin.read(1)
        kid = fin.read(size[0] if size else 0)
        if not size or len(kid) != size[0]:
            raise ValueError("sealed file: cut header")
        return kid.decode("ascii")

    def _plain_chunks(self, fin: BinaryIO) -> Iterator[bytes]:
        aead = self._aead(self._key(self.keyring(), self.file_key_id(fin)))
        prefix = fin.read(_NONCE - 4)
        n = 0
        while True:
            size = int.from_bytes(fin.read(4), "big")
            sealed = fin.read(size)
            nonce = prefix + n.to_bytes(4, "big")
            plain = _open(aead, nonce, sealed, b"more")
            last = plain is None
            if last:
                plain = _open(aead, nonce, sealed, b"last")
            if plain is None:
                raise ValueError(
                    "암호화된 원본 파일을 풀 수 없습니다(키가 바뀌었거나 파일이 손상됨). "
                    "/ The sealed original file cannot be decrypted (changed key or damaged file)."
                )
            yield plain
            if last:
                if fin.read(1):
                    raise ValueError("sealed file: data after its last chunk")
                return
            n += 1

    def unseal_stream(self, fin: BinaryIO, fout: BinaryIO) -> None:
        """Decrypt what :meth:`seal_file` wrote. A changed or cut file raises ``ValueError`` (what was
        written to ``fout`` before then is to be thrown away)."""
        for plain in self._plain_chunks(fin):
            fout.write(plain)

    def reseal_file(self, path: Path, key: LakeKey | None = None) -> None:
        """Re-encrypt a sealed file with ``key`` (default: the current one) into a temporary file beside
        it, checked to the end, then renamed over it: a reader sees the old file or the new one."""
        key = key or self.keyring().current_key
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            with path.open("rb") as fin, tmp.open("wb") as fout:
                self._write_sealed(self._plain_chunks(fin), fout, key)
            os.chmod(tmp, path.stat().st_mode & 0o777)
            _fsync_replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)


def _open(aead: AESGCM, nonce: bytes, sealed: bytes, tag: bytes) -> bytes | None:
    try:
        return aead.decrypt(nonce, sealed, tag)
    except InvalidTag:
        return None


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def _hubcity_meta(path: Path) -> dict[bytes, bytes]:
    """The footer's hubcity.* entries (kept when a file is rewritten)."""
    meta = pq.read_metadata(path).metadata or {}
    return {k: v for k, v in meta.items() if k.startswith(b"hubcity.")}
