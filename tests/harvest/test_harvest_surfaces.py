"""Harvesting through the API, the /harvest page, the dataset page and the CLI — with who may do what."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hubcity.bootstrap import Services
from hubcity.cli import app as cli_app
from hubcity.domain.accounts import SYSTEM, Actor
from hubcity.settings import get_settings
from tests.factories import PASSWORD, api_token, login
from tests.live import free_port


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def people(services: Services, local: dict[str, Any]) -> dict[str, str]:
    """Tokens: the sysadmin, an admin of 'transport', an editor of 'transport' (no admin)."""
    admin = services.accounts.create_user(
        SYSTEM, username="tadmin", password=PASSWORD, display_name="교통관리", org="transport", role="admin"
    )
    return {
        "sysadmin": api_token(services, local["actors"]["admin"]),
        "tadmin": api_token(services, Actor.for_user(admin)),
        "editor": api_token(services, local["actors"]["other"]),
    }


def _source(url: str, **kw: Any) -> dict[str, Any]:
    return {"name": "up", "kind": "ckan", "url": url, "org": "transport", **kw}


def test_sources_are_managed_by_sysadmins_and_org_admins_only(
    client: TestClient, people: dict[str, str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert client.get("/api/v1/harvest/sources").status_code == 401
    denied = client.post("/api/v1/harvest/sources", json=_source(url), headers=_auth(people["editor"]))
    assert denied.status_code == 403 and denied.json()["error_en"]
    other_org = client.post(
        "/api/v1/harvest/sources", json=_source(url, org="ai-policy"), headers=_auth(people["tadmin"])
    )
    assert other_org.status_code == 403
    made = client.post("/api/v1/harvest/sources", json=_source(url), headers=_auth(people["tadmin"]))
    assert made.status_code == 201, made.text
    assert made.json()["org"] == "transport" and made.json()["last_run"] is None
    again = client.post("/api/v1/harvest/sources", json=_source(url), headers=_auth(people["sysadmin"]))
    assert again.status_code == 409
    # for the editor the source does not exist
    assert client.get("/api/v1/harvest/sources", headers=_auth(people["editor"])).json() == []
    assert client.get("/api/v1/harvest/sources/up", headers=_auth(people["editor"])).status_code == 404
    assert client.post("/api/v1/harvest/sources/up/run", headers=_auth(people["editor"])).status_code == 404
    listed = client.get("/api/v1/harvest/sources", headers=_auth(people["sysadmin"])).json()
    assert [s["name"] for s in listed] == ["up"]
    changed = client.patch(
        "/api/v1/harvest/sources/up",
        json={"schedule_hours": 6, "enabled": False},
        headers=_auth(people["tadmin"]),
    )
    assert changed.status_code == 200 and changed.json()["schedule_hours"] == 6
    assert changed.json()["enabled"] is False
    assert client.delete("/api/v1/harvest/sources/up", headers=_auth(people["tadmin"])).status_code == 204
    assert client.get("/api/v1/harvest/sources/up", headers=_auth(people["tadmin"])).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "oai-pmh"}, "kind"),
        ({"url": "ftp://example.org/catalog"}, "url"),
        ({"name": "Bad Name!"}, "name"),
        ({"schedule_hours": -1}, "schedule_hours"),
    ],
)
def test_bad_sources_are_explained(
    client: TestClient, people: dict[str, str], body: dict[str, Any], field: str
) -> None:
    resp = client.post(
        "/api/v1/harvest/sources",
        json={**_source("http://127.0.0.1:9"), **body},
        headers=_auth(people["tadmin"]),
    )
    assert resp.status_code == 422
    payload = resp.json()
    assert payload["ok"] is False and payload["error"] and payload["error_en"]
    assert any(field in e["field"] for e in payload["errors"])


def test_run_through_the_api_and_read_the_change_log(
    client: TestClient, people: dict[str, str], upstream: tuple[str, Services]
) -> None:
    base, _ = upstream
    headers = _auth(people["tadmin"])
    assert client.post("/api/v1/harvest/sources", json=_source(base), headers=headers).status_code == 201
    run = client.post("/api/v1/harvest/sources/up/run", headers=headers)
    assert run.status_code == 202, run.text
    runs = client.get("/api/v1/harvest/sources/up/runs", headers=headers).json()
    assert runs[0]["id"] == run.json()["id"] and runs[0]["state"] == "succeeded"
    assert runs[0]["counts"] == {"created": 3}
    assert {c["kind"] for c in runs[0]["changes"]} == {"created"}
    assert {c["dataset"] for c in runs[0]["changes"]} == {
        "up--public-parking",
        "up--population",
        "up--parking-fines",
    }
    one = client.get(f"/api/v1/harvest/sources/up/runs/{runs[0]['id']}", headers=headers).json()
    assert len(one["changes"]) == 3
    # the dataset says where it came from, to anyone who may read it
    ds = client.get("/api/v1/datasets/up--public-parking").json()
    assert ds["harvest"]["source"] == "up" and ds["harvest"]["kind"] == "ckan"
    assert ds["harvest"]["upstream_url"].startswith(base)
    assert ds["harvest"]["deleted_upstream"] is False
    page = BeautifulSoup(client.get("/datasets/up--public-parking").text, "html.parser")
    origin = page.select_one("dd.harvest-origin")
    assert origin is not None and "up" in origin.text
    link = origin.select_one("a")
    assert link is not None and str(link["href"]).startswith(base)


def test_a_failed_run_is_logged_not_a_500(client: TestClient, people: dict[str, str]) -> None:
    headers = _auth(people["tadmin"])
    client.post("/api/v1/harvest/sources", json=_source(f"http://127.0.0.1:{free_port()}"), headers=headers)
    run = client.post("/api/v1/harvest/sources/up/run", headers=headers)
    assert run.status_code == 202
    runs = client.get("/api/v1/harvest/sources/up/runs", headers=headers).json()
    assert runs[0]["state"] == "failed"
    assert "연결할 수 없습니다" in runs[0]["message"] and "Could not connect" in runs[0]["message_en"]


def test_the_harvest_page_lists_runs_and_changes(
    client: TestClient, services: Services, people: dict[str, str], upstream: tuple[str, Services]
) -> None:
    base, _ = upstream
    services.harvest.create_source(SYSTEM, {**_source(base), "title": "이웃 포털"})
    assert client.get("/harvest").status_code == 401
    login(client, "other")  # an editor of the organisation, not its admin
    assert "이웃 포털" not in client.get("/harvest").text
    client.get("/logout")
    login(client, "tadmin")
    page = BeautifulSoup(client.get("/harvest").text, "html.parser")
    form = page.select_one("form[action='/harvest/up/run']")
    assert form is not None and "이웃 포털" in page.text
    csrf = form.select_one("input[name=csrf]")
    assert csrf is not None
    done = client.post("/harvest/up/run", data={"csrf": csrf["value"]}, follow_redirects=True)
    assert done.status_code == 200
    log = BeautifulSoup(done.text, "html.parser")
    rows = log.select("table.harvest-changes tbody tr")
    assert len(rows) == 3 and all("새로 수집" in r.text for r in rows)
    assert log.select_one("a[href='/datasets/up--population']") is not None
    twin = client.get("/harvest?source=up&format=json").json()
    assert twin["run"]["counts"] == {"created": 3}
    bad = client.post("/harvest/up/run", data={"csrf": "wrong"})
    assert bad.status_code == 403


def test_cli_adds_lists_and_runs(
    services: Services,
    local: dict[str, Any],
    upstream: tuple[str, Services],
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    base, _ = upstream
    monkeypatch.setenv("HUBCITY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("HUBCITY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("HUBCITY_HARVEST__ALLOW_PRIVATE_ADDRESSES", "true")  # the upstream is on loopback
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        added = runner.invoke(
            cli_app, ["harvest", "add", "up", f"{base}/catalog.ttl", "--kind", "dcat", "--org", "transport"]
        )
        assert added.exit_code == 0, added.output
        listed = json.loads(runner.invoke(cli_app, ["harvest", "list", "--json"]).stdout)
        assert listed[0]["name"] == "up" and listed[0]["kind"] == "dcat" and listed[0]["last_run"] is None
        ran = runner.invoke(cli_app, ["harvest", "run", "up", "--json"])
        assert ran.exit_code == 0, ran.output
        result = json.loads(ran.stdout)
        assert result["state"] == "succeeded" and result["counts"] == {"created": 3}
        missing = runner.invoke(cli_app, ["harvest", "run", "nope"])
        assert missing.exit_code == 3 and "not found" in missing.output
        bad = runner.invoke(
            cli_app, ["harvest", "add", "down", f"http://127.0.0.1:{free_port()}", "--org", "transport"]
        )
        assert bad.exit_code == 0
        failed = runner.invoke(cli_app, ["harvest", "run", "down"])
        assert failed.exit_code == 7 and "Could not connect" in failed.output
    finally:
        get_settings.cache_clear()


def test_the_periodic_check_queues_due_sources_only(services: Services, local: dict[str, Any]) -> None:
    from datetime import UTC, datetime, timedelta

    down = f"http://127.0.0.1:{free_port()}"
    services.harvest.create_source(SYSTEM, {**_source(down), "name": "daily", "schedule_hours": 24})
    services.harvest.create_source(SYSTEM, {**_source(down), "name": "byhand", "schedule_hours": 0})
    services.harvest.create_source(SYSTEM, {**_source(down), "name": "off", "enabled": False})
    now = datetime.now(UTC)
    first = services.harvest.run_due(now)  # never run: due (runs inline here, and fails: nothing listens)
    assert len(first) == 1
    assert [s.name for s in services.harvest.list_sources(SYSTEM) if s.last_run] == ["daily"]
    assert services.harvest.run_due(now + timedelta(hours=23)) == []
    later = services.harvest.run_due(now + timedelta(hours=25))
    assert len(later) == 1 and later[0] != first[0]
    runs = services.harvest.list_runs(SYSTEM, "daily")
    assert [r.trigger for r in runs] == ["schedule", "schedule"]


def test_admins_find_the_harvest_page_in_the_menu(client: TestClient, people: dict[str, str]) -> None:
    login(client, "tadmin")
    nav = BeautifulSoup(client.get("/").text, "html.parser")
    assert nav.select_one("a[href='/harvest']") is not None
    client.get("/logout")
    login(client, "other")
    assert BeautifulSoup(client.get("/").text, "html.parser").select_one("a[href='/harvest']") is None
