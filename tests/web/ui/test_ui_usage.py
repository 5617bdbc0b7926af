"""Usage figures per dataset — page views, downloads, API calls — counted without tracking anyone."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect
from tests.web.ui.conftest import soup

from hubcity.bootstrap import Services, bootstrap
from hubcity.domain.accounts import SYSTEM
from hubcity.domain.datasets import Usage
from hubcity.services.usage import UsageCounter

BASE = "/api/v1/datasets/population"


def _usage(services: Services, name: str = "population") -> dict[str, int]:
    """The counts as stored once the counts gathered in memory are written (read through the
    service, which counts nothing itself)."""
    services.catalog.usage.flush()
    d = services.catalog.get_dataset(SYSTEM, name)
    return {"views": d.view_count, "downloads": d.download_count, "api_calls": d.api_call_count}


def test_views_downloads_and_api_calls_are_counted_where_they_happen(
    client: TestClient, services: Services, catalog: dict[str, Any]
) -> None:
    assert _usage(services) == {"views": 0, "downloads": 0, "api_calls": 0}

    client.get("/datasets/population")
    client.get("/datasets/population?resource=population")
    assert _usage(services) == {"views": 2, "downloads": 0, "api_calls": 0}

    assert client.get(f"{BASE}/resources/population/rows?limit=2").status_code == 200
    assert client.get(f"{BASE}/resources").status_code == 200
    assert client.get(f"{BASE}/resources/population").status_code == 200
    assert _usage(services) == {"views": 2, "downloads": 0, "api_calls": 3}

    assert client.get(f"{BASE}/resources/population/download?format=csv").status_code == 200
    assert client.get(f"{BASE}/resources/population/download?format=source").status_code == 200
    assert _usage(services) == {"views": 2, "downloads": 2, "api_calls": 5}

    # the dataset through the API shows the figures so far; the read itself is one more API call
    services.catalog.usage.flush()
    data = client.get(BASE).json()
    assert data["usage"] == {"views": 2, "downloads": 2, "api_calls": 5}
    assert data["view_count"] == 2 and data["download_count"] == 2
    assert _usage(services)["api_calls"] == 6

    # reads that fail count nothing
    assert client.get(f"{BASE}/resources/nothing/rows").status_code == 404
    assert client.get(f"{BASE}/resources/population/download?format=pdf").status_code == 422
    assert _usage(services) == {"views": 2, "downloads": 2, "api_calls": 6}

    # the page shows all three (as counted before this view)
    services.catalog.usage.flush()
    usage = soup(client.get("/datasets/population")).select_one("dd.usage").get_text(" ", strip=True)
    assert "조회 2" in usage and "내려받기 2" in usage and "API 호출 6" in usage
    assert "누가" in usage  # it says that only counts are kept
    services.catalog.usage.flush()
    english = (
        soup(client.get("/datasets/population?lang=en")).select_one("dd.usage").get_text(" ", strip=True)
    )
    assert "3 views" in english and "6 API calls" in english and "never who" in english


def test_listing_or_searching_does_not_count_as_a_use(
    client: TestClient, services: Services, catalog: dict[str, Any]
) -> None:
    client.get("/api/v1/datasets")
    client.get("/api/v1/datasets?q=인구")
    client.get("/datasets?q=인구")
    client.get("/")
    assert _usage(services) == {"views": 0, "downloads": 0, "api_calls": 0}
    listed = client.get("/api/v1/datasets").json()["items"]
    assert all(set(d["usage"]) == {"views", "downloads", "api_calls"} for d in listed)


def test_hidden_datasets_are_not_counted_for_those_who_cannot_see_them(
    client: TestClient, services: Services, catalog: dict[str, Any]
) -> None:
    assert client.get("/api/v1/datasets/secret-plan").status_code == 404
    assert client.get("/datasets/secret-plan").status_code == 404
    assert _usage(services, "secret-plan") == {"views": 0, "downloads": 0, "api_calls": 0}


def test_usage_is_stored_as_counts_only(services: Services) -> None:
    """Nothing about who: the datasets table gains one counter, and no table holds addresses or visitors."""
    inspector = inspect(services.engine)
    usage_columns = {c["name"] for c in inspector.get_columns("datasets")} & {
        "view_count",
        "download_count",
        "api_call_count",
    }
    assert usage_columns == {"view_count", "download_count", "api_call_count"}
    for table in inspector.get_table_names():
        names = {c["name"].lower() for c in inspector.get_columns(table)}
        assert not names & {"ip", "ip_address", "client_ip", "remote_addr", "user_agent", "visitor"}, table


def test_uses_are_gathered_in_memory_and_written_in_one_go(
    client: TestClient, services: Services, catalog: dict[str, Any]
) -> None:
    """No commit per request: the counts wait in memory until the writer's next turn (a flush)."""
    for _ in range(3):
        assert client.get(f"{BASE}/resources/population/rows?limit=1").status_code == 200
    client.get("/datasets/population")
    stored = services.catalog.get_dataset(SYSTEM, "population")
    assert (stored.view_count, stored.api_call_count) == (0, 0)
    dataset_id = catalog["public"].id
    assert services.catalog.usage.pending() == {dataset_id: Usage(views=1, api_calls=3)}
    assert services.catalog.usage.flush() == 1
    assert services.catalog.usage.pending() == {}
    assert _usage(services) == {"views": 1, "downloads": 0, "api_calls": 3}
    assert services.catalog.usage.flush() == 0  # nothing new: nothing written


def test_uses_are_written_by_the_background_writer_within_seconds(
    services: Services, catalog: dict[str, Any]
) -> None:
    counter = UsageCounter(services.catalog.store, every_seconds=0.05)
    try:
        counter.add(catalog["public"].id, Usage(downloads=2))
        deadline = time.monotonic() + 10
        while counter.pending() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert counter.pending() == {}
        assert services.catalog.get_dataset(SYSTEM, "population").download_count == 2
    finally:
        counter.close()


def test_uses_left_at_shutdown_are_written(services: Services, catalog: dict[str, Any]) -> None:
    """Another process (its own services) counts a download and shuts down: the count is stored."""
    other = bootstrap(services.settings, immediate=True)
    other.catalog.record_use(other.catalog.get_dataset(SYSTEM, "population"), "api", download=True)
    assert _usage(services) == {"views": 0, "downloads": 0, "api_calls": 0}
    other.close()
    assert _usage(services) == {"views": 0, "downloads": 1, "api_calls": 1}


def test_uses_that_cannot_be_written_are_kept_for_the_next_try(
    services: Services, catalog: dict[str, Any]
) -> None:
    class Away:
        def count_usage(self, counts: object) -> None:
            raise OSError("database away")

    dataset_id = catalog["public"].id
    counter = UsageCounter(Away())  # type: ignore[arg-type]
    counter.add(dataset_id, Usage(api_calls=1))
    with pytest.raises(OSError):
        counter.flush()
    counter.add(dataset_id, Usage(api_calls=1))
    assert counter.pending() == {dataset_id: Usage(api_calls=2)}
    counter.store = services.catalog.store  # the database is back: the shutdown writes them
    counter.close()
    assert counter.pending() == {}
    assert _usage(services)["api_calls"] == 2
