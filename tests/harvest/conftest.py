"""A second hubcity on loopback to harvest from: the CKAN tests' catalogue, served over real HTTP.

Loopback is an internal address, which harvests refuse by default: the harvesting city of
these tests allows internal addresses (``HUBCITY_HARVEST__ALLOW_PRIVATE_ADDRESSES``), as an
installation that harvests from its intranet does. test_address_guard.py runs without it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from hubcity.bootstrap import Services, bootstrap
from hubcity.settings import Settings
from tests.factories import make_city
from tests.live import serve
from tests.web.ckan.conftest import build_catalogue


@pytest.fixture
def allow_private() -> bool:
    """Whether the harvesting city may harvest from internal addresses: yes, the upstreams are on loopback."""
    return True


@pytest.fixture
def networks() -> list[str]:
    """The internal networks the harvesting city may harvest from (``allowed_networks``)."""
    return []


@pytest.fixture
def settings(settings: Settings, allow_private: bool, networks: list[str]) -> Settings:
    harvest = settings.harvest.model_copy(
        update={"allow_private_addresses": allow_private, "allowed_networks": networks}
    )
    return settings.model_copy(update={"harvest": harvest})


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


Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Site:
    """A tiny web server on loopback: fixed answers by path, and a record of every request it got."""

    base: str = ""
    routes: dict[str, Answer | Callable[[], Answer]] = field(default_factory=dict)
    hits: list[tuple[str, str]] = field(default_factory=list)  # (Host header, path with query)

    def paths(self) -> list[str]:
        return [path.split("?", 1)[0] for _, path in self.hits]


@pytest.fixture
def site() -> Iterator[Site]:
    state = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            state.hits.append((self.headers.get("Host", ""), self.path))
            route = state.routes.get(self.path.split("?", 1)[0])
            status, headers, body = (route() if callable(route) else route) if route else (404, {}, b"")
            self.send_response(status)
            for key, value in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="harvest-test-site", daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
