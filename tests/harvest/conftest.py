"""A second hubcity on loopback to harvest from: the CKAN tests' catalogue, served over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hubcity.bootstrap import Services, bootstrap
from hubcity.settings import Settings
from tests.factories import make_city
from tests.live import serve
from tests.web.ckan.conftest import build_catalogue


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[tuple[str, Services]]:
    """Another portal (its own SQLite database and lake), with public, internal and restricted datasets."""
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "upstream",
        database_url=f"sqlite:///{tmp_path / 'upstream.sqlite3'}",
        secret_key="test-secret-key-upstream-0123",  # type: ignore[arg-type]
    )
    svc = bootstrap(settings, immediate=True)
    svc.migrate()
    files = tmp_path / "upstream-files"
    files.mkdir()
    build_catalogue(svc, files)
    try:
        with serve(svc) as base:
            yield base, svc
    finally:
        svc.close()


@pytest.fixture
def local(services: Services) -> dict[str, Any]:
    """The harvesting city (SQLite or PostgreSQL): organisations and users of tests/factories.py."""
    return make_city(services)
