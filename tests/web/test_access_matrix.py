"""Every read surface × every role × every visibility: what may not be seen is not there.

Four datasets of the AI policy division hold the same people table (names, 주민등록번호, phone
numbers, amounts, 읍면동): public (with a recorded legal basis), internal, restricted, and
restricted but granted in part to the transport division (주민번호 pseudonymised, 연락처 left
out). For each role and surface the test checks the status a reader should get, and that no
response of a reader without full access carries a raw 주민등록번호 or phone number, the names
of columns withheld from them, or — where the dataset is not theirs to read — its title.
"""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM
from tests.factories import PASSWORD, api_token, login, make_dataset, upload
from tests.services.test_personal import write_people

DATASETS = {
    # name: (title, visibility)
    "wf-public": ("긴급복지 공개 명단", "public"),
    "wf-internal": ("긴급복지 내부 명단", "internal"),
    "wf-restricted": ("긴급복지 제한 명단", "restricted"),
    "wf-granted": ("긴급복지 허가 명단", "restricted"),
}
ROLES = ("anonymous", "citizen", "other", "rider", "partner", "member", "editor", "admin")
OWNERS = {"member", "editor", "admin"}  # the owner division's members and the sysadmin see everything
STAFF = {"other", "rider", "member", "editor", "admin"}
GRANTEES = {"other", "rider"}  # the transport division holds the grant on wf-granted


def readable(role: str, name: str) -> bool:
    visibility = DATASETS[name][1]
    if role in OWNERS or visibility == "public":
        return True
    if visibility == "internal":
        return role in STAFF
    return name == "wf-granted" and role in GRANTEES


def withheld(role: str, name: str) -> set[str]:
    """Column names the role must not see in this dataset."""
    if role in OWNERS:
        return set()
    if name == "wf-granted":
        return {"성명", "연락처"}
    return {"주민번호", "연락처"}


