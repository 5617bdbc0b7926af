"""/api/v1/audit and the dataset's audit page: who may read the log, filters, exports, no 500s."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM, Actor
from tests.factories import api_token, login, make_dataset, upload

PW = "audit-password"


@pytest.fixture
def world(services: Services, city: dict[str, Any], tmp_path: Path) -> dict[str, str]:
    """Tokens by role; AI policy owns a restricted dataset the member has read through the API."""
    acc = services.accounts
    aiadmin = acc.create_user(SYSTEM, username="aiadmin", password=PW, org="ai-policy", role="admin")
    tradmin = acc.create_user(SYSTEM, username="tradmin", password=PW, org="transport", role="admin")
    make_dataset(services, name="salaries", title="급여", visibility="restricted")
    src = tmp_path / "s.csv"
    src.write_text("이름,급여\n김민수,100\n이영희,200\n박철수,300\n", encoding="utf-8")
    upload(services, SYSTEM, "salaries", src, copy_to=tmp_path / "u" / "s.csv", resource="pay")
    actors: dict[str, Actor] = dict(city["actors"])
    actors["aiadmin"], actors["tradmin"] = Actor.for_user(aiadmin), Actor.for_user(tradmin)
    return {name: api_token(services, actor) for name, actor in actors.items()}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_restricted_read_through_the_api_shows_in_the_owners_log(
    client: TestClient, world: dict[str, str]
) -> None:
    resp = client.get("/api/v1/datasets/salaries/resources/pay/rows?limit=2", headers=_auth(world["member"]))
    assert resp.status_code == 200 and len(resp.json()["rows"]) == 2
    resp = client.get("/api/v1/audit?dataset=salaries&action=rows.read", headers=_auth(world["aiadmin"]))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["total"] == 1
    entry = body["items"][0]
    assert entry["actor_name"] == "member" and entry["object_id"] == "salaries/pay"
    assert entry["columns"] == ["이름", "급여"] and entry["rows"] == 2
    assert entry["details"]["channel"] == "api" and len(entry["hash"]) == 64
    # filters: by actor, and a window that excludes it
    assert client.get("/api/v1/audit?actor=member", headers=_auth(world["aiadmin"])).json()["total"] == 1
    assert client.get("/api/v1/audit?actor=nobody", headers=_auth(world["aiadmin"])).json()["total"] == 0
    old = client.get("/api/v1/audit?until=2000-01-01", headers=_auth(world["aiadmin"])).json()
    assert old["total"] == 0
    # the sysadmin sees everything, org creation and memberships included; and the chain verifies
    admin = client.get("/api/v1/audit?limit=1000", headers=_auth(world["admin"])).json()
    assert {"org.member", "token.create", "rows.read", "dataset.create"} <= {
        e["action"] for e in admin["items"]
    }
    verify = client.get("/api/v1/audit/verify", headers=_auth(world["admin"])).json()
    assert verify["ok"] is True and verify["checked"] == admin["total"]


def test_others_see_nothing(client: TestClient, world: dict[str, str]) -> None:
    client.get("/api/v1/datasets/salaries/resources/pay/rows", headers=_auth(world["member"]))
    other_admin = client.get("/api/v1/audit", headers=_auth(world["tradmin"]))
    assert other_admin.status_code == 200 and other_admin.json()["total"] == 0
    assert client.get("/api/v1/audit?dataset=salaries", headers=_auth(world["tradmin"])).status_code == 404
    export = client.get("/api/v1/audit/export?format=jsonl", headers=_auth(world["tradmin"]))
    assert [json.loads(line)["action"] for line in export.text.splitlines()] == []
    for name in ("member", "editor", "other", "partner"):
        resp = client.get("/api/v1/audit", headers=_auth(world[name]))
        assert resp.status_code == 403 and resp.json()["ok"] is False
    assert client.get("/api/v1/audit").status_code == 401
    assert client.get("/api/v1/audit/verify", headers=_auth(world["aiadmin"])).status_code == 403


def test_export_streams_csv_and_jsonl_and_is_itself_audited(
    client: TestClient, world: dict[str, str]
) -> None:
    client.get("/api/v1/datasets/salaries/resources/pay/download?format=csv", headers=_auth(world["member"]))
    resp = client.get("/api/v1/audit/export?format=csv&dataset=salaries", headers=_auth(world["aiadmin"]))
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.text.lstrip("\ufeff"))))
    assert [r["action"] for r in rows] == ["dataset.create", "export"]
    assert rows[1]["actor_name"] == "member" and json.loads(rows[1]["columns"]) == ["이름", "급여"]
    assert rows[1]["prev_hash"] != rows[1]["hash"]
    resp = client.get("/api/v1/audit/export?format=jsonl", headers=_auth(world["admin"]))
    lines = [json.loads(line) for line in resp.text.splitlines()]
    assert [e["seq"] for e in lines] == list(range(1, len(lines) + 1))
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(lines, lines[1:], strict=False))
    logged = client.get("/api/v1/audit?action=audit.export", headers=_auth(world["admin"])).json()
    assert {e["actor_name"] for e in logged["items"]} == {"aiadmin", "admin"}


@pytest.mark.parametrize(
    "query",
    [
        "since=yesterday",
        "until=2026-13-45",
        "since=9999-12-31T23:59:59-14:00",
        "since=0001-01-01T00:00:00%2B14:00",
        "limit=0",
        "limit=abc",
        "limit=100000",
        "offset=-1",
        "actor=%00",
        "action=" + "x" * 300,
        "dataset=" + "가" * 300,
        "dataset=no-such-dataset",
        "dataset=%00",
        "actor=' OR 1=1 --",
    ],
)
def test_bad_filters_never_500(client: TestClient, world: dict[str, str], query: str) -> None:
    for path in ("/api/v1/audit", "/api/v1/audit/export"):
        resp = client.get(f"{path}?{query}", headers=_auth(world["admin"]))
        assert resp.status_code < 500, (path, query, resp.text)
        if resp.status_code >= 400:
            body = resp.json()
            assert body["ok"] is False and body["error"] and body["error_en"]
        elif path == "/api/v1/audit":
            assert resp.json()["total"] == 0 or "actor" not in query
    resp = client.get("/api/v1/audit/export?format=xml", headers=_auth(world["admin"]))
    assert resp.status_code == 422


def test_the_dataset_audit_page(client: TestClient, services: Services, world: dict[str, str]) -> None:
    login(client, "aiadmin", PW)
    page = client.get("/datasets/salaries")  # the preview is a read of restricted rows
    assert page.status_code == 200
    assert BeautifulSoup(page.text, "html.parser").find("a", href="/datasets/salaries/audit") is not None
    page = client.get("/datasets/salaries/audit?action=rows.read")
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    cells = [
        [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        for tr in soup.select("table.audit-log tbody tr")
    ]
    assert len(cells) == 1 and cells[0][2] == "aiadmin" and cells[0][3] == "rows.read"
    twin = client.get("/datasets/salaries/audit?format=json").json()
    assert {e["action"] for e in twin["items"]} >= {"rows.read", "dataset.create"}
    assert client.get("/datasets/salaries/audit?since=어제").status_code == 422
    client.cookies.clear()
    login(client, "member")
    assert client.get("/datasets/salaries/audit").status_code == 403
    page = client.get("/datasets/salaries")
    assert BeautifulSoup(page.text, "html.parser").find("a", href="/datasets/salaries/audit") is None
    client.cookies.clear()
    login(client, "tradmin", PW)
    assert client.get("/datasets/salaries/audit").status_code == 404
