"""The SQL sandbox reads a free-text column's LIKE through its text index, and answers as a scan.

Each query runs twice on the same DuckDB sandbox: as the workspace runs it (with the tables' text
indexes) and with the indexes taken off the bound tables, which is the plain scan. The two must
agree, and for the simple ones both must equal what Python finds in the CSV. Which table
references took the index is checked on the parse itself.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from hubcity.adapters.engines.indexed import index_uses
from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM, Actor
from tests.factories import make_dataset, upload
from tests.services.test_text_index import DEPTS, NEEDLES, complaints  # noqa: F401 - the fixture

TABLE = "complaints.log"


def _like(pattern: str, *, case: bool = True) -> re.Pattern[str]:
    body = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.compile(body, re.S if case else re.S | re.I)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@pytest.fixture
def depts(services: Services, complaints: list[list[str]], tmp_path: Path) -> dict[str, str]:  # noqa: F811
    """A second department's small table to join with: 처리부서 → 담당자 (no text index)."""
    make_dataset(services, name="depts", title="부서", owner_org="ai-policy", visibility="public")
    heads = {d: f"담당{i}" for i, d in enumerate(DEPTS[:3])}  # 북구청 환경과 has no row here
    csv = tmp_path / "d.csv"
    csv.write_text("처리부서,담당자\n" + "".join(f"{d},{h}\n" for d, h in heads.items()), encoding="utf-8")
    job = upload(services, SYSTEM, "depts", csv, copy_to=tmp_path / "u" / "d.csv", resource="heads")
    assert job.state == "succeeded", job.error
    return heads


def _both(services: Services, actor: Actor, sql: str) -> tuple[list[dict[str, Any]], int, int]:
    """(the workspace's rows, the table references that read an index, conditions answered whole);
    the plain scan's rows must be the same."""
    tables = services.query.bind(actor, sql)
    engine = services.query.engine
    uses = index_uses(sql, engine._tree(sql), tables, engine._tree)
    fast = services.query.run(actor, sql, max_rows=10_000).rows
    plain = engine.run(sql, [replace(t, text_index=()) for t in tables], max_rows=10_000, timeout_s=60).rows
    assert fast == plain, sql
    return fast, len(uses), sum(len(u.answered) for u in uses)


def test_like_and_ilike_in_sql_answer_as_a_scan(services: Services, complaints: list[list[str]]) -> None:  # noqa: F811
    for needle in [*NEEDLES, "%it's%", "%주차'%", "%'%"]:
        sql = f'SELECT "접수번호" FROM {TABLE} WHERE "민원내용" LIKE {_lit(needle)} ORDER BY 1'
        rows, used, answered = _both(services, SYSTEM, sql)
        assert [r["접수번호"] for r in rows] == sorted(
            r[0] for r in complaints if _like(needle).fullmatch(r[3])
        ), needle
        assert (used, answered) == (1, 1), needle
    for needle in ["%cctv%", "%PARKING%full%", "%주차%"]:
        sql = f'SELECT "접수번호" FROM {TABLE} WHERE "민원내용" ILIKE {_lit(needle)} ORDER BY 1'
        rows, used, _ = _both(services, SYSTEM, sql)
        assert [r["접수번호"] for r in rows] == sorted(
            r[0] for r in complaints if _like(needle, case=False).fullmatch(r[3])
        ), needle
        assert used == 1


def test_the_bench_query_top_departments(services: Services, complaints: list[list[str]]) -> None:  # noqa: F811
    sql = (
        f'SELECT "처리부서", count(*) AS "count" FROM {TABLE} WHERE "민원내용" LIKE \'%주차%\' '
        'GROUP BY "처리부서" ORDER BY "count" DESC, "처리부서" LIMIT 10'
    )
    rows, used, answered = _both(services, SYSTEM, sql)
    counts: dict[str, int] = {}
    for r in complaints:
        if "주차" in r[3]:
            counts[r[2]] = counts.get(r[2], 0) + 1
    assert [(r["처리부서"], r["count"]) for r in rows] == sorted(
        counts.items(), key=lambda kv: (-kv[1], kv[0])
    )
    assert (used, answered) == (1, 1)