@pytest.fixture
def world(services: Services, city: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    acc = services.accounts
    acc.create_user(
        SYSTEM, username="chief", password=PASSWORD, display_name="정과장", org="ai-policy", role="admin"
    )
    acc.create_user(
        SYSTEM, username="rider", password=PASSWORD, display_name="한버스", org="transport", role="member"
    )
    acc.create_user(SYSTEM, username="citizen", password=PASSWORD, display_name="시민")
    src = write_people(tmp_path / "people.csv", rows=40)
    with src.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    editor = city["actors"]["editor"]
    for name, (title, visibility) in DATASETS.items():
        make_dataset(
            services,
            name=name,
            title=title,
            visibility=visibility,
            legal_basis="「긴급복지지원법」 제13조" if visibility == "public" else "",
        )
        job = upload(services, editor, name, src, copy_to=tmp_path / name / "people.csv", resource="people")
        assert job.state == "succeeded", job.error
        services.personal.decide(editor, name, "people", "연락처", "confirmed")
    other = acc.actor_for(acc.find_user("other").id)  # type: ignore[union-attr]
    req = services.access.request_access(
        other,
        dataset="wf-granted",
        purpose="저상버스 배차 분석",
        ends_on=date.today() + timedelta(days=30),
        columns=["주민번호", "지원금액", "읍면동"],
        org="transport",
    )
    chief = acc.actor_for(acc.find_user("chief").id)  # type: ignore[union-attr]
    services.access.decide(chief, req.id, decision="partial", transforms={"주민번호": "pseudonym"})
    secrets = {r["주민번호"] for r in rows} | {r["연락처"] for r in rows}
    secrets |= {s.replace("-", "") for s in secrets}
    ids = {}
    for name in DATASETS:
        _, resource = services.resources._resource(SYSTEM, name, "people")
        ids[name] = resource.id
    users = {"citizen", "other", "rider", "partner", "member", "editor", "admin"}
    tokens = {u: api_token(services, acc.actor_for(acc.find_user(u).id)) for u in users}  # type: ignore[union-attr]
    return {"secrets": secrets, "ids": ids, "tokens": tokens, "names": {r["성명"] for r in rows}}


def _surfaces(name: str, resource_id: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    base = f"/api/v1/datasets/{name}/resources/people"
    return [
        ("GET", f"/api/v1/datasets/{name}", None),
        ("GET", f"/api/v1/datasets/{name}/resources", None),
        ("GET", base, None),
        ("GET", f"{base}/rows?limit=100", None),
        ("GET", f"{base}/rows?q=김&limit=100", None),
        ("GET", f"{base}/aggregate?group_by=읍면동", None),
        ("GET", f"{base}/download?format=csv", None),
        ("GET", f"{base}/download?format=json", None),
        ("GET", f"{base}/download?format=source", None),
        ("POST", "/api/v1/query", {"sql": f'SELECT * FROM "{name}".people'}),
        ("POST", "/api/v1/query", {"sql": f'SELECT * FROM "{resource_id}"'}),
        ("GET", f"/api/3/action/package_show?id={name}", None),
        ("GET", f"/api/3/action/datastore_search?resource_id={resource_id}&limit=100", None),
        ("GET", f"/datasets/{name}/datapackage.json", None),
        ("GET", f"/datasets/{name}", None),
        ("GET", f"/datasets/{name}?resource=people&preview=1", None),
    ]


def _expected(role: str, name: str, method: str, url: str) -> set[int]:
    if not readable(role, name):
        if "/api/3/action/" in url or url.startswith("/api/v1/query") or method == "POST":
            return {400, 403, 404}
        return {404}
    if url.endswith("format=source") and role not in OWNERS:
        return {403}  # the uploaded file holds every column: only a full reader may take it
    return {200}


def test_no_surface_leaks(services: Services, world: dict[str, Any]) -> None:
    from hubcity.web.app import create_app

    app = create_app(services=services)
    failures: list[str] = []
    for role in ROLES:
        with TestClient(app) as client:
            headers: dict[str, str] = {}
            if role != "anonymous":
                login(client, role)
                headers = {"Authorization": f"Bearer {world['tokens'][role]}"}
            for name, (title, _) in DATASETS.items():
                for method, url, body in _surfaces(name, world["ids"][name]):
                    h = headers if url.startswith("/api/") else {}
                    resp = client.request(method, url, json=body, headers=h)
                    where = f"{role} {method} {url}"
                    if resp.status_code not in _expected(role, name, method, url):
                        failures.append(f"{where}: status {resp.status_code}")
                        continue
                    text = resp.content.decode("utf-8", errors="replace")
                    if role not in OWNERS and any(s in text for s in world["secrets"]):
                        failures.append(f"{where}: a raw 주민등록번호 or phone number")
                    if not readable(role, name):
                        if title in text:
                            failures.append(f"{where}: the title of a dataset it may not read")
                        continue
                    if resp.status_code == 200:
                        for column in withheld(role, name):
                            if _names_column(text, column):
                                failures.append(f"{where}: withheld column {column}")
            # listings and search: exactly the readable datasets
            found = client.get("/api/v1/datasets?limit=100", headers=headers).json()
            listed = {d["name"] for d in found["items"]} & set(DATASETS)
            if listed != {n for n in DATASETS if readable(role, n)}:
                failures.append(f"{role} dataset list: {sorted(listed)}")
            hits = client.get("/api/v1/search?q=긴급복지&limit=50", headers=headers).json()
            searched = {d["dataset"]["name"] for d in hits["results"]} & set(DATASETS)
            if searched != {n for n in DATASETS if readable(role, n)}:
                failures.append(f"{role} search: {sorted(searched)}")
            tables = client.get("/api/v1/query/tables", headers=headers)
            if tables.status_code == 200:
                names = {t["name"].split(".")[0] for t in tables.json()} & set(DATASETS)
                if names != {n for n in DATASETS if readable(role, n)}:
                    failures.append(f"{role} SQL tables: {sorted(names)}")
    assert not failures, "\n".join(failures)


def _names_column(text: str, column: str) -> bool:
    """Whether a response names the column as a column (a JSON key or string, a CSV header cell)."""
    return (
        json.dumps(column, ensure_ascii=False) in text
        or text.lstrip("\ufeff").startswith(f"{column},")
        or f",{column}," in text.split("\n", 1)[0]
        or f">{column}<" in text
    )
