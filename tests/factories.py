"""Test data made through the services, so it passes the same validation users meet."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM, Actor
from hubcity.domain.datasets import Dataset
from hubcity.domain.jobs import Job
from hubcity.services.resources import UploadRequest

PASSWORD = "correct-horse-battery"


def make_city(services: Services) -> dict[str, Any]:
    acc = services.accounts
    acc.create_org(SYSTEM, slug="gwangju", title="광주광역시", title_en="Gwangju", kind="bureau")
    acc.create_org(
        SYSTEM,
        slug="ai-policy",
        title="인공지능정책과",
        title_en="AI Policy Division",
        kind="department",
        parent="gwangju",
    )
    acc.create_org(
        SYSTEM,
        slug="transport",
        title="대중교통과",
        title_en="Public Transport Division",
        kind="department",
        parent="gwangju",
    )
    acc.create_org(SYSTEM, slug="kepco", title="한국전력공사", title_en="KEPCO", kind="partner")
    users = {
        "admin": acc.create_user(
            SYSTEM, username="admin", password=PASSWORD, display_name="관리자", sysadmin=True
        ),
        "editor": acc.create_user(
            SYSTEM,
            username="editor",
            password=PASSWORD,
            display_name="김편집",
            org="ai-policy",
            role="editor",
        ),
        "member": acc.create_user(
            SYSTEM,
            username="member",
            password=PASSWORD,
            display_name="이구성",
            org="ai-policy",
            role="member",
        ),
        "other": acc.create_user(
            SYSTEM, username="other", password=PASSWORD, display_name="박교통", org="transport", role="editor"
        ),
        "partner": acc.create_user(
            SYSTEM, username="partner", password=PASSWORD, display_name="최한전", org="kepco", role="editor"
        ),
    }
    actors = {k: Actor.for_user(v) for k, v in users.items()}
    return {"users": users, "actors": actors}


def make_dataset(services: Services, actor: Actor = SYSTEM, **overrides: Any) -> Dataset:
    data: dict[str, Any] = {
        "name": "population",
        "title": "행정동별 인구",
        "title_en": "Population by dong",
        "owner_org": "ai-policy",
        "visibility": "public",
        "theme": "public-admin",
        "licence": "kogl-1",
        "keywords": ["인구", "행정동"],
    }
    data.update(overrides)
    return services.catalog.create_dataset(actor, data)


def upload(services: Services, actor: Actor, dataset: str, src: Path, *, copy_to: Path, **kw: Any) -> Job:
    """Upload a copy of ``src`` (the service takes the file over) and return the finished job."""
    copy_to.parent.mkdir(parents=True, exist_ok=True)
    copy_to.write_bytes(src.read_bytes())
    job = services.resources.start_upload(
        actor, UploadRequest(dataset=dataset, path=copy_to, filename=kw.pop("filename", src.name), **kw)
    )
    return wait_job(services, actor, job.id)


def wait_job(services: Services, actor: Actor, job_id: str, timeout: float = 60) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        job = services.resources.get_job(actor, job_id)
        if job.state.finished:
            return job
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} still {job.state} after {timeout}s")
        time.sleep(0.05)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the UI form; returns the session's CSRF token for API writes."""
    page = client.get("/login")
    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    resp = client.post(
        "/login", data={"username": username, "password": password, "csrf": token}, follow_redirects=False
    )
    assert resp.status_code in (302, 303), resp.text
    return token


def api_token(services: Services, actor: Actor, name: str = "test") -> str:
    return services.accounts.create_token(actor, name=name)[1]


def make_welfare(
    services: Services, editor: Actor, tmp_path: Path, *, rows: int = 60, chief_email: str = ""
) -> Path:
    """ai-policy's restricted 'welfare' dataset (성명, 주민번호, 연락처, 지원금액, 읍면동; with a legal
    basis), uploaded by ``editor`` as resource 'people', and its admin 'chief'; returns the CSV."""
    from tests.services.test_personal import write_people

    services.accounts.create_user(
        SYSTEM,
        username="chief",
        password=PASSWORD,
        display_name="정과장",
        email=chief_email,
        org="ai-policy",
        role="admin",
    )
    make_dataset(
        services,
        name="welfare",
        title="긴급복지 지원 대상",
        visibility="restricted",
        legal_basis="긴급복지지원법 제13조(자료의 제공)",
    )
    src = write_people(tmp_path / "people.csv", rows=rows)
    job = upload(services, editor, "welfare", src, copy_to=tmp_path / "up" / "people.csv")
    assert job.state == "succeeded", job.error
    return src
