"""Views of a version as files: the columns a reader may see, the rows their grant keeps, transformed.

A view is written once per (version, view) as a Parquet file beside the others and read by every
surface exactly like a version — the rows API, aggregates, exports and the SQL sandbox never see
the columns or rows it leaves out, and the pseudonymisation key never enters a query engine a
user can reach: it lives in a Python function registered on a private connection while the file
is written.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import threading
import uuid
from pathlib import Path
from typing import Any

import duckdb
from duckdb.func import FunctionNullHandling

from hubcity.adapters.engines.duckdb import _source, _where
from hubcity.adapters.engines.sealing import SEAL, ColumnSealer, sealed_columns
from hubcity.domain.grants import Transform, ViewSpec
from hubcity.domain.places import DONGS, GUS
from hubcity.errors import FieldError, InvalidInput

__all__ = ["DuckViewMaker", "pseudonym"]

_INTEGER = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def pseudonym(key: bytes, value: str) -> str:
    """The keyed hash (HMAC-SHA256) of a value, as 20 hex digits: equal values, equal pseudonyms."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:20]


def _gu_case(col: str) -> str:
    """행정동 name, 10-digit 행정동 code or an address naming a 구 → the 구; anything else → NULL."""
    names: dict[str, set[str]] = {}
    for d in DONGS:
        names.setdefault(d.name, set()).add(d.gu)
    text = f"trim(CAST({col} AS VARCHAR))"
    whens = [f"WHEN {text} = {_lit(n)} THEN {_lit(next(iter(g)))}" for n, g in names.items() if len(g) == 1]
    whens += [f"WHEN left({text}, 5) = {_lit(g.code)} THEN {_lit(g.name)}" for g in GUS]
    gus = "|".join(sorted((g.name for g in GUS), key=len, reverse=True))
    whens.append(f"WHEN regexp_matches({text}, '({gus})') THEN regexp_extract({text}, '({gus})', 1)")
    return f"CASE {' '.join(whens)} ELSE NULL END"


def _expression(name: str, t: Transform | None, column_type: str) -> str:
    col = _q(name)
    if t is None:
        return col
    n = t.value or 0
    text = f"CAST({col} AS VARCHAR)"
    number = f"TRY_CAST({col} AS DOUBLE)"
    if t.kind == "pseudonym":
        return f"hubcity_pseudonym({text})"
    if t.kind == "mask":
        stars = f"repeat('*', greatest(length({text}) - {n}, 0))"
        return f"CASE WHEN {col} IS NULL THEN NULL ELSE left({text}, {n}) || {stars} END"
    if t.kind == "age_band":
        low = f"CAST(floor({number} / {n}) * {n} AS BIGINT)"
        band = f"CAST({low} AS VARCHAR) || '-' || CAST({low} + {n - 1} AS VARCHAR)"
        return f"CASE WHEN {number} IS NULL THEN NULL ELSE {band} END"
    if t.kind == "dong_to_gu":
        return _gu_case(col)
    if t.kind == "month":
        return f"strftime(TRY_CAST({col} AS DATE), '%Y-%m')"
    if t.kind == "round":
        rounded = f"round({number} / {n}) * {n}"
        return f"CAST({rounded} AS BIGINT)" if column_type.upper() in _INTEGER else rounded
    if t.kind == "suppress":
        return f"CASE WHEN {number} < {n} THEN NULL ELSE {col} END"
    raise ValueError(f"unknown transformation {t.kind}")


