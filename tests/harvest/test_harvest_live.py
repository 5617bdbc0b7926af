"""Harvesting from a second hubcity on loopback, over its CKAN Action API and its DCAT catalogue.

The upstream portal runs on SQLite and serves real HTTP (uvicorn); the harvesting city runs
on SQLite and on PostgreSQL. What arrives, what a second run says, what an upstream edit
and an upstream deletion do, and files ingested as versions — checked as a user would.
"""

from __future__ import annotations

from typing import Any

import pytest

from hubcity.bootstrap import Services
from hubcity.domain.accounts import ANONYMOUS, SYSTEM
from hubcity.domain.harvest import HarvestRun
from hubcity.ports import DatasetFilter
from tests.live import free_port

PUBLIC = {"public-parking", "population", "parking-fines"}  # the upstream's public datasets


def _run(services: Services, source: str) -> HarvestRun:
    queued = services.harvest.run_source(SYSTEM, source)
    run = services.harvest.get_run(SYSTEM, source, queued.id)  # jobs run inline in these tests
    assert run.state.finished, run
    return run


def _changes(run: HarvestRun) -> dict[str, tuple[str, dict[str, Any]]]:
    assert run.changes is not None
    return {c.identifier: (str(c.kind), c.diff) for c in run.changes}


def _add(services: Services, name: str, kind: str, url: str, **kw: Any) -> None:
    services.harvest.create_source(
        SYSTEM, {"name": name, "kind": kind, "url": url, "org": "transport", "schedule_hours": 24, **kw}
    )


def _public_names(services: Services) -> set[str]:
    page = services.catalog.list_datasets(ANONYMOUS, DatasetFilter(org="transport", limit=100))
    return {d.name for d in page.items}


@pytest.mark.parametrize("kind", ["ckan", "dcat"])
def test_harvest_lifecycle(
    services: Services, local: dict[str, Any], upstream: tuple[str, Services], kind: str
) -> None:
    base, remote = upstream
    url = base if kind == "ckan" else f"{base}/catalog.ttl?page_size=2"  # DCAT: three pages
    _add(services, "up", kind, url)

    first = _run(services, "up")
    assert first.state == "succeeded", first.message_en
    assert first.counts == {"created": 3}
    assert set(_changes(first)) == PUBLIC
    assert _public_names(services) == {f"up--{n}" for n in PUBLIC}
    for hidden in ("staff-only", "secret-parking"):
        assert services.catalog.find_dataset(SYSTEM, f"up--{hidden}") is None
    parking = services.catalog.get_dataset(ANONYMOUS, "up--public-parking")
    assert parking.title == "광주광역시 공영주차장 현황"
    assert parking.title_en == "Public parking lots"
    assert set(parking.keywords) == {"주차장", "교통"}
    assert parking.licence == "kogl-1"
    assert parking.theme == "transport"
    assert parking.owner_org_slug == "transport"
    assert str(parking.temporal_start) == "2024-01-01"
    origin = services.harvest.origin(parking)
    assert origin is not None and origin.source == "up"
    assert origin.upstream_url.startswith(base) and "public-parking" in origin.upstream_url

    second = _run(services, "up")
    assert second.counts == {"unchanged": 3}

    remote.catalog.update_dataset(SYSTEM, "population", {"title": "행정동별 인구현황 (2025)"})
    third = _run(services, "up")
    assert third.counts == {"updated": 1, "unchanged": 2}
    changes = _changes(third)
    kind_of, diff = changes["population"]
    assert kind_of == "updated"
    assert diff["title"] == ["행정동별 인구현황", "행정동별 인구현황 (2025)"]
    # DCAT-AP needs a description, so the upstream writes one from the title when there is none
    assert set(diff) == ({"title"} if kind == "ckan" else {"title", "description"})
    assert services.catalog.get_dataset(ANONYMOUS, "up--population").title == "행정동별 인구현황 (2025)"

    remote.catalog.delete_dataset(SYSTEM, "parking-fines")
    fourth = _run(services, "up")
    assert fourth.counts == {"deleted": 1, "unchanged": 2}
    assert _changes(fourth)["parking-fines"][0] == "deleted"
    # unpublished, not deleted: gone for citizens, kept for the organisation
    assert "up--parking-fines" not in _public_names(services)
    kept = services.catalog.get_dataset(local["actors"]["other"], "up--parking-fines")
    assert str(kept.visibility) == "restricted"
    flagged = services.harvest.origin(kept)
    assert flagged is not None and flagged.deleted_upstream

    fifth = _run(services, "up")
    assert fifth.counts == {"unchanged": 2}  # a deletion is logged once


