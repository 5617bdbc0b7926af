"""The address guard of harvesting (server-side request forgery).

Internal addresses are refused when a source is saved (an address written out), when a run
connects (the address a name resolves to, checked and then connected to), on every redirect
hop, on every page and file a catalogue names — unless the installation allows them. The
harvesting city here runs with the default policy, or with ``allowed_networks`` naming the
test site's 127.0.0.1 alone, so that its loopback neighbours (127.0.0.2, ::1) and the cloud
metadata address 169.254.169.254 stay refused. Nothing refused is ever connected to: the
site records every request it gets.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from hubcity.adapters.harvest import HttpHarvestTransport
from hubcity.bootstrap import Services
from hubcity.domain.accounts import ANONYMOUS, SYSTEM
from hubcity.domain.harvest import AddressPolicy, HarvestRun
from hubcity.errors import InvalidInput, RemoteError
from tests.factories import api_token
from tests.harvest.conftest import Answer, Site

SEARCH = "/api/3/action/package_search"


@pytest.fixture
def allow_private() -> bool:
    """The default policy: no internal addresses (tests parametrize ``networks`` to allow some)."""
    return False


def _json(body: Any, status: int = 200) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


def _search(*packages: dict[str, Any]) -> Answer:
    return _json({"success": True, "result": {"count": len(packages), "results": list(packages)}})


def _package(name: str, *file_urls: str) -> dict[str, Any]:
    return {
        "id": f"id-{name}",
        "name": name,
        "title": f"데이터셋 {name}",
        "state": "active",
        "license_id": "KOGL-Type1",
        "resources": [
            {"id": f"r{i}", "name": f"file-{i}", "url": url, "format": "CSV", "hash": str(i)}
            for i, url in enumerate(file_urls)
        ],
    }


def _add(services: Services, url: str, **kw: Any) -> None:
    source = {"name": "nb", "kind": "ckan", "url": url, "org": "transport", "schedule_hours": 0, **kw}
    services.harvest.create_source(SYSTEM, source)


def _run(services: Services, name: str = "nb") -> HarvestRun:
    queued = services.harvest.run_source(SYSTEM, name)
    run = services.harvest.get_run(SYSTEM, name, queued.id)  # jobs run inline in these tests
    assert run.state.finished, run
    return run


def _refused(message: str, message_en: str, shown: str) -> bool:
    return (
        f"내부망 주소에서는 수집하지 않습니다: {shown}" in message
        and f"Harvesting from an internal address is refused: {shown}" in message_en
        and "HUBCITY_HARVEST__ALLOW_PRIVATE_ADDRESSES" in message_en
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://[::1]/catalog.ttl",
        "https://10.1.2.3/api/3/action",
        "http://169.254.169.254/latest/meta-data/",
        "http://2130706433/",
        "http://0.0.0.0:9",
    ],
)
def test_an_internal_address_written_out_is_refused_when_the_source_is_saved(
    client: TestClient, services: Services, local: dict[str, Any], url: str
) -> None:
    headers = {"Authorization": f"Bearer {api_token(services, local['actors']['admin'])}"}
    body = {"name": "nb", "kind": "ckan", "url": url, "org": "transport"}
    resp = client.post("/api/v1/harvest/sources", json=body, headers=headers)
    assert resp.status_code == 422, resp.text
    payload = resp.json()
    assert [e["field"] for e in payload["errors"]] == ["url"]
    assert "내부망 주소" in payload["error"] and "internal address" in payload["error_en"]
    assert "내부망 주소" in payload["errors"][0]["message"]
    assert "internal address" in payload["errors"][0]["message_en"]
    # a name is looked up when a run connects, not when it is saved; changing it to an address is checked
    made = client.post(
        "/api/v1/harvest/sources", json={**body, "url": "https://data.example.go.kr"}, headers=headers
    )
    assert made.status_code == 201, made.text
    changed = client.patch("/api/v1/harvest/sources/nb", json={"url": url}, headers=headers)
    assert changed.status_code == 422 and changed.json()["errors"][0]["field"] == "url"
    assert services.harvest.get_source(SYSTEM, "nb").url == "https://data.example.go.kr"


@pytest.mark.parametrize("networks", [["10.0.0.0/8"]])
def test_allowed_networks_may_be_saved_and_others_not(services: Services, local: dict[str, Any]) -> None:
    _add(services, "http://10.20.30.40/api/3/action")
    with pytest.raises(InvalidInput, match="내부망 주소") as caught:
        _add(services, "http://192.168.0.10/api/3/action", name="other")
    assert [e.field for e in caught.value.errors] == ["url"]


def test_a_source_on_loopback_fails_its_run_and_nothing_is_fetched(
    services: Services, local: dict[str, Any], site: Site
) -> None:
    """A source saved before the guard existed (or while the setting allowed it) is refused at run time."""
    site.routes[SEARCH] = _search(_package("secret"))
    org = services.accounts.get_org("transport")
    services.harvest.store.create_source(
        {"name": "nb", "title": "", "kind": "ckan", "url": site.base, "org_id": org.id, "schedule_hours": 0}
    )
    run = _run(services)
    assert run.state == "failed"
    assert _refused(run.message, run.message_en, "127.0.0.1 (")
    assert "(루프백)" in run.message and "(loopback)" in run.message_en
    assert site.hits == []


def test_a_name_that_resolves_to_loopback_is_refused_when_connecting(
    services: Services, local: dict[str, Any], site: Site
) -> None:
    site.routes[SEARCH] = _search(_package("secret"))
    _add(services, site.base.replace("127.0.0.1", "localhost"))  # a name: saved
    run = _run(services)
    assert run.state == "failed"
    assert _refused(run.message, run.message_en, "localhost → ")
    assert "loopback" in run.message_en
    assert site.hits == []
    assert services.catalog.find_dataset(SYSTEM, "nb--secret") is None


def test_the_address_checked_is_the_address_connected_to(site: Site) -> None:
    """One lookup per connection: the name is resolved, every address checked, and the socket goes
    to the checked address (a second lookup that could answer differently never happens)."""
    site.routes[SEARCH] = _search(_package("ok"))
    port = urlsplit(site.base).port
    url = f"http://portal.example.org:{port}"
    lookups: list[str] = []

    def to_loopback(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    args: dict[str, Any] = {"filter_org": "", "filter_q": "", "limit": 10}
    strict = HttpHarvestTransport(resolver=to_loopback)
    with pytest.raises(RemoteError) as caught:
        strict.list_datasets("ckan", url, **args)
    assert _refused(caught.value.message, caught.value.message_en, "portal.example.org → 127.0.0.1 (")
    assert site.hits == []

    def mixed(host: str, port: int) -> list[str]:  # one public, one internal: refused as a whole
        return ["93.184.216.34", "127.0.0.1"]

    with pytest.raises(RemoteError, match="127.0.0.1"):
        HttpHarvestTransport(resolver=mixed).list_datasets("ckan", url, **args)
    assert site.hits == []

    lookups.clear()
    intranet = AddressPolicy.of(allowed_networks=["127.0.0.1/32"])
    allowed = HttpHarvestTransport(policy=intranet, resolver=to_loopback)
    assert [d.name for d in allowed.list_datasets("ckan", url, **args)] == ["ok"]
    assert lookups == ["portal.example.org"]
    assert site.hits == [(f"portal.example.org:{port}", f"{SEARCH}?rows=100&start=0&sort=name+asc")]


def test_with_the_setting_the_loopback_is_harvested(site: Site) -> None:
    site.routes[SEARCH] = _search(_package("ok"))
    args: dict[str, Any] = {"filter_org": "", "filter_q": "", "limit": 10}
    with pytest.raises(RemoteError):
        HttpHarvestTransport().list_datasets("ckan", site.base, **args)
    assert site.hits == []
    found = HttpHarvestTransport(policy=AddressPolicy(allow_private=True)).list_datasets(
        "ckan", site.base, **args
    )
    assert [d.name for d in found] == ["ok"] and len(site.hits) == 1


@pytest.mark.parametrize("networks", [["127.0.0.1/32"]])
@pytest.mark.parametrize(
    ("location", "shown", "kind"),
    [
        ("http://169.254.169.254/latest/meta-data/iam/credentials/", "169.254.169.254", "link-local"),
        ("http://[::1]:{port}/api/3/action/package_search", "::1", "loopback"),
    ],
)
def test_a_redirect_to_an_internal_address_is_refused(
    services: Services, local: dict[str, Any], site: Site, location: str, shown: str, kind: str
) -> None:
    port = urlsplit(site.base).port
    site.routes[SEARCH] = (302, {"Location": location.format(port=port)}, b"")
    _add(services, site.base)  # 127.0.0.1 is allowed here
    run = _run(services)
    assert run.state == "failed"
    assert _refused(run.message, run.message_en, f"{shown} (")
    assert kind in run.message_en
    assert site.paths() == [SEARCH]  # the first hop only


@pytest.mark.parametrize("networks", [["127.0.0.1/32"]])
def test_files_on_internal_addresses_are_refused_and_the_others_fetched(
    services: Services, local: dict[str, Any], site: Site
) -> None:
    port = urlsplit(site.base).port
    site.routes[SEARCH] = _search(
        _package(
            "lots",
            f"{site.base}/files/lots.csv",
            f"http://127.0.0.2:{port}/files/secret.csv",
            "http://169.254.169.254/latest/meta-data/iam.csv",
        )
    )
    site.routes["/files/lots.csv"] = (200, {"Content-Type": "text/csv"}, "주차장,면수\n충장로,120\n".encode())
    _add(services, site.base, fetch_files=True)
    run = _run(services)
    assert run.state == "succeeded", run.message_en  # one dataset's files do not stop the run
    assert run.changes is not None and len(run.changes) == 1
    change = run.changes[0]
    assert str(change.kind) == "failed" and change.dataset_name == "nb--lots"
    assert _refused(change.message, change.message_en, "127.0.0.2 (")
    assert "169.254.169.254 (" in change.message and "169.254.169.254 (link-local" in change.message_en
    assert sorted(site.paths()) == ["/api/3/action/package_search", "/files/lots.csv"]
    _, resources = services.resources.list_resources(ANONYMOUS, "nb--lots")
    assert [r.name for r in resources] == ["file-0"]


@pytest.mark.parametrize("networks", [["127.0.0.1/32"]])
def test_a_next_page_on_an_internal_address_is_refused(
    services: Services, local: dict[str, Any], site: Site
) -> None:
    page = f"""
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
<{site.base}/catalog.ttl> a dcat:Catalog ; dcat:dataset <{site.base}/ds/1> ;
  hydra:nextPage <http://10.0.0.1/catalog.ttl?page=2> .
<{site.base}/ds/1> a dcat:Dataset ; dct:identifier "one" ; dct:title "하나"@ko .
"""
    site.routes["/catalog.ttl"] = (200, {"Content-Type": "text/turtle"}, page.encode())
    _add(services, f"{site.base}/catalog.ttl", kind="dcat")
    run = _run(services)
    assert run.state == "failed"
    assert _refused(run.message, run.message_en, "10.0.0.1 (")
    assert "private network" in run.message_en
    assert site.paths() == ["/catalog.ttl"]