class DuckViewMaker:
    """Writes (and keeps) the view files under ``root``: ``g<grant>/<version id>-<signature>.parquet``."""

    def __init__(
        self, root: Path, *, threads: int = 2, memory_limit: str = "1GB", sealer: ColumnSealer | None = None
    ) -> None:
        self.root = root
        self.threads = threads
        self.memory_limit = memory_limit
        self.sealer = sealer  # a view keeps a sealed column it passes on untransformed sealed
        self._locks: dict[Path, threading.Lock] = {}
        self._rows: dict[Path, int] = {}
        self._lock = threading.Lock()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(":memory:", config={"threads": self.threads, "memory_limit": self.memory_limit})
        if self.sealer is not None:
            self.sealer.register(con)
        return con

    def path_of(self, version_id: int, spec: ViewSpec) -> Path:
        return self.root / f"g{spec.grant_id or 0}" / f"{version_id}-{spec.signature}.parquet"

    def make(self, source: Path, version_id: int, spec: ViewSpec, key: bytes) -> tuple[Path, int]:
        """The view's file (written when missing) and its row count."""
        out = self.path_of(version_id, spec)
        rows = self._rows.get(out)
        if rows is not None and out.exists():
            return out, rows  # a view file never changes once written: no connection needed
        with self._lock:
            lock = self._locks.setdefault(out, threading.Lock())
        with lock:
            con = self._connect()
            try:
                if not out.exists():
                    self._write(con, source, spec, key, out)
                row = con.execute(f"SELECT count(*) FROM read_parquet({_lit(str(out))})").fetchone()
            finally:
                con.close()
        rows = int(row[0]) if row else 0
        with self._lock:
            if len(self._rows) > 10_000:
                self._rows.clear()
            self._rows[out] = rows
        return out, rows

    def _write(
        self, con: duckdb.DuckDBPyConnection, source: Path, spec: ViewSpec, key: bytes, out: Path
    ) -> None:
        if any(t.kind == "pseudonym" for t in spec.transforms.values()):

            def keyed(value: str | None) -> str | None:
                return None if value is None else pseudonym(key, value)

            con.create_function(
                "hubcity_pseudonym", keyed, ["VARCHAR"], "VARCHAR", null_handling=FunctionNullHandling.SPECIAL
            )
        types = {
            str(r[0]): str(r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {_source(source)}").fetchall()
        }
        # transformations work on the clear values; a sealed column passed on as it is stays sealed
        sealed = [n for n in sealed_columns(source) if n in spec.columns and n not in spec.transforms]
        exprs = [
            f"{SEAL}(CAST({_q(name)} AS VARCHAR)) AS {_q(name)}"
            if name in sealed
            else f"{_expression(name, spec.transforms.get(name), types.get(name, ''))} AS {_q(name)}"
            for name in spec.columns
            if name in types
        ]
        meta = json.dumps(sealed, ensure_ascii=False).replace("'", "''")
        options = f", KV_METADATA {{'hubcity.sealed': '{meta}'}}" if sealed else ""
        if spec.impossible:
            where, params = " WHERE false", list[Any]()
        else:
            where, params, _ = _where(tuple(spec.filters), None, [])
        # an empty projection still needs a column for the file to hold its row count
        select = ", ".join(exprs) if exprs else 'NULL AS "-"'
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex}.tmp")
        try:
            con.execute(
                f"COPY (SELECT {select} FROM {_source(source)}{where}) "
                f"TO {_lit(str(tmp))} (FORMAT parquet{options})",
                params,
            )
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)

    def destroy(self, grant_id: int) -> int:
        """Delete every view file of one grant (its pseudonymised copies); returns how many."""
        folder = self.root / f"g{grant_id}"
        if not folder.is_dir():
            return 0
        files = list(folder.glob("*.parquet"))
        shutil.rmtree(folder, ignore_errors=True)
        with self._lock:
            for f in files:
                self._rows.pop(f, None)
                self._locks.pop(f, None)
        count = len(files)
        return count

    def forget_versions(self, version_ids: list[int]) -> int:
        """Delete every view file made from these versions (their data files were re-written);
        they are made again from the new files when next read. Returns how many."""
        if not self.root.is_dir():
            return 0
        count = 0
        for vid in version_ids:
            for f in self.root.glob(f"g*/{vid}-*.parquet"):
                with self._lock:
                    self._rows.pop(f, None)
                f.unlink(missing_ok=True)
                count += 1
        return count

    def count_rows(self, source: Path, spec: ViewSpec) -> int:
        """Rows the view's filter keeps, without writing anything (checks the filter's values too)."""
        where, params, _ = _where(tuple(spec.filters), None, [])
        con = self._connect()
        try:
            row = con.execute(f"SELECT count(*) FROM {_source(source)}{where}", params).fetchone()
        except duckdb.Error as exc:
            text = str(exc).strip().splitlines()[0]
            raise InvalidInput(
                f"행 조건의 값이 열의 형식과 맞지 않습니다: {text}",
                f"A row filter value does not fit its column's type: {text}",
                [FieldError("row_filter", text, text)],
            ) from exc
        finally:
            con.close()
        return int(row[0]) if row else 0
