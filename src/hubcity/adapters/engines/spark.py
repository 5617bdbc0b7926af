"""Read-only SQL on Apache Spark (PySpark), in a sandbox.

The same SQL the DuckDB sandbox takes, checked by the same parser
(:meth:`DuckSqlEngine.tables_of`: one SELECT, no table functions), then run on
Spark over the same Parquet files. On top of DuckDB's rules, for Spark:

- functions that reach the JVM or the lake's file paths (``reflect``,
  ``java_method``, ``try_reflect``, ``input_file_name`` …) are refused, and they
  are also dropped from the session's function registry, so they would not
  resolve even if they got through;
- Spark gets a text rebuilt from DuckDB's tokens (:func:`spark_text`): comments
  left out (so a hint, ``/*+ … */``, never reaches Spark), backslashes in strings
  doubled (Spark reads them as escapes, DuckDB as characters), bare names that
  are not ASCII (``행정동``) double-quoted (Spark takes only ASCII letters in
  them); strings other than ``'…'`` and ``X'…'``, backslashes in names and
  ``USING '…'`` (Spark's script transformation) are refused. Spark thus reads
  the same tokens DuckDB checked.

Each query runs in a session of its own (``SparkSession.newSession``: its own
temporary views, functions and SQL configuration, one SparkContext for all):
every table it may read becomes a temporary view with a random name over
``read.parquet(path).select(columns)``, and the SQL's table names are rewritten
onto those views; a name that was not bound stays as written and does not exist.
SQL on files is off (no ``parquet.`/etc/passwd```), so are variable
substitution (``'${env:HUBCITY_SECRET_KEY}'``) and SQL scripting, and ANSI mode
reads double quotes as identifiers. One watchdog thread interrupts
a session's jobs at its time limit or when the caller cancels; at most
``max_rows`` rows come back.

Unique-identifier columns sealed in the lake (see :mod:`.sealing`) are decrypted
only by DuckDB's scan; a table that shows one is refused here rather than shown
as ciphertext.

The JVM starts on the first query. A process has one SparkContext, shared by
the engines in it and stopped (with its JVM) when the last one closes.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from hubcity.adapters.engines.duckdb import _jsonable
from hubcity.adapters.engines.pinning import DuckSqlRewriter
from hubcity.adapters.engines.sandbox import DuckSqlEngine, _unique
from hubcity.adapters.engines.sealing import sealed_columns
from hubcity.domain.query import BoundTable, QueryResult, TableRef
from hubcity.errors import QueryCancelled, QueryError, QueryTimeout

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

__all__ = ["BLOCKED_FUNCTIONS", "SparkSqlEngine"]

# functions that call Java methods by name, reveal the lake's file paths, or read a file named in
# their arguments (the Protobuf descriptor, an Avro schema URL); plus IDENTIFIER('…'), which names
# a table or function by a string the check could not see
BLOCKED_FUNCTIONS = frozenset(
    {
        "reflect",
        "java_method",
        "try_reflect",
        "input_file_name",
        "input_file_block_start",
        "input_file_block_length",
        "from_protobuf",
        "to_protobuf",
        "from_avro",
        "to_avro",
        "schema_of_avro",
        "identifier",
    }
)
_DROPPED = sorted(BLOCKED_FUNCTIONS - {"identifier"})
_PROBED = ("reflect", "java_method", "input_file_name")  # in every Spark 4 release
_SCHEMA_CACHE = 4096  # files whose Spark schema an engine keeps
_STOP_WAIT_S = 20.0  # for Spark to stop cleanly, before its JVM is ended

_SESSION_CONF = {
    # ${env:…}, ${system:…} and ${spark.…} in a query's text would be replaced before parsing,
    # inside strings too: the server's environment (its keys) and settings
    "spark.sql.variable.substitute": "false",
    "spark.sql.runSQLOnFiles": "false",
    "spark.sql.ansi.enabled": "true",
    "spark.sql.ansi.doubleQuotedIdentifiers": "true",
    "spark.sql.scripting.enabled": "false",
}
_CONTEXT_CONF = {
    "spark.app.name": "hubcity-sql",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.catalogImplementation": "in-memory",
}
_LOCAL_CONF = {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}

_TYPES = {
    "string": "VARCHAR",
    "bigint": "BIGINT",
    "int": "INTEGER",
    "smallint": "SMALLINT",
    "tinyint": "TINYINT",
    "double": "DOUBLE",
    "float": "FLOAT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
    "timestamp_ntz": "TIMESTAMP",
    "binary": "BLOB",
    "void": "NULL",
}
_CONDITION = re.compile(r"\[[A-Z][A-Z0-9_.]*\][^\n]*")
_SQLSTATE = re.compile(r"\s*SQLSTATE: \w+.*$")


def _sql_error(text: str) -> QueryError:
    return QueryError(f"SQL 오류: {text}", f"SQL error: {text}")


@dataclass(frozen=True)
class _Token:
    start: int  # byte offsets in the UTF-8 text
    end: int
    text: str
    kind: str  # identifier, keyword, string_const, numeric_const, operator, comment


def _tokens(sql: str) -> list[_Token]:
    raw = sql.encode("utf-8")
    found = duckdb.tokenize(sql)
    out = []
    for i, (start, kind) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else len(raw)
        # only ASCII blanks separate DuckDB's tokens: any other character belongs to a name
        text = raw[start:end].decode("utf-8").rstrip(" \t\n\r\f\v")
        out.append(_Token(start, start + len(text.encode("utf-8")), text, kind.name))
    return out


def _bare(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] and name[0] in '"`':
        q = name[0]
        return name[1:-1].replace(q + q, q)
    return name


def spark_text(sql: str) -> str:
    """The text Spark runs for SQL that DuckDB's parser admitted, rebuilt from DuckDB's tokens.

    Comments are left out (so hints, ``/*+ … */``, never reach Spark's parser), backslashes in
    strings are doubled (Spark reads them as escapes, DuckDB as characters), bare names that are
    not ASCII are double-quoted (Spark's lexer takes only ASCII letters in them), and whatever
    Spark would still read differently is refused. Spark then sees DuckDB's tokens, so the
    function names checked here are the ones Spark calls."""
    raw = sql.encode("utf-8")
    tokens = _tokens(sql)
    code = [t for t in tokens if t.kind != "comment"]
    for here, after in zip(code, code[1:], strict=False):
        if here.kind == "keyword" and here.text.upper() == "USING" and after.kind == "string_const":
            raise QueryError(
                "스크립트 변환(TRANSFORM … USING '…')은 쓸 수 없습니다.",
                "Script transforms (TRANSFORM … USING '…') are not allowed.",
            )
        if here.kind in ("identifier", "keyword") and after.text == "(":
            name = _bare(here.text).lower()
            if name in BLOCKED_FUNCTIONS:
                raise QueryError(f"{name} 함수는 쓸 수 없습니다.", f"The function {name} is not allowed.")
    for t in reversed(tokens):
        text = t.text
        if t.kind == "comment":
            text = " "
        elif t.kind == "string_const":
            if len(text) >= 2 and text[0] == text[-1] == "'":
                text = text.replace("\\", "\\\\")
            elif not (text[:2] in ("X'", "x'") and text[-1] == "'" and "\\" not in text):
                raise QueryError(
                    "Spark 엔진에서는 작은따옴표 문자열('…')과 X'…'만 쓸 수 있습니다.",
                    "On the Spark engine strings are written '…' (or X'…' for bytes).",
                )
        elif t.kind == "identifier":
            if "\\" in text:
                raise QueryError(
                    "Spark 엔진에서는 이름에 역슬래시(\\)를 쓸 수 없습니다.",
                    "On the Spark engine a name may not contain a backslash (\\).",
                )
            if not text.isascii() and text[0] not in '"`':
                # one name to DuckDB, so one name to Spark too (whose lexer would also split it at
                # a Unicode space such as U+3000)
                if '"' in text:
                    raise QueryError("이름을 해석하지 못했습니다.", "A name could not be read.")
                text = f'"{text}"'
        if text != t.text:
            raw = raw[: t.start] + text.encode("utf-8") + raw[t.end :]
    return raw.decode("utf-8")


def type_name(spark_type: str) -> str:
    """A Spark type (``simpleString``) in DuckDB's words, which the rest of hubcity reads."""
    if spark_type in _TYPES:
        return _TYPES[spark_type]
    if spark_type.startswith("array<") and spark_type.endswith(">"):
        return type_name(spark_type[6:-1]) + "[]"
    return spark_type.upper()


# -- the process's one SparkContext ------------------------------------------------------------
class _Runtime:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0
        self.master: str | None = None
        self.root: SparkSession | None = None
        self.keys: list[Any] = []  # registry keys of the blocked functions, in this version's form

    def acquire(self, master: str, conf: Mapping[str, str]) -> SparkSession:
        with self.lock:
            if self.root is None:
                root = _start(master, conf)
                try:
                    self.keys = _registry_keys(root)
                except Exception:
                    _stop(root)
                    raise
                self.root, self.master = root, master
            elif master != self.master:
                raise RuntimeError(
                    f"Spark already runs in this process with master {self.master!r}; "
                    f"a second master ({master!r}) needs a process of its own"
                )
            self.users += 1
            return self.root

    def release(self) -> None:
        with self.lock:
            self.users -= 1
            if self.users > 0 or self.root is None:
                return
            root, self.root, self.master, self.keys = self.root, None, None, []
            _stop(root)

    def disarm(self, session: SparkSession) -> None:
        """Drop the blocked functions from a session's own registry (a copy of the built-in one)."""
        _drop(session, self.keys)


_RUNTIME = _Runtime()


def _start(master: str, conf: Mapping[str, str]) -> SparkSession:
    from pyspark import SparkConf
    from pyspark.logger import PySparkLogger
    from pyspark.sql import SparkSession

    spark_conf = SparkConf().setMaster(master)
    local = master.startswith("local")
    for key, value in {**_CONTEXT_CONF, **_SESSION_CONF, **(_LOCAL_CONF if local else {}), **conf}.items():
        spark_conf.set(key, value)
    root = SparkSession.builder.config(conf=spark_conf).getOrCreate()
    # a user's SQL error goes back to the user; PySpark would also log each one with its stack
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)
    return root


def _drop(session: SparkSession, keys: list[Any]) -> None:
    registry = session._jsparkSession.sessionState().functionRegistry()
    for key in keys:
        registry.dropFunction(key)


def _registry_keys(root: SparkSession) -> list[Any]:
    """Spark 4.1+ keys a built-in function as system.builtin.<name>, Spark 4.0 by its bare name:
    find the form that drops a function in this version, and prove it on a fresh session."""
    jvm = root._jvm
    assert jvm is not None
    ident, some = jvm.org.apache.spark.sql.catalyst.FunctionIdentifier, jvm.scala.Some
    forms: list[Callable[[str], Any]] = [
        lambda name: ident.apply(name, some.apply("builtin"), some.apply("system")),
        lambda name: ident.apply(name),
    ]
    for form in forms:
        session = root.newSession()
        try:
            keys = [form(name) for name in _DROPPED]
            _drop(session, keys)
        except Exception:  # noqa: BLE001 - a key form this version refuses
            continue
        if not any(session.catalog.functionExists(n) for n in _PROBED):
            return keys
    raise RuntimeError("this Spark version keeps reflect and java_method after they were dropped")


def _stop(root: SparkSession) -> None:
    """Stop the SparkContext, then its JVM (PySpark would keep the JVM until Python exits).

    A task notices that its job was cancelled only between input rows (between column batches
    when Parquet is read vectorized), so a cancelled runaway join can still be running and hold
    ``stop`` up: after a while the JVM is ended without waiting for it."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    gateway = SparkContext._gateway
    proc: subprocess.Popen[bytes] | None = getattr(gateway, "proc", None)
    stopper = threading.Thread(target=root.stop, name="spark-stop", daemon=True)
    stopper.start()
    stopper.join(_STOP_WAIT_S)
    if gateway is None or proc is None:
        return  # a JVM that PySpark did not start (spark-submit) is not ours to end
    if stopper.is_alive():
        proc.kill()
    else:
        gateway.shutdown()
        if proc.stdin is not None:
            proc.stdin.close()  # the gateway exits when its stdin closes
    try:
        proc.wait(timeout=_STOP_WAIT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    SparkContext._gateway = None
    SparkContext._jvm = None
    SparkContext._active_spark_context = None
    SparkSession._instantiatedSession = None
    SparkSession._activeSession = None


# -- the watchdog ----------------------------------------------------------------------------------
@dataclass
class _Watch:
    session: SparkSession
    deadline: float
    cancel: threading.Event | None
    reason: list[str] = field(default_factory=list)


class _Watchdog:
    """One thread for every running query: interrupts a session past its time or when cancelled."""

    def __init__(self) -> None:
        self._watches: dict[int, _Watch] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def watch(
        self, session: SparkSession, timeout_s: float, cancel: threading.Event | None
    ) -> Iterator[_Watch]:
        entry = _Watch(session, time.perf_counter() + timeout_s, cancel)
        with self._lock:
            if self._thread is None:
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="spark-sql-watchdog", daemon=True)
                self._thread.start()
            self._watches[id(entry)] = entry
        try:
            yield entry
        finally:
            with self._lock:
                self._watches.pop(id(entry), None)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            with self._lock:
                entries = list(self._watches.values())
            now = time.perf_counter()
            for entry in entries:
                if not entry.reason:
                    if now > entry.deadline:
                        entry.reason.append("timeout")
                    elif entry.cancel is not None and entry.cancel.is_set():
                        entry.reason.append("cancelled")
                if entry.reason:  # again on every tick: a job may start after the first interrupt
                    try:
                        entry.session.interruptAll()
                    except Exception:  # noqa: BLE001, S110 - the query ended meanwhile
                        pass

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()


# -- the engine --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Prepared:
    sql: str  # the text Spark runs
    views: dict[str, BoundTable]  # view name -> table
    shown: dict[str, str]  # view names and paths -> what the user wrote, for messages


class SparkSqlEngine:
    """The SQL sandbox on Spark: DuckDB's checks, then one Spark session per query."""

    def __init__(
        self, *, master: str = "local[2]", temp_dir: Path | None = None, conf: Mapping[str, str] | None = None
    ) -> None:
        if importlib.util.find_spec("pyspark") is None:
            raise RuntimeError("the spark query engine needs PySpark: pip install 'hubcity[spark]'")
        self.master = master
        self.conf = dict(conf or {})
        # the in-memory catalogue keeps no tables, but Spark makes its folder (else in the cwd)
        warehouse = (temp_dir or Path(tempfile.gettempdir()) / "hubcity-spark") / "warehouse"
        self.conf.setdefault("spark.sql.warehouse.dir", str(warehouse))
        self._duck = DuckSqlEngine(threads=1)  # parses only
        self._rewriter = DuckSqlRewriter()
        self._watchdog = _Watchdog()
        self._root: SparkSession | None = None
        self._schemas: dict[tuple[str, int, int], StructType] = {}
        self._lock = threading.Lock()
        self._closed = False

    def _spark(self) -> SparkSession:
        with self._lock:
            if self._closed:
                raise RuntimeError("the Spark query engine is closed")
            if self._root is None:
                self._root = _RUNTIME.acquire(self.master, self.conf)
            return self._root

    def close(self) -> None:
        """Let go of Spark (the last engine in the process stops it and its JVM)."""
        with self._lock:
            self._closed = True
            root, self._root = self._root, None
        self._watchdog.close()
        if root is not None:
            _RUNTIME.release()
        self._duck.close()
        self._rewriter.close()

    # -- parsing -----------------------------------------------------------------------------
    def tables_of(self, sql: str) -> list[TableRef]:
        """The tables a SELECT names; DuckDB's rules first, then Spark's own."""
        refs = self._duck.tables_of(sql)
        spark_text(sql)
        return refs

    def _prepare(self, sql: str, tables: list[BoundTable]) -> _Prepared:
        refs = self.tables_of(sql)
        by_name = {(t.schema, t.name): t for t in tables}
        token = uuid.uuid4().hex[:16]
        names: dict[TableRef, TableRef] = {}
        views: dict[str, BoundTable] = {}
        shown: dict[str, str] = {}
        for ref in refs:
            table = None if ref.catalog else by_name.get((ref.schema or "main", ref.name))
            if table is None:
                continue  # not the caller's to read, a CTE, or no table at all: Spark will not find it
            view = f"hub_{token}_{len(views)}"
            names[ref] = TableRef(None, None, view)
            views[view] = table
            shown[view] = str(ref)
            path = str(Path(table.path).resolve())
            shown.update({f"file://{path}": table.label, f"file:{path}": table.label, path: table.label})
        text = self._rewriter.rename_tables(sql, names) if names else sql
        return _Prepared(spark_text(text), views, shown)

    # -- running -----------------------------------------------------------------------------
    def _read(self, session: SparkSession, path: Path) -> DataFrame:
        """A version's file; Spark infers its schema with a job of its own, so that is done once
        per file (a version's file never changes)."""
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
        schema = self._schemas.get(key)
        frame = (session.read if schema is None else session.read.schema(schema)).parquet(_uri(path))
        if schema is None:
            with self._lock:
                if len(self._schemas) >= _SCHEMA_CACHE:
                    self._schemas.clear()
                self._schemas[key] = frame.schema
        return frame

    @contextmanager
    def _session(self, prepared: _Prepared) -> Iterator[SparkSession]:
        session = self._spark().newSession()
        try:
            for key, value in _SESSION_CONF.items():
                session.conf.set(key, value)
            _RUNTIME.disarm(session)
            for view, table in prepared.views.items():
                _refuse_sealed(table)
                frame = self._read(session, Path(table.path))
                if table.columns:
                    frame = frame.select(*("`" + c.replace("`", "``") + "`" for c in table.columns))
                frame.createOrReplaceTempView(view)
            yield session
        except Exception as exc:
            if not _from_spark(exc):
                raise
            raise _spark_error(exc, prepared.shown) from exc
        finally:
            for view in prepared.views:
                try:
                    session.catalog.dropTempView(view)
                except Exception:  # noqa: BLE001, S110 - the session goes away with it
                    pass

    def run(
        self,
        sql: str,
        tables: list[BoundTable],
        *,
        max_rows: int,
        timeout_s: float,
        cancel: threading.Event | None = None,
    ) -> QueryResult:
        started = time.perf_counter()
        prepared = self._prepare(sql, tables)
        with self._session(prepared) as session, self._watchdog.watch(session, timeout_s, cancel) as watch:
            try:
                frame = session.sql(prepared.sql)
                if watch.reason:
                    raise RuntimeError("stopped before it ran")
                fields = [(f.name, type_name(f.dataType.simpleString())) for f in frame.schema.fields]
                table = frame.limit(max_rows + 1).toArrow()
            except Exception as exc:
                if watch.reason and watch.reason[0] == "timeout":
                    raise QueryTimeout(
                        f"쿼리가 시간 제한({timeout_s:g}초)을 넘어 중단했습니다.",
                        f"The query ran past its time limit ({timeout_s:g} s) and was stopped.",
                    ) from exc
                if watch.reason:
                    raise QueryCancelled("쿼리를 취소했습니다.", "The query was cancelled.") from exc
                raise
        names = _unique([name for name, _ in fields])
        columns = [{"name": n, "type": t} for n, (_, t) in zip(names, fields, strict=True)]
        values = [[_jsonable(v) for v in column.to_pylist()] for column in table.columns]
        truncated = table.num_rows > max_rows
        rows = [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)][:max_rows]
        return QueryResult(
            columns=columns,
            rows=rows,
            truncated=truncated,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    def explain(self, sql: str, tables: list[BoundTable]) -> str:
        """Spark's physical plan of the query (``EXPLAIN FORMATTED``), with the user's table names."""
        prepared = self._prepare(sql, tables)
        with self._session(prepared) as session:
            plan = str(session.sql(f"EXPLAIN FORMATTED {prepared.sql}").collect()[0][0])
        return _shown(plan, prepared.shown)


def _refuse_sealed(table: BoundTable) -> None:
    """Unique-identifier columns are encrypted in the lake and only DuckDB's scan decrypts them:
    Spark would show their ciphertext, so a table that shows one is refused, naming it."""
    sealed = [c for c in sealed_columns(Path(table.path)) if not table.columns or c in table.columns]
    if sealed:
        names = ", ".join(sealed)
        raise QueryError(
            f"{table.label}의 암호화된 고유식별정보 열({names})은 Spark 엔진에서 읽을 수 없습니다. "
            "DuckDB 엔진을 쓰세요.",
            f"The encrypted unique-identifier columns of {table.label} ({names}) cannot be read on "
            "the Spark engine; use the DuckDB engine.",
        )


def _uri(path: Path) -> str:
    """A file URI Spark reads as one file: Hadoop globs []{}*? and takes a backslash as escape."""
    text = str(Path(path).resolve())
    return "file://" + re.sub(r"([\\\[\]{}*?])", r"\\\1", text)


def _shown(text: str, shown: dict[str, str]) -> str:
    for internal, user in sorted(shown.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(internal, user)
    return text


def _from_spark(exc: Exception) -> bool:
    """A failure of the query in Spark (or of a file it reads), not of this code."""
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException

    return isinstance(exc, PySparkException | Py4JError | FileNotFoundError)


def _spark_error(exc: Exception, shown: dict[str, str]) -> QueryError:
    """A Spark failure as a QueryError: its condition and first line, in the user's names."""
    from pyspark.errors import PySparkException

    if isinstance(exc, PySparkException) and exc.getCondition() == "TABLE_OR_VIEW_NOT_FOUND":
        name = str((exc.getMessageParameters() or {}).get("relationName", "")).replace("`", "")
        name = _shown(name, shown)
        return QueryError(
            f"SQL 오류: {name} 테이블이 없습니다.", f"SQL error: Table with name {name} does not exist."
        )
    java = getattr(exc, "java_exception", None)
    text = str(java.getMessage()) if java is not None else str(exc)
    found = _CONDITION.search(text)
    line = found.group(0) if found else (text.strip().splitlines() or [type(exc).__name__])[0]
    return _sql_error(_shown(_SQLSTATE.sub("", line).strip(), shown))
