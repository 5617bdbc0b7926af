"""Data-sharing agreements in the services: the register and its rights, what an agreement shares
out and lets land, its end, and the transfer records — on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM, Actor
from hubcity.domain.agreements import AgreementDraft, Contact, TransferDetailsMissing
from hubcity.domain.koreatime import KST, korean_date, last_day
from hubcity.domain.query import RowQuery
from hubcity.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hubcity.services.resources import UploadRequest
from tests.factories import PASSWORD, make_dataset, upload, wait_job

GRID = [
    ("자치구", "변전소", "최대부하_MW"),
    ("동구", "충장", "41"),
    ("서구", "상무", "77"),
    ("북구", "용봉", "63"),
]
USAGE = [("자치구", "계약종별", "사용량_kWh"), ("동구", "주택용", "1200"), ("광산구", "산업용", "98000")]


def actor(services: Services, username: str) -> Actor:
    """The actor as every request builds it (with the grants they hold now)."""
    user = services.accounts.find_user(username)
    assert user is not None
    return services.accounts.actor_for(user.id)


def write_csv(path: Path, rows: list[tuple[str, ...]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def today() -> date:
    return korean_date(datetime.now(UTC))


def draft(**overrides: Any) -> AgreementDraft:
    fields: dict[str, Any] = {
        "title": "한전 전력 데이터 공유 협약",
        "partner": "kepco",
        "city_org": "ai-policy",
        "datasets": ("grid-load", "kepco-usage"),
        "purpose": "자치구별 전력 수요 예측과 에너지 자립 정책 수립",
        "legal_basis": "「데이터기반행정 활성화에 관한 법률」 제15조",
        "starts_on": today(),
        "ends_on": today() + timedelta(days=365),
        "delete_after_days": 30,
        "partner_contact": Contact("정도윤", "doyun@kepco.example", "061-345-3114"),
        "city_contact": Contact("정과장", "", "062-613-4000"),
    }
    fields.update(overrides)
    return AgreementDraft(**fields)


@pytest.fixture
def world(services: Services, city: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """ai-policy's restricted 'grid-load' (with a file), KEPCO's own 'kepco-usage' (empty), and the
    admins who sign: 'chief' for ai-policy, 'kchief' for KEPCO."""
    acc = services.accounts
    acc.create_user(
        SYSTEM, username="chief", password=PASSWORD, display_name="정과장", org="ai-policy", role="admin"
    )
    acc.create_user(
        SYSTEM, username="kchief", password=PASSWORD, display_name="한부장", org="kepco", role="admin"
    )
    make_dataset(services, name="grid-load", title="변전소 최대부하", visibility="restricted")
    make_dataset(
        services, name="kepco-usage", title="한전 전력 사용량", owner_org="kepco", visibility="internal"
    )
    make_dataset(
        services, name="bus-lines", title="버스 노선", owner_org="transport", visibility="restricted"
    )
    src = write_csv(tmp_path / "grid.csv", GRID)
    job = upload(services, city["actors"]["editor"], "grid-load", src, copy_to=tmp_path / "up" / "grid.csv")
    assert job.state == "succeeded", job.error
    return {"tmp": tmp_path}


def push(services: Services, who: str, tmp: Path, **details: str | None) -> Any:
    """The partner pushes a file of electricity use into its own dataset."""
    src = write_csv(tmp / "usage.csv", USAGE)
    copy = tmp / "push" / f"usage-{datetime.now().timestamp()}.csv"
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(src.read_bytes())
    req = UploadRequest(dataset="kepco-usage", path=copy, filename="usage.csv", resource="usage")
    job = services.agreements.upload(
        actor(services, who), req, official=details.get("official"), case=details.get("case")
    )
    return wait_job(services, actor(services, who), job.id)


def test_register_read_change_and_terminate_under_each_role(
    services: Services, world: dict[str, Any]
) -> None:
    svc = services.agreements
    with pytest.raises(PermissionDenied):  # an editor, not an admin, of the department
        svc.create_agreement(actor(services, "editor"), draft())
    with pytest.raises(PermissionDenied):  # the partner's admin does not keep the city's register
        svc.create_agreement(actor(services, "kchief"), draft())
    created = svc.create_agreement(actor(services, "chief"), draft())
    assert created.status(today()) == "active"
    assert created.no_onward_transfer and created.delete_by == created.ends_on + timedelta(days=30)
    assert [(d.name, d.owner_org_id == created.city_org_id) for d in created.datasets] == [
        ("grid-load", True),
        ("kepco-usage", False),
    ]

    # members of either party read it; anyone else does not know it exists
    for who in ("partner", "member", "editor", "kchief", "admin"):
        assert svc.get_agreement(actor(services, who), created.id).title == created.title
        assert [a.id for a in svc.list_agreements(actor(services, who))] == [created.id]
    with pytest.raises(NotFound):
        svc.get_agreement(actor(services, "other"), created.id)
    assert svc.list_agreements(actor(services, "other")) == []
    with pytest.raises(NotFound):
        svc.update_agreement(actor(services, "other"), created.id, {"title": "남의 협약"})
    with pytest.raises(PermissionDenied):
        svc.update_agreement(actor(services, "partner"), created.id, {"title": "협력기관이 고친 협약"})

    changed = svc.update_agreement(
        actor(services, "chief"),
        created.id,
        {"title": "한전 전력·부하 데이터 공유 협약", "delete_after_days": 90},
    )
    assert changed.title == "한전 전력·부하 데이터 공유 협약" and changed.delete_after_days == 90
    assert [a.title for a in svc.list_agreements(actor(services, "partner"), status="active")] == [
        changed.title
    ]
    assert svc.list_agreements(actor(services, "partner"), status="ended") == []
    with pytest.raises(InvalidInput):
        svc.list_agreements(actor(services, "partner"), status="paused")

    with pytest.raises(InvalidInput) as no_reason:
        svc.terminate(actor(services, "chief"), created.id, "")
    assert [e.field for e in no_reason.value.errors] == ["reason"]
    with pytest.raises(PermissionDenied):
        svc.terminate(actor(services, "partner"), created.id, "협력기관이 끝냄")
    ended = svc.terminate(actor(services, "chief"), created.id, "사업 종료에 따른 조기 종료")
    assert ended.status(today()) == "ended" and ended.ended_early_at is not None
    assert ended.end_reason == "사업 종료에 따른 조기 종료" and ended.ended_on == today()
    with pytest.raises(Conflict):
        svc.terminate(actor(services, "chief"), created.id, "두 번 끝냄")
    with pytest.raises(Conflict):
        svc.update_agreement(actor(services, "chief"), created.id, {"title": "끝난 뒤 고침"})

    actions = [e.action for e in services.audit.list_entries(SYSTEM, limit=200).items]
    for action in (
        "agreement.create",
        "agreement.update",
        "agreement.terminate",
        "grant.create",
        "grant.revoke",
    ):
        assert action in actions


def test_bad_agreements_are_explained_field_by_field(services: Services, world: dict[str, Any]) -> None:
    chief = actor(services, "chief")
    with pytest.raises(InvalidInput) as bad:
        services.agreements.create_agreement(
            chief,
            draft(
                title="x",
                starts_on="2026-13-01",
                ends_on=today() - timedelta(days=1),
                delete_after_days="열흘",
                partner_contact=Contact("", "not-an-email", ""),
                city_contact=Contact("정과장"),
                no_onward_transfer=False,
            ),
        )
    fields = {e.field for e in bad.value.errors}
    assert fields == {
        "title",
        "starts_on",
        "ends_on",
        "delete_after_days",
        "partner_contact.name",
        "partner_contact.email",
        "city_contact",
        "no_onward_transfer",
    }
    assert all(e.message and e.message_en for e in bad.value.errors)
    with pytest.raises(InvalidInput) as parties:
        services.agreements.create_agreement(
            chief, draft(partner="transport", datasets=("grid-load", "bus-lines", "no-such-data"))
        )
    by_field = {(e.field, e.message_en) for e in parties.value.errors}
    assert ("partner", "Not a partner institution: transport") in by_field
    # a third party's dataset and a missing one get the same answer
    assert ("datasets", "Not a dataset of either party: bus-lines") in by_field
    assert ("datasets", "Not a dataset of either party: no-such-data") in by_field
    with pytest.raises(InvalidInput) as city:
        services.agreements.create_agreement(chief, draft(city_org="kepco"))
    assert ("city_org", "Not a city department: kepco") in {
        (e.field, e.message_en) for e in city.value.errors
    }
    with pytest.raises(PermissionDenied):  # an admin of ai-policy cannot sign for transport
        services.agreements.create_agreement(chief, draft(city_org="transport", datasets=("bus-lines",)))


def test_partner_sees_the_city_data_while_active_and_not_after(
    services: Services, world: dict[str, Any]
) -> None:
    svc = services.agreements
    # scheduled: nothing is shared before the first day
    agreement = svc.create_agreement(
        actor(services, "chief"),
        draft(starts_on=today() + timedelta(days=3), ends_on=today() + timedelta(days=60)),
    )
    assert agreement.status(today()) == "scheduled" and agreement.shared_at is None
    with pytest.raises(NotFound):
        services.catalog.get_dataset(actor(services, "partner"), "grid-load")

    # the first day comes: the periodic check shares every current column with the partner organisation
    svc.store.update_agreement(agreement.id, {"starts_on": today()})
    assert svc.check() == 1
    assert svc.check() == 0  # and a second run changes nothing
    for who in ("partner", "kchief"):
        reader = actor(services, who)
        page = services.resources.query_rows(reader, "grid-load", "grid", RowQuery(limit=10))
        assert page.total == 3 and set(page.rows[0]) == {"자치구", "변전소", "최대부하_MW"}
    grant = services.access.grant_of(
        actor(services, "partner"), services.catalog.get_dataset(SYSTEM, "grid-load")
    )
    assert grant is not None and grant.agreement_id == agreement.id and grant.grantee_org_id is not None
    assert grant.purpose == agreement.purpose and grant.columns == ("자치구", "변전소", "최대부하_MW")
    # a department that is no party sees nothing
    with pytest.raises(NotFound):
        services.catalog.get_dataset(actor(services, "other"), "grid-load")

    # the agreement's last day passes without a terminate: the check records the end and revokes
    svc.store.update_agreement(agreement.id, {"ends_on": today() - timedelta(days=1)})
    assert svc.check() == 1
    ended = svc.get_agreement(actor(services, "chief"), agreement.id)
    assert ended.status(today()) == "ended" and ended.closed_at is not None
    revoked = services.access.store.find_grant(grant.id)
    assert revoked is not None and revoked.revoked_at is not None and revoked.revoked_by == "system"
    for who in ("partner", "kchief"):
        with pytest.raises(NotFound):
            services.resources.query_rows(actor(services, who), "grid-load", "grid", RowQuery())
    assert svc.check() == 0


def test_agreement_days_are_korean_days(services: Services, world: dict[str, Any]) -> None:
    """An agreement starts at 00:00 and ends after 23:59:59 in Korea (15:00 UTC the day before / that
    day), not at midnight UTC nine hours later."""
    svc = services.agreements
    first, last = today() + timedelta(days=1), today() + timedelta(days=2)
    agreement = svc.create_agreement(actor(services, "chief"), draft(starts_on=first, ends_on=last))
    assert agreement.shared_at is None

    # 23:59:59 in Korea the evening before the first day: nothing is shared yet
    assert svc.check(now=datetime.combine(first, time(0), tzinfo=KST) - timedelta(seconds=1)) == 0
    assert services.access.store.list_grants(agreement_id=agreement.id) == []
    # 00:00 in Korea on the first day (still the day before in UTC): shared
    opening = datetime.combine(first, time(0), tzinfo=KST)
    assert opening.astimezone(UTC).date() == first - timedelta(days=1)
    assert svc.check(now=opening) == 1
    [grant] = services.access.store.list_grants(agreement_id=agreement.id)
    # the grant holds through the last day in Korea and not one second longer
    assert grant.ends_at == datetime.combine(last, time(15), tzinfo=UTC)
    assert last_day(grant.ends_at) == last
    eve = datetime.combine(last, time(23, 59, 59), tzinfo=KST)
    assert grant.active(eve) and svc.check(now=eve) == 0
    assert svc.get_agreement(actor(services, "chief"), agreement.id).closed_at is None
    midnight = datetime.combine(last + timedelta(days=1), time(0), tzinfo=KST)
    assert midnight.astimezone(UTC).date() == last  # a UTC calendar would still call it the last day
    assert not grant.active(midnight)
    assert svc.check(now=midnight) == 1
    ended = svc.get_agreement(actor(services, "chief"), agreement.id)
    assert ended.closed_at is not None and ended.status(korean_date(midnight)) == "ended"
    revoked = services.access.store.find_grant(grant.id)
    assert revoked is not None and revoked.revoked_at is not None


def test_terminating_revokes_and_changes_follow_the_scope(services: Services, world: dict[str, Any]) -> None:
    svc = services.agreements
    chief = actor(services, "chief")
    agreement = svc.create_agreement(chief, draft())
    assert services.catalog.get_dataset(actor(services, "partner"), "grid-load").name == "grid-load"
    # the city's dataset leaves the scope: its grant goes with it
    svc.update_agreement(chief, agreement.id, {"datasets": ["kepco-usage"]})
    with pytest.raises(NotFound):
        services.catalog.get_dataset(actor(services, "partner"), "grid-load")
    # and comes back, with a new purpose the grant carries
    svc.update_agreement(
        chief,
        agreement.id,
        {"datasets": ["grid-load", "kepco-usage"], "purpose": "변전소 부하 분산 실증 분석"},
    )
    grants = svc.view(chief, agreement.id).grants
    assert [(g.state(datetime.now(UTC)), g.purpose) for g in grants] == [
        ("active", "변전소 부하 분산 실증 분석"),
        ("revoked", agreement.purpose),
    ]
    svc.terminate(chief, agreement.id, "협력기관 요청으로 종료")
    with pytest.raises(NotFound):
        services.resources.export(actor(services, "partner"), "grid-load", "grid", "csv")
    assert all(g.state(datetime.now(UTC)) == "revoked" for g in svc.view(chief, agreement.id).grants)


def test_partner_data_lands_only_inside_an_agreement(services: Services, world: dict[str, Any]) -> None:
    tmp = world["tmp"]
    details = {"official": "한전 정도윤 차장", "case": "에너지정책과-2026-0412"}
    with pytest.raises(PermissionDenied) as refused:
        push(services, "partner", tmp, **details)
    assert "협약" in refused.value.message and "agreement" in refused.value.message_en
    # the ResourceService hook holds for every path, not only the agreements' upload
    src = write_csv(tmp / "direct.csv", USAGE)
    with pytest.raises(PermissionDenied):
        upload(services, actor(services, "partner"), "kepco-usage", src, copy_to=tmp / "direct" / "u.csv")
    assert not (tmp / "direct" / "u.csv").exists()  # the refused file is not left behind

    # an agreement with the partner that does not cover the dataset does not help
    chief = actor(services, "chief")
    other_scope = services.agreements.create_agreement(chief, draft(datasets=("grid-load",)))
    with pytest.raises(PermissionDenied):
        push(services, "partner", tmp, **details)

    agreement = services.agreements.create_agreement(chief, draft(title="한전 사용량 수신 협약"))
    with pytest.raises(TransferDetailsMissing) as missing:
        push(services, "partner", tmp, official="  ", case=None)
    assert missing.value.status == 400
    assert {e.field for e in missing.value.errors} == {"official", "case"}
    assert "X-Hubcity-Case" in missing.value.message
    job = push(services, "partner", tmp, **details)
    assert job.state == "succeeded" and job.version_number == 1

    [transfer] = services.agreements.list_transfers(actor(services, "kchief"), agreement.id)
    assert (transfer.direction, transfer.dataset_name, transfer.resource_name, transfer.version_number) == (
        "in",
        "kepco-usage",
        "usage",
        1,
    )
    assert (transfer.official, transfer.case_no, transfer.username) == (
        "한전 정도윤 차장",
        "에너지정책과-2026-0412",
        "partner",
    )
    assert services.agreements.list_transfers(chief, other_scope.id) == []
    with pytest.raises(NotFound):
        services.agreements.list_transfers(actor(services, "other"), agreement.id)
    # the city department reads what landed
    page = services.resources.query_rows(actor(services, "member"), "kepco-usage", "usage", RowQuery())
    assert page.total == 2

    # once the agreements end, nothing lands any more
    services.agreements.terminate(chief, agreement.id, "사용량 수신 종료")
    services.agreements.terminate(chief, other_scope.id, "부하 공유 종료")
    with pytest.raises(PermissionDenied):
        push(services, "partner", tmp, **details)


def test_partner_exports_are_recorded_as_outgoing_transfers(
    services: Services, world: dict[str, Any]
) -> None:
    chief = actor(services, "chief")
    agreement = services.agreements.create_agreement(chief, draft())
    exported = services.agreements.export(
        actor(services, "partner"), "grid-load", "grid", "csv", case="KEPCO-77"
    )
    with exported.path.open(encoding="utf-8-sig") as fh:
        assert len(list(csv.DictReader(fh))) == 3
    # the owner's own export is no transfer under the agreement
    services.agreements.export(actor(services, "member"), "grid-load", "grid", "csv")
    [out] = services.agreements.list_transfers(chief, agreement.id)
    assert (out.direction, out.dataset_name, out.version_number, out.official, out.case_no, out.format) == (
        "out",
        "grid-load",
        1,
        "최한전",
        "KEPCO-77",
        "csv",
    )


def test_partners_get_personal_columns_pseudonymised_and_only_the_agreement_ends_its_grants(
    services: Services, world: dict[str, Any]
) -> None:
    from tests.services.test_personal import write_people

    tmp = world["tmp"]
    make_dataset(services, name="welfare", title="긴급복지 지원 대상", visibility="restricted")
    people = write_people(tmp / "people.csv", rows=40)
    job = upload(services, SYSTEM, "welfare", people, copy_to=tmp / "up" / "people.csv")
    assert job.state == "succeeded", job.error
    with people.open(encoding="utf-8", newline="") as fh:
        raw = list(csv.DictReader(fh))
    chief = actor(services, "chief")
    agreement = services.agreements.create_agreement(chief, draft(datasets=("grid-load", "welfare")))

    page = services.resources.query_rows(actor(services, "partner"), "welfare", "people", RowQuery(limit=100))
    assert page.total == 40
    for row, original in zip(page.rows, raw, strict=True):
        assert row["지원금액"] == int(original["지원금액"])  # not personal: as it is
        # the hidden personal column (a suspected 주민등록번호) arrives pseudonymised
        assert len(row["주민번호"]) == 20 and row["주민번호"] != original["주민번호"]
    grant = services.access.grant_of(
        actor(services, "partner"), services.catalog.get_dataset(SYSTEM, "welfare")
    )
    assert grant is not None and {k: t.kind for k, t in grant.transforms.items()} == {"주민번호": "pseudonym"}

    # the owner's admin cannot revoke what the agreement allows (the next check would give it back)
    with pytest.raises(Conflict) as refused:
        services.access.revoke(chief, grant.id, "no more")
    assert "협약" in refused.value.message and "agreement" in refused.value.message_en

    # a check that read the agreement before it was terminated does not share it again
    stale = services.agreements.store.find_agreement(agreement.id)
    assert stale is not None
    services.agreements.terminate(chief, agreement.id, "사업 종료")
    services.agreements._sync(None, stale, datetime.now(UTC))
    with pytest.raises(NotFound):
        services.resources.query_rows(actor(services, "partner"), "welfare", "people", RowQuery())