# (SQL, table references that read the index, conditions answered whole by the view)
SHAPES = [
    # alias, qualified column, another condition beside it
    (
        f'SELECT c."접수번호" FROM {TABLE} AS c WHERE c."민원내용" LIKE \'%주차%\' AND c."처리부서" = '
        "'대중교통과' ORDER BY 1",
        1,
        1,
    ),
    # the table's own name as qualifier, the condition inside parentheses
    (f'SELECT log."접수번호" FROM {TABLE} WHERE (log."민원내용" LIKE \'%공영%\') ORDER BY 1', 1, 1),
    # an inner join with another department's table
    (
        f'SELECT d."담당자", count(*) AS n FROM {TABLE} c JOIN depts.heads d ON c."처리부서" = '
        'd."처리부서" WHERE "민원내용" LIKE \'%주차%\' GROUP BY 1 ORDER BY 1',
        1,
        1,
    ),
    # the indexed table on the side an outer join pads with NULLs: the condition must stay
    (
        f'SELECT d."담당자", c."접수번호" FROM depts.heads d LEFT JOIN {TABLE} c ON c."처리부서" = '
        'd."처리부서" WHERE c."민원내용" LIKE \'%(#5)%\' ORDER BY 1, 2',
        1,
        0,
    ),
    (
        f'SELECT c."접수번호", d."담당자" FROM {TABLE} c LEFT JOIN depts.heads d ON c."처리부서" = '
        'd."처리부서" WHERE c."민원내용" LIKE \'%요금%\' ORDER BY 1',
        1,
        0,
    ),
    (
        f'SELECT c."접수번호", d."담당자" FROM {TABLE} c FULL JOIN depts.heads d ON c."처리부서" = '
        'd."처리부서" WHERE c."민원내용" LIKE \'%요금%\' OR d."담당자" IS NULL ORDER BY 1, 2',
        0,
        0,
    ),
    # in a subquery, an EXISTS, a CTE and each side of a UNION
    (f"SELECT count(*) AS n FROM (SELECT * FROM {TABLE} WHERE \"민원내용\" LIKE '%주차%') s", 1, 1),
    (
        f'SELECT d."처리부서" FROM depts.heads d WHERE EXISTS (SELECT 1 FROM {TABLE} c WHERE '
        'c."처리부서" = d."처리부서" AND c."민원내용" LIKE \'%무단투기%\') ORDER BY 1',
        1,
        1,
    ),
    (
        f"WITH p AS (SELECT * FROM {TABLE} WHERE \"민원내용\" LIKE '%주차장%') "
        'SELECT "처리부서", count(*) AS n FROM p GROUP BY 1 ORDER BY 1',
        1,
        1,
    ),
    (
        f'SELECT "접수번호" FROM {TABLE} WHERE "민원내용" LIKE \'%가로등%\' UNION ALL '
        f'SELECT "접수번호" FROM {TABLE} WHERE "민원내용" LIKE \'%정류장%\' ORDER BY 1',
        2,
        2,
    ),
    # a self-join: only the reference the condition names
    (
        f'SELECT a."접수번호" FROM {TABLE} a JOIN {TABLE} b ON a."접수번호" = b."접수번호" '
        "WHERE b.\"민원내용\" LIKE '%악취%' ORDER BY 1",
        1,
        1,
    ),
    # two conditions on one column: both through the index
    (
        f'SELECT "접수번호" FROM {TABLE} WHERE "민원내용" LIKE \'%주차%\' AND "민원내용" LIKE \'%요금%\' '
        "ORDER BY 1",
        1,
        2,
    ),
    # what the index must not take
    (
        f'SELECT "접수번호" FROM {TABLE} WHERE "민원내용" LIKE \'%주차%\' OR "처리부서" = \'대중교통과\' '
        "ORDER BY 1",
        0,
        0,
    ),
    (f'SELECT "접수번호" FROM {TABLE} WHERE "민원내용" NOT LIKE \'%주차%\' ORDER BY 1', 0, 0),
    (f'SELECT "접수번호" FROM {TABLE} WHERE NOT ("민원내용" LIKE \'%주차%\') ORDER BY 1', 0, 0),
    (f"SELECT \"접수번호\" FROM {TABLE} WHERE \"민원내용\" LIKE '%100!%%' ESCAPE '!' ORDER BY 1", 0, 0),
    (f'SELECT "접수번호" FROM {TABLE} WHERE "민원내용" LIKE "비고" || \'%\' ORDER BY 1', 0, 0),
    (f'SELECT "접수번호" FROM {TABLE} WHERE "처리부서" LIKE \'%교통%\' ORDER BY 1', 0, 0),
    (
        f'SELECT c."접수번호" FROM {TABLE} c POSITIONAL JOIN depts.heads d WHERE c."민원내용" LIKE '
        "'%주차%' ORDER BY 1",
        0,
        0,
    ),
    # an unqualified name beside a subquery could be the subquery's: left alone
    (
        f'SELECT c."접수번호" FROM {TABLE} c, (SELECT 1 AS one) s WHERE "민원내용" LIKE \'%주차%\' '
        "ORDER BY 1",
        0,
        0,
    ),
]


