"""A scheduled harvest on the real timer: the job workers' periodic check, as `hubcity serve` runs it.

Nothing here calls run_due: the source is saved, and the workers' clock (huey's periodic task,
``HUBCITY_HARVEST__CHECK_MINUTES=1``) must find it due and harvest it from a second hubcity on
loopback. It waits up to two minute boundaries, so it runs once, on SQLite; the periodic check
itself runs on both databases in test_harvest_surfaces.py.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from hubcity.bootstrap import Services
from hubcity.domain.accounts import ANONYMOUS, SYSTEM
from hubcity.ports import DatasetFilter
from hubcity.settings import Settings
from tests.factories import make_city
from tests.harvest.test_harvest_live import PUBLIC


@pytest.fixture
def settings(settings: Settings) -> Settings:
    harvest = settings.harvest.model_copy(update={"check_minutes": 1})
    return settings.model_copy(update={"harvest": harvest})


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_due_source_is_harvested_by_the_workers_clock(
    threaded_services: Services, upstream: tuple[str, Services]
) -> None:
    services = threaded_services
    make_city(services)
    base, _ = upstream
    services.harvest.create_source(
        SYSTEM, {"name": "up", "kind": "ckan", "url": base, "org": "transport", "schedule_hours": 24}
    )
    services.harvest.create_source(  # by hand only: the clock leaves it alone
        SYSTEM, {"name": "byhand", "kind": "ckan", "url": base, "org": "ai-policy", "schedule_hours": 0}
    )
    deadline = time.monotonic() + 150  # the next minute boundary, and the one after, with room
    runs: list[Any] = []
    while time.monotonic() < deadline:
        runs = services.harvest.list_runs(SYSTEM, "up")
        if runs and runs[0].state.finished:
            break
        time.sleep(0.5)
    assert runs, "the periodic check did not queue the due source"
    assert runs[0].trigger == "schedule"
    assert runs[0].state == "succeeded", runs[0].message_en
    assert runs[0].counts == {"created": len(PUBLIC)}
    page = services.catalog.list_datasets(ANONYMOUS, DatasetFilter(org="transport", limit=100))
    assert {d.name for d in page.items} == {f"up--{n}" for n in PUBLIC}
    assert services.harvest.list_runs(SYSTEM, "byhand") == []
