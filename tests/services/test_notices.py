"""Reminders go out: a request reaches the owner's admins, due-soon and overdue reminders reach them
once, the decision reaches the requester — in the inbox (services, API, UI header) and by mail through
a real SMTP server on loopback."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from hubcity.bootstrap import Services, bootstrap
from hubcity.domain.accounts import SYSTEM, Actor
from hubcity.settings import Settings
from hubcity.web.app import create_app
from tests.factories import PASSWORD, login, make_city, make_welfare


def actor(services: Services, username: str) -> Actor:
    user = services.accounts.find_user(username)
    assert user is not None
    return services.accounts.actor_for(user.id)


def ask(services: Services, **kw: Any) -> Any:
    fields: dict[str, Any] = {
        "dataset": "welfare",
        "purpose": "교통약자 지원 노선 설계를 위한 지원 대상 분포 분석",
        "ends_on": date.today() + timedelta(days=60),
        "columns": ["지원금액", "읍면동"],
        "org": "transport",
    }
    fields.update(kw)
    return services.access.request_access(actor(services, "other"), **fields)


def kinds(services: Services, username: str) -> list[str]:
    return [str(n.kind) for n in services.notices.inbox(actor(services, username))]


@pytest.fixture
def welfare(services: Services, tmp_path: Path) -> None:
    city = make_city(services)
    make_welfare(services, city["actors"]["editor"], tmp_path)


def test_a_request_its_reminders_and_its_decision_reach_the_right_inboxes(
    services: Services, welfare: None
) -> None:
    req = ask(services)
    # the owner's admin hears of it; the editor of the owner and the requester do not
    chief = services.notices.inbox(actor(services, "chief"))
    assert [str(n.kind) for n in chief] == ["access.requested"]
    assert "welfare" in chief[0].body and req.due_on.isoformat() in chief[0].subject
    assert chief[0].link == f"/access/requests/{req.id}"
    assert kinds(services, "editor") == [] and kinds(services, "other") == []

    # three days before the due date: one reminder to the admin, and only one however often it runs
    before = req.due_on - timedelta(days=2)
    assert [r.id for r in services.access.remind(before)] == [req.id]
    assert services.access.remind(before) == []
    assert kinds(services, "chief") == ["access.due_soon", "access.requested"]
    due = services.notices.inbox(actor(services, "chief"))[0]
    assert "2일 뒤" in due.subject and "in 2 days" in due.subject_en
    # a week earlier it was not due yet
    assert kinds(services, "other") == []

    # the day after the due date: the admin and the requester hear it is overdue, once
    services.access.remind(req.due_on + timedelta(days=1))
    services.access.remind(req.due_on + timedelta(days=2))
    assert kinds(services, "chief").count("access.overdue") == 1
    assert kinds(services, "other") == ["access.overdue"]

    services.access.decide(actor(services, "chief"), req.id, decision="refuse", reason="개인정보 과다")
    mine = services.notices.inbox(actor(services, "other"))
    assert str(mine[0].kind) == "access.decided"
    assert mine[0].subject.startswith("거절") and "개인정보 과다" in mine[0].body
    assert services.notices.count(actor(services, "other"), unread=True) == 2


def test_no_reminder_before_the_window_and_none_for_a_decided_request(
    services: Services, welfare: None
) -> None:
    req = ask(services)
    assert services.access.remind(req.due_on - timedelta(days=services.access.remind_days + 1)) == []
    services.access.decide(
        actor(services, "chief"), req.id, decision="provide", ends_on=date.today() + timedelta(days=30)
    )
    assert services.access.remind(req.due_on) == []
    services.access.remind(req.due_on + timedelta(days=3))
    assert "access.due_soon" not in kinds(services, "chief")
    assert "access.overdue" not in kinds(services, "chief") + kinds(services, "other")
    decided = services.notices.inbox(actor(services, "other"))[0]
    assert (
        decided.subject.startswith("제공") and (date.today() + timedelta(days=30)).isoformat() in decided.body
    )


def test_an_organisation_without_admins_has_its_requests_go_to_the_system_administrators(
    services: Services, welfare: None
) -> None:
    services.accounts.create_user(
        SYSTEM, username="kdriver", password=PASSWORD, display_name="한전기사", org="kepco", role="member"
    )
    services.catalog.create_dataset(
        SYSTEM, {"name": "kepco-use", "title": "전력 사용량", "owner_org": "kepco", "visibility": "internal"}
    )
    services.access.request_access(
        actor(services, "other"),
        dataset="kepco-use",
        purpose="전력 수요 분석",
        ends_on=date.today() + timedelta(days=30),
    )
    assert kinds(services, "admin") == ["access.requested"]


# -- the inbox through the API and the UI ---------------------------------------------------------
def test_the_inbox_through_the_api_and_the_ui_header(services: Services, welfare: None) -> None:
    req = ask(services)
    with (
        TestClient(create_app(services=services)) as chief,
        TestClient(create_app(services=services)) as other,
    ):
        chief.headers["X-CSRF-Token"] = login(chief, "chief")
        other.headers["X-CSRF-Token"] = login(other, "other")
        box = chief.get("/api/v1/notifications").json()
        assert box["count"] == 1 and box["unread"] == 1
        notice_id = box["results"][0]["id"]
        assert box["results"][0]["kind"] == "access.requested"
        # nobody else reads it, not even by id
        assert other.get("/api/v1/notifications").json()["count"] == 0
        assert other.get(f"/api/v1/notifications/{notice_id}").status_code == 404
        assert other.post("/api/v1/notifications/read", json={"ids": [notice_id]}).json()["marked"] == 0
        assert TestClient(create_app(services=services)).get("/api/v1/notifications").status_code == 401

        page = chief.get("/datasets")
        assert 'href="/notifications"' in page.text and "badge badge-count" in page.text
        listing = chief.get("/notifications")
        assert "접근 요청" in listing.text and f"/notifications/{notice_id}/open" in listing.text
        opened = chief.get(f"/notifications/{notice_id}/open", follow_redirects=False)
        assert opened.status_code == 303 and opened.headers["location"] == f"/access/requests/{req.id}"
        assert chief.get("/api/v1/notifications?unread=true").json()["count"] == 0
        assert "badge badge-count" not in chief.get("/datasets").text

        services.access.remind(req.due_on)
        marked = chief.post("/api/v1/notifications/read", json={}).json()
        assert marked == {"marked": 1, "unread": 0}


# -- mail through a real SMTP server on loopback --------------------------------------------------
class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Relay:
    """An SMTP server on a loopback port that can go down and come back on the same port."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self._running: Controller | None = None

    def start(self) -> None:
        self._running = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._running.start()

    def stop(self) -> None:
        if self._running is not None:
            self._running.stop()
            self._running = None


