"""The SQL workspace: joins across departments, pinned versions, and a sandbox with no way out."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hubcity.bootstrap import Services
from hubcity.domain.accounts import ANONYMOUS, SYSTEM, Actor
from hubcity.errors import InvalidInput, PlatformError, QueryCancelled, QueryError, QueryTimeout
from tests.factories import make_dataset, upload

DONGS = ["충장동", "동명동", "계림1동", "산수1동", "지산1동"]


def _csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def tables(services: Services, city: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """Population (internal, AI policy), complaints (restricted, transport), salaries (restricted, AI)."""
    make_dataset(services, name="dong-population", title="행정동별 인구", visibility="internal")
    make_dataset(
        services, name="complaints", title="교통 민원", owner_org="transport", visibility="restricted"
    )
    make_dataset(services, name="salaries", title="급여", visibility="restricted")
    pop = _csv(tmp_path / "pop.csv", "행정동,인구수", [f"{d},{1000 * (i + 1)}" for i, d in enumerate(DONGS)])
    upload(services, SYSTEM, "dong-population", pop, copy_to=tmp_path / "u1" / "pop.csv", resource="people")
    comp = _csv(
        tmp_path / "c.csv", "행정동,민원수,비밀메모", [f"{d},{i + 1},메모{i}" for i, d in enumerate(DONGS)]
    )
    upload(services, SYSTEM, "complaints", comp, copy_to=tmp_path / "u2" / "c.csv", resource="by_dong")
    sal = _csv(tmp_path / "s.csv", "이름,급여", ["김,100", "이,200"])
    upload(services, SYSTEM, "salaries", sal, copy_to=tmp_path / "u3" / "s.csv", resource="pay")
    return city


def _actor(city: dict[str, Any], name: str) -> Actor:
    actor: Actor = city["actors"][name]
    return actor


def test_analyst_joins_two_departments_tables(services: Services, tables: dict[str, Any]) -> None:
    sql = """
        SELECT p.행정동, p.인구수, c.민원수, round(c.민원수 * 1000.0 / p.인구수, 3) AS 천명당
        FROM "dong-population".people p JOIN complaints.by_dong c USING (행정동)
        ORDER BY p.인구수 DESC
    """
    result = services.query.run(_actor(tables, "admin"), sql)
    assert [c["name"] for c in result.columns] == ["행정동", "인구수", "민원수", "천명당"]
    assert result.rows[0] == {"행정동": "지산1동", "인구수": 5000, "민원수": 5, "천명당": 1.0}
    assert len(result.rows) == 5 and not result.truncated
    assert sorted(result.tables) == ["complaints.by_dong@v1", "dong-population.people@v1"]


def test_underscore_names_and_resource_ids(services: Services, tables: dict[str, Any]) -> None:
    admin = _actor(tables, "admin")
    rows = services.query.run(admin, "SELECT sum(인구수) AS n FROM dong_population.people").rows
    assert rows == [{"n": 15000}]
    _, resource, _ = services.resources.get_resource(admin, "dong-population", "people")
    rows = services.query.run(admin, f'SELECT count(*) AS n FROM "{resource.id}"').rows
    assert rows == [{"n": 5}]


def test_a_table_without_a_grant_leaves_no_trace(services: Services, tables: dict[str, Any]) -> None:
    member = _actor(tables, "member")  # AI policy staff: reads internal data, not transport's restricted
    assert services.query.run(member, 'SELECT count(*) AS n FROM "dong-population".people').rows == [{"n": 5}]

    def error_of(sql: str, actor: Actor = member) -> str:
        with pytest.raises(PlatformError) as info:
            services.query.run(actor, sql)
        return f"{info.value.message} {info.value.message_en}"

    hidden = error_of("SELECT * FROM complaints.by_dong")
    missing = error_of("SELECT * FROM zzzzzzzzzz.by_dong")  # a name of the same length that never existed
    assert hidden.replace("complaints", "X") == missing.replace("zzzzzzzzzz", "X")
    for sql in (
        "SELECT 행정동 FROM complaints.by_dong",
        "SELECT count(*) FROM complaints.by_dong",
        'SELECT * FROM complaints."by_dong@v1"',
        "SELECT * FROM complaints.by_dnog",
    ):
        message = error_of(sql)  # the caller's own SQL is echoed; nothing of the hidden table is
        assert "비밀메모" not in message and "민원수" not in message
    # nor through the schema browser, nor by id
    names = [t.name for t in services.query.tables(member)]
    assert "dong-population.people" in names and "complaints.by_dong" not in names
    assert "salaries.pay" in names  # restricted, but of the member's own organisation
    _, resource, _ = services.resources.get_resource(SYSTEM, "complaints", "by_dong")
    never = "9" * len(str(resource.id))  # an id of the same length that no resource has
    assert error_of(f'SELECT * FROM "{resource.id}"').replace(str(resource.id), "X") == error_of(
        f'SELECT * FROM "{never}"'
    ).replace(never, "X")
    # anonymous users see public tables only
    anon = [t.name for t in services.query.tables(ANONYMOUS)]
    assert anon == []
    assert "does not exist" in error_of('SELECT * FROM "dong-population".people', ANONYMOUS)


ESCAPES = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM glob('/*')",
    "SELECT * FROM (SELECT 1) t, LATERAL (SELECT * FROM read_blob('/etc/passwd'))",
    "SELECT (SELECT count(*) FROM read_parquet('/tmp/*.parquet'))",
    "SELECT * FROM query_table('complaints.by_dong')",
    "SELECT * FROM query('SELECT 1')",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "COPY (SELECT 1) TO '/tmp/hubcity-escape.csv'",
    "ATTACH '/tmp/hubcity-escape.duckdb' AS x",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "RESET allowed_paths",
    "PRAGMA version",
    "CREATE TABLE x AS SELECT 1",
    "CREATE VIEW complaints.by_dong AS SELECT 1",
    "INSERT INTO \"dong-population\".people VALUES ('x', 1)",
    'DROP VIEW "dong-population".people',
    'SELECT 1; DROP VIEW "dong-population".people',
    "EXPORT DATABASE '/tmp/hubcity-export'",
    "CALL pragma_version()",
    "SELECT * FROM services",  # a Python variable must not be scanned
    "SELECT * FROM hubcity_meta.datasets",
]


@pytest.mark.parametrize("sql", ESCAPES)
def test_the_sandbox_has_no_way_out(services: Services, tables: dict[str, Any], sql: str) -> None:
    member = _actor(tables, "member")
    with pytest.raises(PlatformError) as info:
        services.query.run(member, sql)
    assert isinstance(info.value, QueryError | InvalidInput)
    assert "root:" not in info.value.message
    assert not Path("/tmp/hubcity-escape.csv").exists()
    assert not Path("/tmp/hubcity-escape.duckdb").exists()
    # and nothing changed for the next query
    assert services.query.run(member, 'SELECT count(*) AS n FROM "dong-population".people').rows == [{"n": 5}]


def test_scalar_functions_cannot_reach_files_or_settings(services: Services, tables: dict[str, Any]) -> None:
    member = _actor(tables, "member")
    with pytest.raises(QueryError):
        services.query.run(member, "SELECT current_setting('enable_external_access') IS NULL AS x, * FROM x")
    setting = services.query.run(member, "SELECT current_setting('enable_external_access') AS v").rows
    assert setting == [{"v": False}]
    with pytest.raises(QueryError):  # a view over a file the caller was not given
        services.query.run(member, "SELECT * FROM read_parquet('/etc/passwd')")


def test_syntax_errors_point_at_the_line(services: Services, tables: dict[str, Any]) -> None:
    with pytest.raises(QueryError) as info:
        services.query.run(_actor(tables, "member"), "SELECT 1\nFROM\nWHERE x")
    assert "3행" in info.value.message and "line 3" in info.value.message_en


def test_row_cap_truncates(services: Services, tables: dict[str, Any]) -> None:
    admin = _actor(tables, "admin")
    result = services.query.run(admin, 'SELECT * FROM "dong-population".people', max_rows=2)
    assert len(result.rows) == 2 and result.truncated
    services.query.row_limit = 3
    result = services.query.run(admin, 'SELECT * FROM "dong-population".people', max_rows=100)
    assert len(result.rows) == 3 and result.truncated


SLOW = (
    'SELECT count(*) FROM "dong-population".people a, "dong-population".people b, '
    '"dong-population".people c, "dong-population".people d, "dong-population".people e, '
    '"dong-population".people f, "dong-population".people g, "dong-population".people h, '
    '"dong-population".people i, "dong-population".people j, "dong-population".people k, '
    '"dong-population".people l, "dong-population".people m, "dong-population".people n '
    "WHERE a.인구수 + b.인구수 + c.인구수 + d.인구수 + e.인구수 + f.인구수 + g.인구수 "
    "> h.인구수 + i.인구수 + j.인구수 + k.인구수 + l.인구수 + m.인구수 + n.인구수"
)


def test_time_limit_stops_a_runaway_query(services: Services, tables: dict[str, Any]) -> None:
    services.query.timeout_s = 0.5
    started = time.monotonic()
    with pytest.raises(QueryTimeout) as info:
        services.query.run(_actor(tables, "member"), SLOW)
    assert time.monotonic() - started < 10
    assert "시간 제한" in info.value.message


def test_a_running_query_can_be_cancelled(services: Services, tables: dict[str, Any]) -> None:
    member = _actor(tables, "member")
    caught: list[BaseException] = []

    def run() -> None:
        try:
            services.query.run(member, SLOW, query_id="q-1")
        except BaseException as exc:  # noqa: BLE001
            caught.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 10
    while "q-1" not in services.query._running and time.monotonic() < deadline:
        time.sleep(0.02)
    with pytest.raises(PlatformError):  # another user cannot stop it
        services.query.cancel(_actor(tables, "other"), "q-1")
    services.query.cancel(member, "q-1")
    worker.join(10)
    assert not worker.is_alive()
    assert len(caught) == 1 and isinstance(caught[0], QueryCancelled)


def test_pinned_versions_and_as_of(services: Services, tables: dict[str, Any], tmp_path: Path) -> None:
    admin = _actor(tables, "admin")
    between = datetime.now(UTC)
    time.sleep(0.05)
    newer = _csv(tmp_path / "pop2.csv", "행정동,인구수", [f"{d},1" for d in DONGS])
    upload(services, SYSTEM, "dong-population", newer, copy_to=tmp_path / "u4" / "p.csv", resource="people")
    total = 'SELECT sum(인구수) AS n FROM "dong-population".'
    assert services.query.run(admin, total + "people").rows == [{"n": 5}]
    assert services.query.run(admin, total + '"people@v1"').rows == [{"n": 15000}]
    assert services.query.run(admin, total + '"people@v2"').rows == [{"n": 5}]
    as_of = services.query.run(admin, total + f'"people@{between.isoformat()}"')
    assert as_of.rows == [{"n": 15000}] and as_of.tables == ["dong-population.people@v1"]
    with pytest.raises(InvalidInput):
        services.query.run(admin, total + '"people@yesterday"')