@pytest.mark.parametrize(("sql", "used", "answered"), SHAPES, ids=[str(i) for i in range(len(SHAPES))])
def test_query_shapes(
    services: Services,
    complaints: list[list[str]],  # noqa: F811
    depts: dict[str, str],
    sql: str,
    used: int,
    answered: int,
) -> None:
    rows, got_used, got_answered = _both(services, SYSTEM, sql)
    assert (got_used, got_answered) == (used, answered)
    assert rows or "NULL" in sql or "100!" in sql or "비고" in sql  # the others find something


def test_a_mistake_is_reported_against_the_query_as_written(
    services: Services,
    complaints: list[list[str]],  # noqa: F811
) -> None:
    sql = f'SELECT "없는열"\nFROM {TABLE} WHERE "민원내용" LIKE \'%주차%\''
    with pytest.raises(Exception) as info:
        services.query.run(SYSTEM, sql)
    assert "없는열" in str(info.value)
    assert "#indexed" not in str(info.value) and "#indexed" not in str(getattr(info.value, "message_en", ""))


def test_a_grant_view_is_scanned_not_indexed(
    services: Services,
    city: dict[str, Any],
    complaints: list[list[str]],  # noqa: F811
) -> None:
    """A view of a grant holds other rows than the file the index points into."""
    services.catalog.update_dataset(SYSTEM, "complaints", {"visibility": "restricted"})
    member = city["actors"]["member"]  # ai-policy: no right to transport's restricted data
    req = services.access.request_access(
        member,
        dataset="complaints",
        purpose="주차 민원의 부서별 분포 분석",
        ends_on=date.today() + timedelta(days=30),
        org="ai-policy",
    )
    services.access.decide(
        SYSTEM,
        req.id,
        decision="partial",
        row_filter=["처리부서__in=대중교통과,서구청 건설과"],
        reason="두 부서만",
    )
    user = services.accounts.find_user("member")
    assert user is not None
    member = services.accounts.actor_for(user.id)  # as a request builds it: with the grant it now holds
    sql = f'SELECT "접수번호" FROM {TABLE} WHERE "민원내용" LIKE \'%주차%\' ORDER BY 1'
    rows, used, _ = _both(services, member, sql)
    assert used == 0
    assert [r["접수번호"] for r in rows] == sorted(
        r[0] for r in complaints if "주차" in r[3] and r[2] in ("대중교통과", "서구청 건설과")
    )