def test_local_names_never_clash(
    services: Services, local: dict[str, Any], upstream: tuple[str, Services]
) -> None:
    base, _ = upstream
    services.catalog.create_dataset(
        SYSTEM, {"name": "up--population", "title": "우리 시 자체 데이터", "owner_org": "ai-policy"}
    )
    _add(services, "up", "ckan", base)
    run = _run(services, "up")
    assert run.counts == {"created": 3}
    assert services.catalog.get_dataset(SYSTEM, "up--population").title == "우리 시 자체 데이터"
    names = {c.dataset_name for c in run.changes or []}
    assert "up--population-2" in names
    assert services.catalog.get_dataset(SYSTEM, "up--population-2").title == "행정동별 인구현황"


def test_a_dataset_deleted_here_stays_deleted_until_a_run_restores_it(
    services: Services, local: dict[str, Any], upstream: tuple[str, Services]
) -> None:
    base, _ = upstream
    _add(services, "up", "ckan", base)
    assert _run(services, "up").counts == {"created": 3}
    services.catalog.delete_dataset(SYSTEM, "up--population")  # the department does not want it

    again = _run(services, "up")
    assert again.counts == {"skipped": 1, "unchanged": 2}
    [skipped] = [c for c in again.changes or [] if str(c.kind) == "skipped"]
    assert skipped.identifier == "population" and "restore" in skipped.message_en
    assert "up--population" not in _public_names(services)
    assert _run(services, "up").counts == {"skipped": 1, "unchanged": 2}  # and the next run too

    queued = services.harvest.run_source(SYSTEM, "up", restore=True)
    restored = services.harvest.get_run(SYSTEM, "up", queued.id)
    assert restored.counts == {"created": 1, "unchanged": 2}
    assert services.catalog.get_dataset(ANONYMOUS, "up--population").title == "행정동별 인구현황"
    assert _run(services, "up").counts == {"unchanged": 3}


def test_fetch_files_ingests_a_csv_as_version_1(
    services: Services, local: dict[str, Any], upstream: tuple[str, Services]
) -> None:
    base, _ = upstream
    _add(services, "up", "ckan", base, fetch_files=True, filter_q="주차장")
    run = _run(services, "up")
    assert run.state == "succeeded", run.message_en
    assert _changes(run)["public-parking"][0] == "created"
    _, resources = services.resources.list_resources(ANONYMOUS, "up--public-parking")
    assert [r.name for r in resources] == ["lots"]
    version = resources[0].current
    assert version is not None and version.number == 1 and version.format == "csv"
    assert version.row_count == 4
    rows = services.resources.read_rows(ANONYMOUS, "up--public-parking", "lots", limit=10)
    assert [r["주차장명"] for r in rows.rows][:2] == ["충장로 공영주차장", "상무지구 공영주차장"]
    assert rows.rows[1]["주차면수"] == 1050  # typed as any upload is
    again = _run(services, "up")
    assert {k for k, _ in _changes(again).values()} == {"unchanged"}
    _, resources = services.resources.list_resources(ANONYMOUS, "up--public-parking")
    assert resources[0].version_count == 1


def test_a_refused_connection_fails_the_run_with_a_clear_message(
    services: Services, local: dict[str, Any]
) -> None:
    _add(services, "down", "ckan", f"http://127.0.0.1:{free_port()}")
    run = _run(services, "down")
    assert run.state == "failed"
    assert "연결할 수 없습니다" in run.message
    assert "Could not connect" in run.message_en
    assert _public_names(services) == set()


def test_garbage_fails_the_run_with_a_clear_message(
    services: Services, local: dict[str, Any], upstream: tuple[str, Services]
) -> None:
    base, _ = upstream
    _add(services, "html", "dcat", f"{base}/datasets")  # an HTML page, not a catalogue
    run = _run(services, "html")
    assert run.state == "failed"
    assert "DCAT 카탈로그" in run.message and "DCAT catalogue" in run.message_en
    _add(services, "notckan", "ckan", f"{base}/nowhere")  # no CKAN API there: 404
    run = _run(services, "notckan")
    assert run.state == "failed"
    assert "HTTP 404" in run.message and "HTTP 404" in run.message_en
