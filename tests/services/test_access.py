"""Access requests, decisions and grants end to end in the services: two departments, a partner."""

from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM, Actor
from hubcity.domain.query import RowQuery
from hubcity.errors import Conflict, InvalidInput, NotFound, PermissionDenied, QueryError
from hubcity.ports import DatasetFilter
from tests.factories import PASSWORD, make_dataset, make_welfare, upload
from tests.services.test_personal import write_people


def actor(services: Services, username: str) -> Actor:
    """The actor as every request builds it (with the grants they hold now)."""
    user = services.accounts.find_user(username)
    assert user is not None
    return services.accounts.actor_for(user.id)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def welfare(services: Services, city: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """ai-policy's restricted 'welfare' dataset (names, RRNs, phones, amounts, 읍면동) and its admin."""
    services.accounts.create_user(
        SYSTEM, username="rider", password=PASSWORD, display_name="한버스", org="transport", role="member"
    )
    src = make_welfare(services, city["actors"]["editor"], tmp_path)
    return {"rows": read_csv(src)}


def _request(services: Services, **kw: Any) -> Any:
    fields: dict[str, Any] = {
        "dataset": "welfare",
        "purpose": "교통약자 지원 노선 설계를 위한 지원 대상 분포 분석",
        "ends_on": date.today() + timedelta(days=60),
        "columns": ["주민번호", "지원금액", "읍면동"],
        "org": "transport",
    }
    fields.update(kw)
    return services.access.request_access(actor(services, "other"), **fields)


def test_partial_grant_with_pseudonyms_then_expiry_everywhere(
    services: Services, welfare: dict[str, Any]
) -> None:
    other = actor(services, "other")
    # before: the restricted dataset does not exist for the transport department
    with pytest.raises(NotFound):
        services.catalog.get_dataset(other, "welfare")
    with pytest.raises(QueryError):
        services.query.run(other, "SELECT count(*) FROM welfare.people")

    req = _request(services)
    assert req.status == "pending"
    assert req.due_on == date.today() + timedelta(days=20) or req.due_on > date.today()
    # the editor of the owner may not decide; the owner's admin may
    with pytest.raises(PermissionDenied):
        services.access.decide(actor(services, "editor"), req.id, decision="refuse", reason="아니오")
    assert [r.id for r in services.access.list_requests(actor(services, "chief"), box="decide")] == [req.id]
    assert services.access.list_requests(actor(services, "editor"), box="mine") == []

    chief = actor(services, "chief")
    with pytest.raises(InvalidInput) as bad:
        services.access.decide(chief, req.id, decision="partial", transforms={"성명": "pseudonym"})
    assert any(e.field == "transforms.성명" for e in bad.value.errors)
    decided = services.access.decide(
        chief,
        req.id,
        decision="partial",
        transforms={"주민번호": "pseudonym", "읍면동": "dong_to_gu", "지원금액": "round:100000"},
        row_filter=["읍면동__in=충장동,동명동"],
        reason="성명·연락처 제외, 주민번호 가명처리",
    )
    assert decided.status == "partial" and decided.grant_id
    with pytest.raises(Conflict):
        services.access.decide(chief, req.id, decision="refuse", reason="again")

    kept = [r for r in welfare["rows"] if r["읍면동"] in ("충장동", "동명동")]
    for username in ("other", "rider"):  # the grant is the organisation's: every member holds it
        reader = actor(services, username)
        assert services.catalog.get_dataset(reader, "welfare").name == "welfare"
        _, _, ver = services.resources.get_version(reader, "welfare", "people")
        assert [c["name"] for c in ver.columns] == ["주민번호", "지원금액", "읍면동"]
        page = services.resources.query_rows(reader, "welfare", "people", RowQuery(limit=1000))
        assert page.total == len(kept)
        assert {r["읍면동"] for r in page.rows} == {"동구"}
        assert all(re.fullmatch(r"[0-9a-f]{20}", r["주민번호"]) for r in page.rows)
        assert {r["주민번호"] for r in page.rows}.isdisjoint({r["주민번호"] for r in welfare["rows"]})
        assert all(r["지원금액"] % 100_000 == 0 for r in page.rows)
        assert len({r["주민번호"] for r in page.rows}) == len({r["주민번호"] for r in kept})
        with pytest.raises(InvalidInput):
            services.resources.query_rows(reader, "welfare", "people", RowQuery(select=("성명",)))
        with pytest.raises(InvalidInput):
            services.resources.aggregate(reader, "welfare", "people", group_by=["연락처"], metrics=[])

    other = actor(services, "other")
    result = services.query.run(
        other, "SELECT count(*) AS n, count(DISTINCT 주민번호) AS p FROM welfare.people"
    )
    assert result.rows == [{"n": len(kept), "p": len({r["주민번호"] for r in kept})}]
    with pytest.raises(QueryError):
        services.query.run(other, "SELECT 성명 FROM welfare.people")
    tables = {t.name: t for t in services.query.tables(other)}
    assert [c["name"] for c in tables["welfare.people"].columns] == ["주민번호", "지원금액", "읍면동"]
    exported = services.resources.export(other, "welfare", "people", "csv")
    rows = read_csv(exported.path)
    assert len(rows) == len(kept) and set(rows[0]) == {"주민번호", "지원금액", "읍면동"}
    with pytest.raises(PermissionDenied):
        services.resources.export(other, "welfare", "people", "source")
    listed = services.catalog.list_datasets(other, DatasetFilter())
    assert "welfare" in [d.name for d in listed.items]

    # the owner still sees everything
    owner_page = services.resources.query_rows(
        actor(services, "editor"), "welfare", "people", RowQuery(limit=5)
    )
    assert "성명" in owner_page.rows[0] and owner_page.total == len(welfare["rows"])

    # expiry: the grant's end passes — nothing is visible any more, on any surface
    grant = services.access.store.find_grant(decided.grant_id)
    assert grant is not None and grant.active(datetime.now(UTC))
    services.access.store.update_grant(grant.id, {"ends_at": datetime.now(UTC) - timedelta(seconds=1)})
    other = actor(services, "other")
    assert other.granted == frozenset()
    with pytest.raises(NotFound):
        services.catalog.get_dataset(other, "welfare")
    with pytest.raises(NotFound):
        services.resources.query_rows(other, "welfare", "people", RowQuery())
    with pytest.raises(NotFound):
        services.resources.export(other, "welfare", "people", "csv")
    with pytest.raises(QueryError):
        services.query.run(other, "SELECT count(*) FROM welfare.people")
    assert "welfare.people" not in {t.name for t in services.query.tables(other)}
    assert "welfare" not in [d.name for d in services.catalog.list_datasets(other, DatasetFilter()).items]
    views = services.access.views.root / f"g{grant.id}"
    assert views.is_dir()
    assert services.access.destroy_ended() >= 1
    assert not views.exists()

    entries = services.audit.list_entries(SYSTEM, limit=500).items
    actions = [e.action for e in entries]
    assert "access.request" in actions and "access.decision" in actions and "grant.revoke" not in actions
    # every read under the grant names it and its purpose: rows, SQL and the export
    under = {e.action for e in entries if e.grant_id == grant.id and e.purpose == req.purpose}
    assert {"rows.read", "sql.query", "export"} <= under


def test_refusal_needs_a_reason_and_grants_nothing(services: Services, welfare: dict[str, Any]) -> None:
    req = _request(services, org=None)
    chief = actor(services, "chief")
    with pytest.raises(InvalidInput):
        services.access.decide(chief, req.id, decision="refuse")
    refused = services.access.decide(chief, req.id, decision="refuse", reason="목적 외 이용 우려")
    assert refused.status == "refused" and refused.grant_id is None and refused.reason == "목적 외 이용 우려"
    assert actor(services, "other").granted == frozenset()
    mine = services.access.list_requests(actor(services, "other"), box="mine")
    assert [(r.id, r.status) for r in mine] == [(req.id, "refused")]


def test_provide_to_a_user_and_revoke(services: Services, welfare: dict[str, Any]) -> None:
    req = _request(services, org=None, columns=[])
    chief = actor(services, "chief")
    with pytest.raises(InvalidInput):  # "provide" gives what was asked, nothing less
        services.access.decide(chief, req.id, decision="provide", columns=["지원금액"])
    decided = services.access.decide(chief, req.id, decision="provide")
    assert decided.status == "provided"
    # a user grant: the requester holds it, not their colleague
    assert actor(services, "rider").granted == frozenset()
    other = actor(services, "other")
    page = services.resources.query_rows(other, "welfare", "people", RowQuery(limit=1))
    assert page.total == len(welfare["rows"]) and "주민번호" in page.rows[0]
    with pytest.raises(PermissionDenied):  # only the owner's admins revoke
        services.access.revoke(other, decided.grant_id or 0, "그만")
    services.access.revoke(chief, decided.grant_id or 0, "감사 결과 회수")
    with pytest.raises(NotFound):
        services.resources.query_rows(actor(services, "other"), "welfare", "people", RowQuery())


def test_requests_are_checked(services: Services, welfare: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as bad:
        _request(services, purpose="짧음", ends_on=date.today() - timedelta(days=1), org="ai-policy")
    assert {e.field for e in bad.value.errors} == {"purpose", "ends_on", "org"}
    with pytest.raises(NotFound):
        _request(services, dataset="no-such-thing")
    with pytest.raises(InvalidInput):  # the owner's own members see it all already
        services.access.request_access(
            actor(services, "member"), dataset="welfare", purpose="우리 부서 데이터", ends_on="2099-01-01"
        )


def test_personal_columns_hidden_without_a_grant(
    services: Services, city: dict[str, Any], tmp_path: Path
) -> None:
    """On an internal dataset, staff of other departments see every column but the personal ones."""
    make_dataset(services, name="grants-internal", title="지원 내역", visibility="internal")
    src = write_people(tmp_path / "people.csv", rows=40)
    job = upload(services, city["actors"]["editor"], "grants-internal", src, copy_to=tmp_path / "u" / "p.csv")
    assert job.state == "succeeded"
    services.personal.decide(city["actors"]["editor"], "grants-internal", "people", "연락처", "confirmed")
    other = actor(services, "other")
    _, _, ver = services.resources.get_version(other, "grants-internal", "people")
    shown = [c["name"] for c in ver.columns]
    assert "주민번호" not in shown and "연락처" not in shown and "지원금액" in shown
    result = services.query.run(other, 'SELECT * FROM "grants-internal".people LIMIT 1')
    assert set(result.rows[0]) == set(shown)
    with pytest.raises(QueryError):
        services.query.run(other, 'SELECT 주민번호 FROM "grants-internal".people')
    with pytest.raises(PermissionDenied):
        services.resources.export(other, "grants-internal", "people", "source")
    with pytest.raises(InvalidInput):
        services.resources.query_rows(
            other, "grants-internal", "people", RowQuery(filters=(_like("주민번호", "9%"),))
        )
    # the owner's members see them
    _, _, mine = services.resources.get_version(city["actors"]["member"], "grants-internal", "people")
    assert "주민번호" in [c["name"] for c in mine.columns]


def _like(column: str, pattern: str) -> Any:
    from hubcity.domain.query import RowFilter

    return RowFilter(column=column, op="like", value=pattern)


def test_a_partner_gets_an_internal_dataset_in_part_and_loses_it_at_the_end(
    services: Services, welfare: dict[str, Any], city: dict[str, Any], tmp_path: Path
) -> None:
    """A partner institution (KEPCO) is not city staff: an internal dataset exists for it only
    under a grant, with the grant's columns, and not at all once the grant has ended."""
    make_dataset(services, name="usage", title="행정동별 지원 현황", visibility="internal")
    src = write_people(tmp_path / "usage.csv", rows=30, seed=5)
    job = upload(services, city["actors"]["editor"], "usage", src, copy_to=tmp_path / "u2" / "usage.csv")
    assert job.state == "succeeded"
    partner = actor(services, "partner")
    assert "usage" not in [d.name for d in services.catalog.list_datasets(partner, DatasetFilter()).items]
    req = services.access.request_access(
        partner,
        dataset="usage",
        purpose="행정동별 전력 사용과 지원 대상 비교 (MOU 제3조)",
        ends_on=date.today() + timedelta(days=10),
        columns=["지원금액", "읍면동"],
        org="kepco",
    )
    services.access.decide(
        actor(services, "chief"), req.id, decision="partial", transforms={"읍면동": "dong_to_gu"}
    )
    partner = actor(services, "partner")
    result = services.query.run(partner, 'SELECT 읍면동, sum(지원금액) AS 합계 FROM usage."usage" GROUP BY 1')
    assert {r["읍면동"] for r in result.rows} <= {"동구"} and result.rows
    total = sum(int(r["지원금액"]) for r in read_csv(src))
    assert sum(r["합계"] for r in result.rows) == total
    page = services.resources.query_rows(partner, "usage", "usage", RowQuery(limit=100))
    assert set(page.rows[0]) == {"지원금액", "읍면동"} and page.total == 30
    # the transport division (staff) sees the internal dataset without its personal columns
    staff = services.resources.query_rows(actor(services, "other"), "usage", "usage", RowQuery(limit=1))
    assert "주민번호" not in staff.rows[0] and "성명" in staff.rows[0]
    grant = services.access.list_grants(partner, box="mine")[0]
    services.access.store.update_grant(grant.id, {"ends_at": datetime.now(UTC) - timedelta(minutes=1)})
    partner = actor(services, "partner")
    with pytest.raises(QueryError):
        services.query.run(partner, 'SELECT count(*) FROM usage."usage"')
    with pytest.raises(NotFound):
        services.resources.query_rows(partner, "usage", "usage", RowQuery())
    assert "usage" not in [d.name for d in services.catalog.list_datasets(partner, DatasetFilter()).items]
