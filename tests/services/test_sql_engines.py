"""One SQL suite on both query engines: DuckDB (in-process) and Spark (local mode).

Each engine gets a city of its own, built once (SQLite metadata: the engines see
only Parquet paths; both metadata databases are covered for Spark by one test below and for
DuckDB by test_sql_workspace.py). Spark's JVM starts once and is shared by every engine in
the process; the tests stay on one xdist worker.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hubcity.adapters.engines.sandbox import DuckSqlEngine
from hubcity.adapters.engines.spark import SparkSqlEngine
from hubcity.bootstrap import Services, bootstrap
from hubcity.domain.accounts import ANONYMOUS, SYSTEM, Actor
from hubcity.domain.query import BoundTable
from hubcity.errors import InvalidInput, PlatformError, QueryCancelled, QueryError, QueryTimeout
from hubcity.settings import QuerySettings, Settings
from tests.factories import make_city, make_dataset, upload
from tests.services.test_personal import write_people

pytestmark = pytest.mark.xdist_group("spark")

DONGS = ["충장동", "동명동", "계림1동", "산수1동", "지산1동"]
# C1 alone compiles Spark's start-up code in about half the time; the suite's queries are tiny
FAST_START = {"spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1", "spark.sql.shuffle.partitions": "2"}


def _csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@dataclass
class Lab:
    engine: str
    services: Services
    actors: dict[str, Actor]
    between: datetime  # after history.people@v1, before @v2

    def run(self, who: str, sql: str, **kw: Any) -> Any:
        return self.services.query.run(self.actors[who], sql, **kw)

    def error(self, who: str, sql: str) -> PlatformError:
        with pytest.raises(PlatformError) as info:
            self.run(who, sql)
        return info.value


@dataclass
class Labs:
    made: dict[str, Lab]
    jvm: subprocess.Popen[bytes] | None = None


@pytest.fixture(scope="session")
def labs() -> Iterator[Labs]:
    """Each engine's city, built when a test first asks for it. Session-scoped: xdist may run
    other modules' tests between these, which would end (and rebuild) module-scoped ones.
    Closing them, the last engine lets go of Spark, which ends the JVM."""
    labs = Labs({})
    yield labs
    for lab in labs.made.values():
        lab.services.close()
    if labs.jvm is not None:
        assert labs.jvm.wait(timeout=60) is not None, "closing the last engine did not end the JVM"


@pytest.fixture(scope="session")
def spark_jvm(labs: Labs, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSqlEngine]:
    """Starts Spark once; the engines the tests bootstrap share it."""
    from pyspark import SparkContext

    engine = SparkSqlEngine(master="local[2]", temp_dir=tmp_path_factory.mktemp("spark"), conf=FAST_START)
    engine.run("SELECT 1 AS x", [], max_rows=1, timeout_s=300)
    labs.jvm = SparkContext._gateway.proc
    yield engine
    engine.close()


def _settings(tmp: Path, db_url: str, engine: str) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp / "var",
        database_url=db_url,
        secret_key="test-secret-key-0123456789",  # type: ignore[arg-type]
        query=QuerySettings(engine=engine),
    )


def _build_city(services: Services, tmp: Path) -> tuple[dict[str, Actor], datetime]:
    """Population (internal), complaints (restricted, transport), history (public, two versions)."""
    actors: dict[str, Actor] = {**make_city(services)["actors"], "anonymous": ANONYMOUS}
    make_dataset(services, name="dong-population", title="행정동별 인구", visibility="internal")
    make_dataset(
        services, name="complaints", title="교통 민원", owner_org="transport", visibility="restricted"
    )
    make_dataset(services, name="history", title="인구 이력", visibility="public")
    pop = _csv(tmp / "pop.csv", "행정동,인구수", [f"{d},{1000 * (i + 1)}" for i, d in enumerate(DONGS)])
    upload(services, SYSTEM, "dong-population", pop, copy_to=tmp / "u1" / "pop.csv", resource="people")
    comp = _csv(
        tmp / "c.csv",
        "행정동,민원수,접수일,비밀메모",
        [f"{d},{i + 1},2024-0{i + 1}-15,메모{i}" for i, d in enumerate(DONGS)],
    )
    upload(services, SYSTEM, "complaints", comp, copy_to=tmp / "u2" / "c.csv", resource="by_dong")
    upload(services, SYSTEM, "history", pop, copy_to=tmp / "u3" / "pop.csv", resource="people")
    between = datetime.now(UTC)
    time.sleep(0.05)
    newer = _csv(tmp / "pop2.csv", "행정동,인구수", [f"{d},1" for d in DONGS])
    upload(services, SYSTEM, "history", newer, copy_to=tmp / "u4" / "p.csv", resource="people")
    make_dataset(services, name="numbers", title="수열", visibility="internal")
    numbers = _csv(tmp / "n.csv", "n", [str(i) for i in range(NUMBERS)])
    upload(services, SYSTEM, "numbers", numbers, copy_to=tmp / "u5" / "n.csv", resource="n")
    return actors, between


@pytest.fixture(params=["duckdb", "spark"])
def lab(request: pytest.FixtureRequest, labs: Labs, tmp_path_factory: pytest.TempPathFactory) -> Lab:
    name = request.param
    if name not in labs.made:
        if name == "spark":
            request.getfixturevalue("spark_jvm")
        tmp = tmp_path_factory.mktemp(f"sql-{name}")
        services = bootstrap(_settings(tmp, f"sqlite:///{tmp / 'meta.sqlite3'}", name), immediate=True)
        services.migrate()
        actors, between = _build_city(services, tmp)
        labs.made[name] = Lab(name, services, actors, between)
    return labs.made[name]


# -- the same answers -------------------------------------------------------------------------------
def test_the_setting_chooses_the_engine(lab: Lab) -> None:
    expected = SparkSqlEngine if lab.engine == "spark" else DuckSqlEngine
    assert isinstance(lab.services.query.engine, expected)


def test_a_join_across_two_departments(lab: Lab) -> None:
    sql = """
        SELECT p.행정동, p.인구수, c.민원수, round(c.민원수 * 1000.0 / p.인구수, 3) AS 천명당
        FROM "dong-population".people p JOIN complaints.by_dong c USING (행정동)
        ORDER BY p.인구수 DESC
    """
    result = lab.run("admin", sql)
    assert [c["name"] for c in result.columns] == ["행정동", "인구수", "민원수", "천명당"]
    assert [c["type"] for c in result.columns[:3]] == ["VARCHAR", "BIGINT", "BIGINT"]
    assert result.rows[0] == {"행정동": "지산1동", "인구수": 5000, "민원수": 5, "천명당": 1.0}
    assert [r["천명당"] for r in result.rows] == [1.0, 1.0, 1.0, 1.0, 1.0]
    assert len(result.rows) == 5 and not result.truncated
    assert sorted(result.tables) == ["complaints.by_dong@v1", "dong-population.people@v1"]


def test_aggregates_ctes_windows_and_dates(lab: Lab) -> None:
    sql = """
        WITH 큰동 AS (SELECT 행정동, 인구수 FROM "dong-population".people WHERE 인구수 >= 2000)
        SELECT count(*) AS n, sum(인구수) AS total, min(인구수) AS lo, max(인구수) AS hi,
               avg(인구수) AS mean
        FROM 큰동
    """
    assert lab.run("member", sql).rows == [{"n": 4, "total": 14000, "lo": 2000, "hi": 5000, "mean": 3500.0}]
    ranked = lab.run(
        "admin",
        "SELECT 행정동, row_number() OVER (ORDER BY 민원수 DESC) AS 순위, 접수일 "
        "FROM complaints.by_dong WHERE 행정동 LIKE '%1동' AND 접수일 >= DATE '2024-03-01' ORDER BY 순위",
    )
    assert ranked.rows == [
        {"행정동": "지산1동", "순위": 1, "접수일": "2024-05-15"},
        {"행정동": "산수1동", "순위": 2, "접수일": "2024-04-15"},
        {"행정동": "계림1동", "순위": 3, "접수일": "2024-03-15"},
    ]
    assert ranked.columns[2]["type"] == "DATE"
    grouped = lab.run(
        "admin",
        "SELECT CASE WHEN 민원수 > 2 THEN '많음' ELSE '적음' END AS 구분, count(*) AS n "
        "FROM complaints.by_dong GROUP BY 1 HAVING count(*) > 1 ORDER BY n DESC",
    )
    assert grouped.rows == [{"구분": "많음", "n": 3}, {"구분": "적음", "n": 2}]


def test_strings_mean_the_same_on_both(lab: Lab) -> None:
    # DuckDB reads no escapes in '…'; Spark would, so the Spark text doubles each backslash.
    # The second string holds what would be a call if a backslash escaped its quote.
    sql = (
        "SELECT 'a\\' AS x, ' AS y, reflect(''java.lang.System'', ''getProperty'', ''user.home'') --' AS y, "
        "'it''s' AS z, '%\\_%' AS w /* a comment /*+ nested */ */"
    )
    assert lab.run("member", sql).rows == [
        {
            "x": "a\\",
            "y": " AS y, reflect('java.lang.System', 'getProperty', 'user.home') --",
            "z": "it's",
            "w": "%\\_%",
        }
    ]


def test_no_variables_are_substituted(lab: Lab) -> None:
    # Spark would put the server's environment, system properties and settings in their place
    sql = "SELECT '${env:PATH}' AS e, '${system:user.home}' AS s, '${spark.app.name}' AS c"
    assert lab.run("member", sql).rows == [
        {"e": "${env:PATH}", "s": "${system:user.home}", "c": "${spark.app.name}"}
    ]


def test_the_dialect_differences_readme_names(lab: Lab) -> None:
    result = lab.run("member", 'SELECT count(*), sum(인구수) AS total FROM "dong-population".people')
    spark = lab.engine == "spark"
    assert [c["name"] for c in result.columns] == ["count(1)" if spark else "count_star()", "total"]
    assert result.columns[1]["type"] == ("BIGINT" if spark else "HUGEINT")
    divide = 'SELECT 인구수 / (인구수 - 1000) AS x FROM "dong-population".people ORDER BY 인구수 LIMIT 1'
    if spark:  # ANSI mode: an error, found when the row is reached
        error = lab.error("member", divide)
        assert isinstance(error, QueryError) and "DIVIDE_BY_ZERO" in error.message_en
        assert lab.run("member", divide.replace("인구수 / (", "try_divide(인구수, ")).rows == [{"x": None}]
    else:  # a double division
        assert lab.run("member", divide).rows == [{"x": float("inf")}]


def test_pinned_versions_and_as_of(lab: Lab) -> None:
    total = "SELECT sum(인구수) AS n FROM history."
    assert lab.run("member", total + "people").rows == [{"n": 5}]
    assert lab.run("member", total + '"people@v1"').rows == [{"n": 15000}]
    assert lab.run("member", total + '"people@v2"').rows == [{"n": 5}]
    as_of = lab.run("member", total + f'"people@{lab.between.isoformat()}"')
    assert as_of.rows == [{"n": 15000}] and as_of.tables == ["history.people@v1"]
    both = lab.run(
        "member",
        'SELECT a.행정동, a.인구수 - b.인구수 AS 감소 FROM history."people@v1" a '
        'JOIN history."people@v2" b ON a.행정동 = b.행정동 ORDER BY 감소 DESC LIMIT 1',
    )
    assert both.rows == [{"행정동": "지산1동", "감소": 4999}]
    assert sorted(both.tables) == ["history.people@v1", "history.people@v2"]
    with pytest.raises(InvalidInput):
        lab.run("member", total + '"people@yesterday"')


def test_row_cap_truncates(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    result = lab.run("admin", 'SELECT * FROM "dong-population".people ORDER BY 인구수', max_rows=2)
    assert [r["인구수"] for r in result.rows] == [1000, 2000] and result.truncated
    exact = lab.run("admin", 'SELECT * FROM "dong-population".people', max_rows=5)
    assert len(exact.rows) == 5 and not exact.truncated
    monkeypatch.setattr(lab.services.query, "row_limit", 3)
    result = lab.run("admin", 'SELECT * FROM "dong-population".people', max_rows=100)
    assert len(result.rows) == 3 and result.truncated


def test_the_plan_names_the_users_tables(lab: Lab) -> None:
    plan = lab.services.query.explain(
        lab.actors["admin"], 'SELECT 행정동 FROM "dong-population".people WHERE 인구수 > 5'
    )
    if lab.engine == "duckdb":
        assert "READ_PARQUET" in plan.upper()
    else:  # Spark's plan shows the views and files it read under the names the user wrote
        assert "Scan parquet" in plan and "dong-population.people@v1" in plan
        assert "hub_" not in plan and "/lake/" not in plan


# -- time limit and cancel -------------------------------------------------------------------------
# Slow on both engines, and stoppable on Spark too: a Spark task notices that its job was cancelled
# only between input rows (column batches of 4096 when Parquet is read), so the work per batch is
# kept short; a cross join of small tables would keep Spark's cores busy long after it was stopped
NUMBERS = 200_000
SLOW = (
    "SELECT count(*) FROM numbers.n a, numbers.n b "
    "WHERE b.n < 50 AND md5(repeat(CAST(a.n + b.n AS STRING), 100)) < '0'"
)


def test_time_limit_stops_a_runaway_query(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lab.services.query, "timeout_s", 0.5)
    started = time.monotonic()
    with pytest.raises(QueryTimeout) as info:
        lab.run("member", SLOW)
    assert time.monotonic() - started < 10
    assert "시간 제한" in info.value.message and "time limit" in info.value.message_en
    # the engine still answers afterwards (with a limit a warm Spark query fits in on a busy machine)
    monkeypatch.setattr(lab.services.query, "timeout_s", 30.0)
    assert lab.run("member", 'SELECT count(*) AS n FROM "dong-population".people').rows == [{"n": 5}]


def test_a_running_query_can_be_cancelled(lab: Lab) -> None:
    caught: list[BaseException] = []

    def run() -> None:
        try:
            lab.run("member", SLOW, query_id="q-1")
        except BaseException as exc:  # noqa: BLE001
            caught.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 10
    while "q-1" not in lab.services.query._running and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # into the query's work, past the engine's set-up
    with pytest.raises(PlatformError):  # another user cannot stop it
        lab.services.query.cancel(lab.actors["other"], "q-1")
    lab.services.query.cancel(lab.actors["member"], "q-1")
    worker.join(15)
    assert not worker.is_alive()
    assert len(caught) == 1 and isinstance(caught[0], QueryCancelled)


def test_concurrent_users_see_only_their_own_tables(lab: Lab) -> None:
    jobs = {
        ("admin", "SELECT count(*) AS n FROM complaints.by_dong"): [{"n": 5}],
        ("member", 'SELECT max(인구수) AS n FROM "dong-population".people'): [{"n": 5000}],
        ("other", "SELECT sum(민원수) AS n FROM complaints.by_dong"): [{"n": 15}],
        ("member", "SELECT count(*) AS n FROM complaints.by_dong"): "does not exist",
    }
    answers: dict[tuple[str, str], Any] = {}

    def ask(key: tuple[str, str]) -> None:
        try:
            answers[key] = lab.run(*key).rows
        except QueryError as exc:
            answers[key] = "does not exist" if "does not exist" in exc.message_en else exc.message_en

    threads = [threading.Thread(target=ask, args=(key,)) for key in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert answers == jobs


# -- the sandbox -----------------------------------------------------------------------------------------
def test_a_table_without_a_grant_leaves_no_trace(lab: Lab) -> None:
    # the member (AI policy) reads internal data, not transport's restricted complaints
    assert lab.run("member", 'SELECT count(*) AS n FROM "dong-population".people').rows == [{"n": 5}]

    def said(sql: str, who: str = "member") -> str:
        error = lab.error(who, sql)
        assert isinstance(error, QueryError)
        return f"{error.message} {error.message_en}"

    hidden = said("SELECT * FROM complaints.by_dong")
    missing = said("SELECT * FROM zzzzzzzzzz.by_dong")  # same length, never existed
    assert "does not exist" in hidden
    assert hidden.replace("complaints", "X") == missing.replace("zzzzzzzzzz", "X")
    for sql in (
        "SELECT 행정동 FROM complaints.by_dong",
        "SELECT count(*) FROM complaints.by_dong",
        'SELECT * FROM complaints."by_dong@v1"',
        'SELECT * FROM "dong-population".people p JOIN complaints.by_dong c USING (행정동)',
    ):
        message = said(sql)  # the caller's own SQL may be echoed; nothing of the hidden table is
        assert "비밀메모" not in message and "민원수" not in message and "/lake/" not in message
    assert "does not exist" in said('SELECT * FROM "dong-population".people', "anonymous")


# what DuckDB's parser refuses (COPY, ATTACH, PRAGMA, INSERT …) test_sql_workspace.py covers one by
# one; here the ways out that Spark has, and a few of the shared ones
ESCAPES = [
    # files: table functions, SQL on files, other catalogues
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM range(10)",
    'SELECT * FROM parquet."/etc/passwd"',
    "SELECT * FROM parquet.`/etc/passwd`",
    "SELECT * FROM text.`/etc/hostname`",
    "SELECT (SELECT count(*) FROM json.`/etc/hostname`) AS n",
    "SELECT * FROM IDENTIFIER('complaints.by_dong')",
    'SELECT input_file_name() FROM "dong-population".people',
    "SELECT * FROM global_temp.x",
    "SELECT * FROM hubcity_meta.datasets",
    # the JVM, however it is spelled
    "SELECT reflect('java.lang.System', 'getProperty', 'user.home')",
    "SELECT java_method('java.lang.System', 'getProperty', 'user.home')",
    "SELECT try_reflect('java.lang.System', 'getProperty', 'user.home')",
    "SELECT system.builtin.reflect('java.lang.System', 'getProperty', 'user.home')",
    "SELECT \"JAVA_METHOD\" /* a comment */ ('java.lang.System', 'getProperty', 'user.home')",
    "SELECT IDENTIFIER('reflect')('java.lang.System', 'getProperty', 'user.home')",
    "SELECT 1 AS a,\u3000reflect('java.lang.System', 'getProperty', 'user.home') AS b",
    "SELECT 1 AS x -- a comment Spark would carry on \\\n, reflect('java.lang.Thread', 'sleep', 1)",
    "SELECT TRANSFORM(인구수) USING 'cat /etc/passwd' AS (x) FROM \"dong-population\".people",
    # statements and settings
    "SELECT 1 AS x; SELECT reflect('java.lang.System', 'getProperty', 'user.home')",
    "SET spark.sql.runSQLOnFiles = true",
    "CREATE TEMPORARY VIEW x AS SELECT * FROM complaints.by_dong",
    "CREATE FUNCTION f AS 'java.lang.String'",
    "ADD JAR '/tmp/hubcity-escape.jar'",
    "EXECUTE IMMEDIATE 'SELECT 1'",
    "BEGIN SELECT 1; END",
    "COPY (SELECT 1) TO '/tmp/hubcity-escape.csv'",
    'SELECT 1; DROP VIEW "dong-population".people',
]


@pytest.mark.parametrize("sql", ESCAPES)
def test_the_sandbox_has_no_way_out(lab: Lab, sql: str) -> None:
    error = lab.error("member", sql)
    assert isinstance(error, QueryError | InvalidInput)
    assert error.message and error.message_en
    for text in (error.message, error.message_en):
        assert "root:" not in text and "/root" not in text and "hub_" not in text
    assert not Path("/tmp/hubcity-escape.csv").exists()
    assert not Path("/tmp/hubcity-escape.duckdb").exists()
    # and nothing changed for the next query
    assert lab.run("member", 'SELECT count(*) AS n FROM "dong-population".people').rows == [{"n": 5}]


def test_syntax_errors_point_at_the_line(lab: Lab) -> None:
    error = lab.error("member", "SELECT 1\nFROM\nWHERE x")
    assert "3행" in error.message and "line 3" in error.message_en


def test_a_view_shows_only_its_columns(lab: Lab, tmp_path: Path) -> None:
    """The engine itself: a bound table shows the columns it was given and no other."""
    people = lab.services.query.bind(lab.actors["admin"], "SELECT * FROM complaints.by_dong")[0]
    narrow = BoundTable("c", "t", people.path, ("행정동", "민원수"), "complaints.by_dong@v1")
    engine = lab.services.query.engine
    result = engine.run("SELECT * FROM c.t ORDER BY 민원수 LIMIT 1", [narrow], max_rows=10, timeout_s=60)
    assert result.rows == [{"행정동": "충장동", "민원수": 1}]
    with pytest.raises(QueryError) as info:
        engine.run("SELECT 비밀메모 FROM c.t", [narrow], max_rows=10, timeout_s=60)
    assert "메모0" not in info.value.message


def test_sealed_identifiers_are_clear_on_duckdb_and_refused_on_spark(lab: Lab, tmp_path: Path) -> None:
    make_dataset(
        lab.services,
        name=f"welfare-{lab.engine}",
        visibility="restricted",
        legal_basis="긴급복지지원법 제13조(자료의 제공)",
    )
    src = write_people(tmp_path / "people.csv", rows=10)
    job = upload(
        lab.services, lab.actors["editor"], f"welfare-{lab.engine}", src, copy_to=tmp_path / "u" / "p.csv"
    )
    assert job.state == "succeeded", job.error
    sql = f'SELECT 주민번호 FROM "welfare-{lab.engine}".people LIMIT 3'
    if lab.engine == "duckdb":
        assert not any(str(r["주민번호"]).startswith("enc1:") for r in lab.run("editor", sql).rows)
    else:  # Spark would show the ciphertext
        error = lab.error("editor", sql)
        assert isinstance(error, QueryError) and "주민번호" in error.message and "Spark" in error.message_en


# -- Spark only ------------------------------------------------------------------------------------------
def test_spark_drops_the_jvm_functions_from_every_session(spark_jvm: SparkSqlEngine) -> None:
    """Behind the text check: even SQL that skipped it could not call reflect in a query's session."""
    from hubcity.adapters.engines.spark import _RUNTIME

    root = spark_jvm._spark()
    session = root.newSession()
    _RUNTIME.disarm(session)
    for name in ("reflect", "java_method", "try_reflect", "input_file_name"):
        assert not session.catalog.functionExists(name)
        with pytest.raises(Exception, match="UNRESOLVED_ROUTINE"):
            session.sql(f"SELECT {name}('java.lang.System', 'getProperty', 'user.home')").collect()
    assert root.newSession().catalog.functionExists("reflect")  # each session has a registry of its own


