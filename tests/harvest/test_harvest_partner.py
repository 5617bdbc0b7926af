"""Harvesting into a partner institution: files land only inside an agreement and are recorded as
transfers with the source's official and case number; metadata alone is harvested as anywhere.

The upstream is a second hubcity on loopback (SQLite, real HTTP); the harvesting city runs on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hubcity.bootstrap import Services
from hubcity.cli import app as cli_app
from hubcity.domain.accounts import SYSTEM, Actor
from hubcity.domain.agreements import AgreementDraft
from hubcity.domain.harvest import ChangeKind, HarvestChange, HarvestRun
from hubcity.errors import InvalidInput
from hubcity.settings import Settings, get_settings
from tests.factories import PASSWORD, api_token, login, upload
from tests.services.test_agreements import today
from tests.web.ckan.conftest import LOTS, csv_bytes

OFFICIAL = "한전 정도윤 차장"
CASE = "에너지정책과-2026-0412"
DATASET = "up--public-parking"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _add(services: Services, **kw: Any) -> None:
    services.harvest.create_source(
        SYSTEM,
        {
            "name": "up",
            "kind": "ckan",
            "url": kw.pop("url"),
            "org": "kepco",
            "fetch_files": True,
            "filter_q": "주차장",  # the public parking lots only, with their CSV
            "official": OFFICIAL,
            "case_no": CASE,
            **kw,
        },
    )


def _run(services: Services) -> HarvestRun:
    queued = services.harvest.run_source(SYSTEM, "up")
    run = services.harvest.get_run(SYSTEM, "up", queued.id)  # jobs run inline in these tests
    assert run.state == "succeeded", run.message_en
    return run


def _only(run: HarvestRun) -> HarvestChange:
    assert run.changes is not None
    [change] = run.changes
    assert change.identifier == "public-parking"
    return change


def _versions(services: Services) -> int:
    _, resources = services.resources.list_resources(SYSTEM, DATASET)
    return sum(r.version_count for r in resources)


def _fetched(services: Services) -> dict[str, str]:
    source = services.harvest.get_source(SYSTEM, "up")
    [obj] = services.harvest.store.list_objects(source.id)
    return obj.files


def _agreement(services: Services, admin: Actor, **overrides: Any) -> int:
    fields: dict[str, Any] = {
        "title": "한전 주차장 데이터 수신 협약",
        "partner": "kepco",
        "city_org": "ai-policy",
        "datasets": (DATASET,),
        "purpose": "공영주차장 전기차 충전 수요 분석",
        "legal_basis": "「데이터기반행정 활성화에 관한 법률」 제15조",
        "starts_on": today(),
        "ends_on": today() + timedelta(days=365),
        "delete_after_days": 30,
        **overrides,
    }
    return services.agreements.create_agreement(admin, AgreementDraft(**fields)).id


def test_files_land_only_inside_an_agreement_and_are_recorded_as_transfers(
    services: Services,
    client: TestClient,
    local: dict[str, Any],
    upstream: tuple[str, Services],
    tmp_path: Path,
) -> None:
    base, remote = upstream
    admin = local["actors"]["admin"]
    _add(services, url=base)

    # no agreement: the metadata arrives, the file does not, and the run log says why
    first = _only(_run(services))
    assert first.kind is ChangeKind.FAILED and first.dataset_name == DATASET
    assert first.message.startswith("lots: ") and "협약" in first.message
    assert "agreement" in first.message_en
    dataset = services.catalog.get_dataset(SYSTEM, DATASET)
    assert dataset.owner_org_slug == "kepco" and dataset.title == "광주광역시 공영주차장 현황"
    assert _versions(services) == 0
    assert _fetched(services) == {}  # not remembered: the next run tries again

    # the agreement is signed with the harvested dataset in scope: the next run fetches the file
    agreement_id = _agreement(services, admin)
    second = _only(_run(services))
    assert second.kind is ChangeKind.UPDATED and second.diff == {"files": [None, ["lots"]]}
    assert _versions(services) == 1
    rows = services.resources.read_rows(SYSTEM, DATASET, "lots", limit=10)
    assert [r["주차장명"] for r in rows.rows][:2] == ["충장로 공영주차장", "상무지구 공영주차장"]
    [transfer] = services.agreements.list_transfers(admin, agreement_id)
    assert (transfer.direction, transfer.dataset_name, transfer.resource_name, transfer.version_number) == (
        "in",
        DATASET,
        "lots",
        1,
    )
    assert (transfer.official, transfer.case_no, transfer.username, transfer.user_id) == (
        OFFICIAL,
        CASE,
        "harvest:up",
        None,
    )
    assert transfer.format == "csv" and transfer.job_id
    # the same record through the API, for the partner's admin as for the city
    kchief = services.accounts.create_user(
        SYSTEM, username="kchief", password=PASSWORD, org="kepco", role="admin"
    )
    listed = client.get(
        f"/api/v1/agreements/{agreement_id}/transfers",
        headers=_auth(api_token(services, Actor.for_user(kchief))),
    )
    assert listed.status_code == 200, listed.text
    [item] = listed.json()["items"]
    assert (item["direction"], item["dataset"], item["resource"], item["version"]) == (
        "in",
        DATASET,
        "lots",
        1,
    )
    assert (item["official"], item["case"], item["username"]) == (OFFICIAL, CASE, "harvest:up")
    assert item["job"] == f"/api/v1/jobs/{transfer.job_id}"
    audit = [
        e for e in services.audit.list_entries(SYSTEM, limit=200).items if e.action == "agreement.transfer"
    ]
    assert audit and audit[0].details["official"] == OFFICIAL and audit[0].details["case"] == CASE

    # nothing new upstream: nothing fetched, nothing recorded
    assert _only(_run(services)).kind is ChangeKind.UNCHANGED
    assert len(services.agreements.list_transfers(admin, agreement_id)) == 1

    # the agreement ends, then upstream publishes a new file: it does not land
    services.agreements.terminate(admin, agreement_id, "사업 종료")
    before = _fetched(services)
    newer = tmp_path / "lots-2025.csv"
    newer.write_bytes(csv_bytes([*LOTS, ("남구", "봉선 공영주차장", "60", "2025.01.02")]))
    job = upload(remote, SYSTEM, "public-parking", newer, copy_to=tmp_path / "up2" / "l.csv", resource="lots")
    assert job.state == "succeeded", job.error
    ended = _only(_run(services))
    assert ended.kind is ChangeKind.FAILED
    assert "협약" in ended.message and "agreement" in ended.message_en
    assert _versions(services) == 1
    assert _fetched(services) == before
    assert len(services.agreements.list_transfers(admin, agreement_id)) == 1

    # a new agreement: the run after it takes version 2, recorded under the new agreement
    renewed = _agreement(services, admin, title="한전 주차장 데이터 수신 협약 (갱신)")
    assert _only(_run(services)).diff["files"] == [None, ["lots"]]
    assert _versions(services) == 2
    [again] = services.agreements.list_transfers(admin, renewed)
    assert (again.version_number, again.official, again.case_no) == (2, OFFICIAL, CASE)


def test_a_source_without_official_or_case_lands_nothing_even_inside_an_agreement(
    services: Services, local: dict[str, Any], upstream: tuple[str, Services]
) -> None:
    base, _ = upstream
    admin = local["actors"]["admin"]
    _add(services, url=base, fetch_files=False)
    assert _only(_run(services)).kind is ChangeKind.CREATED  # metadata of a partner's dataset: as anywhere
    assert _versions(services) == 0
    agreement_id = _agreement(services, admin)
    source = services.harvest.get_source(SYSTEM, "up")
    # a source from before sources named them (migration 0013 leaves both empty)
    services.harvest.store.update_source(source.id, {"official": "", "case_no": "", "fetch_files": True})
    failed = _only(_run(services))
    assert failed.kind is ChangeKind.FAILED
    assert "요청 담당자" in failed.message and "official" in failed.message_en
    assert "case_no" in failed.message_en
    assert _versions(services) == 0 and services.agreements.list_transfers(admin, agreement_id) == []
    # once the source names them, the next run fetches the file
    with pytest.raises(InvalidInput) as partial:
        services.harvest.update_source(SYSTEM, "up", {"official": OFFICIAL})
    assert [e.field for e in partial.value.errors] == ["case_no"]
    services.harvest.update_source(SYSTEM, "up", {"official": OFFICIAL, "case_no": CASE})
    assert _only(_run(services)).diff == {"files": [None, ["lots"]]}
    [transfer] = services.agreements.list_transfers(admin, agreement_id)
    assert (transfer.official, transfer.case_no, transfer.version_number) == (OFFICIAL, CASE, 1)


@pytest.mark.parametrize(
    ("details", "fields"),
    [
        ({}, {"official", "case_no"}),
        ({"official": OFFICIAL}, {"case_no"}),
        ({"official": "   ", "case_no": CASE}, {"official"}),
        ({"official": OFFICIAL, "case_no": "x" * 101}, {"case_no"}),
        ({"official": "정도윤\n차장", "case_no": CASE}, {"official"}),
    ],
)
def test_a_partner_source_needs_the_official_and_the_case(
    client: TestClient, services: Services, local: dict[str, Any], details: dict[str, str], fields: set[str]
) -> None:
    headers = _auth(api_token(services, local["actors"]["admin"]))
    body = {"name": "up", "kind": "ckan", "url": "http://127.0.0.1:9", "org": "kepco", **details}
    resp = client.post("/api/v1/harvest/sources", json=body, headers=headers)
    assert resp.status_code == 422, resp.text
    payload = resp.json()
    assert payload["ok"] is False and payload["error"] and payload["error_en"]
    assert {e["field"] for e in payload["errors"]} == fields
    assert all(e["message"] and e["message_en"] for e in payload["errors"])


def test_partner_details_through_the_api_the_page_and_a_move_to_a_partner(
    client: TestClient, services: Services, local: dict[str, Any]
) -> None:
    headers = _auth(api_token(services, local["actors"]["admin"]))
    body = {"name": "up", "kind": "ckan", "url": "http://127.0.0.1:9", "org": "kepco"}
    made = client.post(
        "/api/v1/harvest/sources",
        json={**body, "official": f" {OFFICIAL} ", "case_no": CASE},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    assert (made.json()["official"], made.json()["case_no"]) == (OFFICIAL, CASE)
    cleared = client.patch("/api/v1/harvest/sources/up", json={"case_no": ""}, headers=headers)
    assert cleared.status_code == 422 and [e["field"] for e in cleared.json()["errors"]] == ["case_no"]
    # a city department's source needs neither, until it is moved to a partner
    city = {**body, "name": "city", "org": "transport"}
    assert client.post("/api/v1/harvest/sources", json=city, headers=headers).status_code == 201
    moved = client.patch("/api/v1/harvest/sources/city", json={"org": "kepco"}, headers=headers)
    assert moved.status_code == 422
    assert {e["field"] for e in moved.json()["errors"]} == {"official", "case_no"}
    assert client.get("/api/v1/harvest/sources/city", headers=headers).json()["org"] == "transport"
    moved = client.patch(
        "/api/v1/harvest/sources/city",
        json={"org": "kepco", "official": OFFICIAL, "case_no": "KEPCO-77"},
        headers=headers,
    )
    assert moved.status_code == 200 and moved.json()["case_no"] == "KEPCO-77"

    login(client, "admin")
    page = BeautifulSoup(client.get("/harvest?source=up").text, "html.parser")
    shown = page.select_one("p.harvest-transfer")
    assert shown is not None and OFFICIAL in shown.text and CASE in shown.text


def test_cli_adds_a_partner_source_only_with_official_and_case(
    services: Services, local: dict[str, Any], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUBCITY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("HUBCITY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("HUBCITY_HARVEST__ALLOW_PRIVATE_ADDRESSES", "true")  # the upstream is on loopback
    get_settings.cache_clear()
    runner = CliRunner()
    add = ["harvest", "add", "up", "http://127.0.0.1:9", "--org", "kepco"]
    try:
        refused = runner.invoke(cli_app, add)
        assert refused.exit_code == 2 and "official" in refused.output and "case_no" in refused.output
        added = runner.invoke(cli_app, [*add, "--official", OFFICIAL, "--case-no", CASE])
        assert added.exit_code == 0, added.output
        [listed] = json.loads(runner.invoke(cli_app, ["harvest", "list", "--json"]).stdout)
        assert (listed["official"], listed["case_no"]) == (OFFICIAL, CASE)
    finally:
        get_settings.cache_clear()
