"""Harvesting what an upstream portal keeps private, with its API key.

The upstream is a second hubcity on loopback (tests/harvest/conftest.py): public datasets, one
internal ("staff-only") and one restricted with a file ("secret-parking"). With an API token of
the upstream's editor, the harvesting city (SQLite and PostgreSQL) gets those two as well —
restricted to the source's organisation, never public — and the token is stored sealed and never
shown by any surface.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from hubcity.bootstrap import Services
from hubcity.domain.accounts import ANONYMOUS, SYSTEM, Actor
from hubcity.domain.datasets import Visibility
from hubcity.domain.harvest import HarvestRun
from hubcity.errors import InvalidInput
from hubcity.ports import DatasetFilter
from tests.factories import api_token, login
from tests.harvest.test_harvest_live import PUBLIC

PRIVATE = {"staff-only", "secret-parking"}


def _run(services: Services, source: str) -> HarvestRun:
    queued = services.harvest.run_source(SYSTEM, source)
    run = services.harvest.get_run(SYSTEM, source, queued.id)  # jobs run inline in these tests
    assert run.state.finished, run
    return run


def _upstream_key(remote: Services) -> str:
    user = remote.accounts.find_user("editor")  # ai-policy upstream: reads both private datasets
    assert user is not None
    return api_token(remote, remote.accounts.actor_for(user.id), "harvest")


def test_private_upstream_datasets_arrive_restricted_with_their_files(
    services: Services,
    local: dict[str, Any],
    upstream: tuple[str, Services],
    client: TestClient,
) -> None:
    base, remote = upstream
    key = _upstream_key(remote)
    created = services.harvest.create_source(
        SYSTEM,
        {"name": "up", "kind": "ckan", "url": base, "org": "transport", "fetch_files": True, "api_key": key},
    )
    assert created.has_api_key

    # the key is stored sealed: not in the database in clear, not in any answer
    with services.engine.connect() as con:
        stored = con.execute(text("SELECT api_key_sealed FROM harvest_sources WHERE name = 'up'")).scalar()
    assert stored and key not in stored and stored.startswith("hk1:")
    login(client, "admin")
    read = client.get("/api/v1/harvest/sources/up")
    assert read.status_code == 200 and read.json()["has_api_key"] is True
    assert key not in read.text and "api_key_sealed" not in read.text
    page = client.get("/harvest/up/edit")
    assert page.status_code == 200 and key not in page.text and stored not in page.text

    run = _run(services, "up")
    assert run.state == "succeeded", run.message_en
    assert run.counts == {"created": len(PUBLIC | PRIVATE)}
    for name in PRIVATE:
        ds = services.catalog.get_dataset(SYSTEM, f"up--{name}")
        assert ds.visibility is Visibility.RESTRICTED, name
        assert ds.owner_org_slug == "transport"
    for name in PUBLIC:
        assert services.catalog.get_dataset(SYSTEM, f"up--{name}").visibility is Visibility.PUBLIC
    # what anonymous citizens and another department see: the public ones only
    public = {d.name for d in services.catalog.list_datasets(ANONYMOUS, _all()).items}
    assert public == {f"up--{n}" for n in PUBLIC}
    member: Actor = local["actors"]["member"]  # ai-policy here: not the source's organisation
    assert {d.name for d in services.catalog.list_datasets(member, _all()).items} == public
    transport: Actor = local["actors"]["other"]
    seen = {d.name for d in services.catalog.list_datasets(transport, _all()).items}
    assert seen == {f"up--{n}" for n in PUBLIC | PRIVATE}
    # the restricted upstream file came with the key (same origin) and was ingested
    _, _, ver = services.resources.get_version(transport, "up--secret-parking", "raw")
    assert ver.row_count == 1

    # taking the key away: the next run no longer reaches the private ones
    services.harvest.update_source(SYSTEM, "up", {"api_key": ""})
    assert not services.harvest.get_source(SYSTEM, "up").has_api_key
    later = _run(services, "up")
    assert later.state == "succeeded", later.message_en
    for name in PRIVATE:
        assert services.catalog.get_dataset(SYSTEM, f"up--{name}").visibility is Visibility.RESTRICTED


def _all() -> DatasetFilter:
    return DatasetFilter(limit=100)


def test_a_wrong_key_fails_the_run_with_a_clear_message(
    services: Services, local: dict[str, Any], upstream: tuple[str, Services]
) -> None:
    base, _ = upstream
    services.harvest.create_source(
        SYSTEM, {"name": "bad", "kind": "ckan", "url": base, "org": "transport", "api_key": "not-a-token"}
    )
    run = _run(services, "bad")
    assert run.state == "failed"
    assert "API 키" in run.message and "API key" in run.message_en
    assert services.catalog.list_datasets(SYSTEM, _all()).items == []


def test_a_key_is_for_ckan_sources_only_and_kept_unless_changed(
    services: Services, local: dict[str, Any], upstream: tuple[str, Services]
) -> None:
    base, remote = upstream
    with pytest.raises(InvalidInput) as info:
        services.harvest.create_source(
            SYSTEM,
            {"name": "d", "kind": "dcat", "url": f"{base}/catalog.ttl", "org": "transport", "api_key": "x"},
        )
    assert [e.field for e in info.value.errors] == ["api_key"]
    key = _upstream_key(remote)
    services.harvest.create_source(
        SYSTEM, {"name": "up", "kind": "ckan", "url": base, "org": "transport", "api_key": key}
    )
    services.harvest.update_source(SYSTEM, "up", {"title": "원격 포털"})  # no api_key: kept
    assert services.harvest.get_source(SYSTEM, "up").has_api_key
    assert _run(services, "up").counts == {"created": len(PUBLIC | PRIVATE)}
    # a source turned into a DCAT source drops its key: a catalogue document never gets one
    services.harvest.update_source(SYSTEM, "up", {"kind": "dcat", "url": f"{base}/catalog.ttl"})
    assert not services.harvest.get_source(SYSTEM, "up").has_api_key