def test_spark_on_both_metadata_databases_and_lazy_start(
    settings: Settings, tmp_path: Path, spark_jvm: SparkSqlEngine
) -> None:
    """Bootstrapping does not start Spark (the first query does); closing lets go of it."""
    from hubcity.adapters.engines import spark

    users_before = spark._RUNTIME.users
    services = bootstrap(settings.model_copy(update={"query": QuerySettings(engine="spark")}), immediate=True)
    try:
        services.migrate()
        assert isinstance(services.query.engine, SparkSqlEngine)
        assert spark._RUNTIME.users == users_before  # nothing started yet
        make_city(services)
        make_dataset(services, name="dong-population", visibility="public")
        pop = _csv(
            tmp_path / "pop.csv", "행정동,인구수", [f"{d},{1000 * (i + 1)}" for i, d in enumerate(DONGS)]
        )
        upload(
            services, SYSTEM, "dong-population", pop, copy_to=tmp_path / "u" / "pop.csv", resource="people"
        )
        result = services.query.run(ANONYMOUS, 'SELECT sum(인구수) AS n FROM "dong-population".people')
        assert result.rows == [{"n": 15000}] and result.tables == ["dong-population.people@v1"]
        assert spark._RUNTIME.users == users_before + 1
    finally:
        services.close()
    assert spark._RUNTIME.users == users_before