@pytest.fixture
def relay() -> Iterator[Relay]:
    server = Relay()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailing(settings: Settings, relay: Relay, tmp_path: Path) -> Iterator[Services]:
    configured = settings.model_copy(
        update={
            "mail": settings.mail.model_copy(
                update={"host": "127.0.0.1", "port": relay.port, "sender": "data@gwangju.go.kr"}
            ),
            "web": settings.web.model_copy(update={"public_url": "https://data.gwangju.go.kr"}),
        }
    )
    svc = bootstrap(configured, immediate=True)
    svc.migrate()
    city = make_city(svc)
    make_welfare(svc, city["actors"]["editor"], tmp_path, chief_email="chief@gwangju.go.kr")
    yield svc
    svc.close()


def wait_for(inbox: Inbox, n: int) -> None:
    deadline = time.monotonic() + 5
    while len(inbox.messages) < n and time.monotonic() < deadline:
        time.sleep(0.02)


def test_notices_go_out_by_mail_in_korean_and_english_with_the_link(mailing: Services, relay: Relay) -> None:
    inbox = relay.inbox
    req = ask(mailing)
    assert mailing.notices.deliver() == 1
    wait_for(inbox, 1)
    [mail] = inbox.messages
    assert mail["To"] == "chief@gwangju.go.kr"
    assert "data@gwangju.go.kr" in mail["From"]
    assert mail["Subject"].startswith("[hubcity] 접근 요청: ")
    body = mail.get_content()
    assert "이용을 요청했습니다" in body and "asks to use" in body
    assert f"https://data.gwangju.go.kr/access/requests/{req.id}" in body
    # sent once: the notice records it, and the next round has nothing to send
    assert mailing.notices.inbox(actor(mailing, "chief"))[0].mailed_at is not None
    assert mailing.notices.deliver() == 0
    # the requester has no address: the decision stays in the inbox, and is not retried
    mailing.access.decide(actor(mailing, "chief"), req.id, decision="refuse", reason="목적 불명확")
    assert mailing.notices.deliver() == 0
    other = mailing.notices.inbox(actor(mailing, "other"))[0]
    assert other.mailed_at is None and other.mail_error == "no e-mail address"


def test_a_relay_that_is_down_loses_no_notice(mailing: Services, relay: Relay) -> None:
    inbox = relay.inbox
    relay.stop()
    ask(mailing)
    assert mailing.notices.deliver() == 0
    notice = mailing.notices.inbox(actor(mailing, "chief"))[0]
    assert notice.mailed_at is None and notice.mail_tries == 1 and notice.mail_error
    relay.start()
    assert mailing.notices.deliver() == 1
    wait_for(inbox, 1)
    assert len(inbox.messages) == 1
