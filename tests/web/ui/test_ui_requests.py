"""The public data-request board: the form (labels, errors, honeypot, rate limit), the board and answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from tests.factories import login, make_dataset
from tests.web.ui.conftest import soup, text_of

from hubcity.bootstrap import Services
from hubcity.domain.accounts import ANONYMOUS
from hubcity.services.requests import NewDataRequest

FORM = {
    "title": "공영주차장 시간대별 이용 현황",
    "description": "시간대별 주차 대수가 필요합니다. 주차 안내 앱을 만들려고 합니다.",
    "requester_name": "홍길동",
    "requester_email": "hong@example.com",
    "org": "ai-policy",
}


def _csrf(client: TestClient, url: str = "/requests/new") -> str:
    return str(soup(client.get(url)).select_one("form.form input[name=csrf]")["value"])


def _file(services: Services, org: str = "ai-policy", **overrides: str) -> int:
    fields = {**FORM, "org": org, **overrides}
    return services.requests.create_request(ANONYMOUS, NewDataRequest(**fields)).id


def test_the_board_is_public_and_linked_from_every_page(client: TestClient, city: dict[str, Any]) -> None:
    nav = soup(client.get("/")).select_one("nav.main-nav")
    assert nav.select_one("a[href='/requests']").get_text(strip=True) == "데이터 제공신청"
    resp = client.get("/requests")
    assert resp.status_code == 200
    page = soup(resp)
    assert page.select_one("h1").get_text(strip=True) == "데이터 제공신청"
    assert "10일 안에" in page.select_one(".lead").get_text()
    assert page.select_one("a[href='/requests/new']")
    for control in page.select("form.req-filters select"):  # every filter has a label
        assert page.select_one(f"label[for={control['id']}]"), control["id"]
    assert "신청 0건" in text_of(resp) and page.select_one(".empty")
    assert client.get("/requests?lang=en").text.count("Data requests") >= 2
    assert client.get("/requests?format=json").json() == {
        "items": [],
        "total": 0,
        "limit": 20,
        "offset": 0,
        "counts": {},
    }


def test_the_form_is_labelled_and_says_the_email_stays_private(
    client: TestClient, city: dict[str, Any]
) -> None:
    page = soup(client.get("/requests/new"))
    form = page.select_one("form.form")
    for name in ("title", "description", "org", "requester_name", "requester_email"):
        control = form.select_one(f"[name={name}]")
        label = page.select_one(f"label[for={control['id']}]")
        assert label is not None and label.get_text(strip=True), name
        assert control.get("aria-describedby"), name  # its help text is read out with it
    email_help = page.select_one("#requester_email-help").get_text()
    assert "공개되지 않으며" in email_help and "담당 부서 직원만" in email_help
    assert "보내지 않으니" in email_help  # no e-mail is sent
    trap = form.select_one("input[name=website]")
    assert trap["tabindex"] == "-1" and trap.find_parent(attrs={"aria-hidden": "true"}) is not None
    assert [o["value"] for o in form.select("select[name=org] option")][0] == ""
    english = soup(client.get("/requests/new?lang=en"))
    assert "never public" in english.select_one("#requester_email-help").get_text()


def test_mistakes_are_shown_next_to_their_fields_in_korean_and_english(
    client: TestClient, city: dict[str, Any]
) -> None:
    token = _csrf(client)
    resp = client.post(
        "/requests/new",
        data={
            "csrf": token,
            "title": "",
            "description": "",
            "requester_email": "hong",
            "requester_name": "홍",
        },
    )
    assert resp.status_code == 422
    page = soup(resp)
    assert page.select_one("[role=alert]")
    for field, ko, en in (
        ("title", "제목을 입력하세요", "Enter a title"),
        ("description", "왜 필요한지", "and why"),
        ("requester_email", "이메일 주소 형식", "not an e-mail address"),
    ):
        error = page.select_one(f"#{field}-error")
        assert error is not None, field
        assert ko in error.get_text() and en in error.select_one("[lang=en]").get_text()
        control = page.select_one(f"#f-{field}")
        assert control["aria-invalid"] == "true" and f"{field}-error" in control["aria-describedby"]
        assert page.select_one(f"[role=alert] a[href='#f-{field}']")  # the summary links to the field
    assert page.select_one("#f-requester_name")["value"] == "홍"  # what was typed stays
    assert "신청 0건" in text_of(client.get("/requests"))


def test_a_citizen_files_a_request_and_follows_it_on_its_page(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    resp = client.post("/requests/new", data={**FORM, "csrf": _csrf(client)}, follow_redirects=False)
    assert resp.status_code == 303
    location = resp.headers["location"]
    assert location.startswith("/requests/") and location.endswith("?filed=1")
    page = soup(client.get(location))
    notice = page.select_one("[role=status]").get_text()
    assert "접수되었습니다" in notice and "이메일 알림은 없으니" in notice
    assert page.select_one("h1").get_text(" ", strip=True).startswith(FORM["title"])
    assert "접수" in page.select_one("h1 .badge").get_text()
    html = client.get(location).text
    assert "hong@example.com" not in html and "홍길동" not in html and "홍*동" in html
    assert page.select_one("form[action$='/answer']") is None  # no answer form for the public
    board = soup(client.get("/requests"))
    row = board.select_one("table.requests tbody tr")
    assert FORM["title"] in row.get_text() and "인공지능정책과" in row.get_text()
    assert "10일 남음" in row.get_text()


def test_the_honeypot_and_the_csrf_token_stop_robots(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    token = _csrf(client)
    trapped = client.post("/requests/new", data={**FORM, "csrf": token, "website": "http://spam.example"})
    assert trapped.status_code == 422
    assert "자동 입력" in soup(trapped).select_one("[role=alert]").get_text()
    assert client.post("/requests/new", data=FORM).status_code == 403  # no CSRF token
    assert services.requests.list_requests(ANONYMOUS).total == 0


def test_the_form_refuses_a_flood_from_one_address(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    token = _csrf(client)
    for n in range(services.settings.requests.rate_limit):
        resp = client.post("/requests/new", data={**FORM, "csrf": token, "title": f"신청 {n}"})
        assert resp.status_code == 200  # followed the redirect to the new request
    flooded = client.post("/requests/new", data={**FORM, "csrf": token, "title": "또 신청"})
    assert flooded.status_code == 429
    alert = soup(flooded).select_one("[role=alert]").get_text()
    assert "다시 신청해 주세요" in alert and "try again" in alert
    assert soup(flooded).select_one("#f-title")["value"] == "또 신청"


def test_staff_of_the_department_answer_on_the_page(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    make_dataset(services, name="parking-hourly", title="공영주차장 시간대별 이용 현황")
    request_id = _file(services)
    login(client, "editor")
    page = soup(client.get(f"/requests/{request_id}"))
    assert page.select_one("a[href='mailto:hong@example.com']")  # staff of the owner department see it
    assert "홍길동" in page.get_text()
    form = page.select_one(f"form[action='/requests/{request_id}/answer']")
    for name in ("org", "status", "answer", "dataset"):
        control = form.select_one(f"[name={name}]")
        assert page.select_one(f"label[for={control['id']}]"), name
    assert [o["value"] for o in form.select("#req-datasets option")] == ["parking-hourly"]
    token = str(form.select_one("input[name=csrf]")["value"])

    missing = client.post(
        f"/requests/{request_id}/answer",
        data={"csrf": token, "status": "published", "org": "ai-policy", "answer": "공개했습니다."},
    )
    assert missing.status_code == 422
    error = soup(missing).select_one("#dataset-error")
    assert "데이터셋을 연결하세요" in error.get_text() and "Link the public dataset" in error.get_text()
    assert soup(missing).select_one("#f-answer").get_text() == "공개했습니다."

    done = client.post(
        f"/requests/{request_id}/answer",
        data={
            "csrf": token,
            "status": "published",
            "org": "ai-policy",
            "answer": "공개했습니다.",
            "dataset": "parking-hourly",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/requests/{request_id}"
    client.post("/logout", data={"csrf": token})
    public = soup(client.get(f"/requests/{request_id}"))
    assert "제공 완료" in public.select_one("h1 .badge").get_text()
    assert public.select_one(".answer").get_text(strip=True) == "공개했습니다."
    assert public.select_one("a[href='/datasets/parking-hourly']")
    history = [tr.select("td")[1].get_text(strip=True) for tr in public.select("table.history tbody tr")]
    assert history == ["접수", "제공 완료"]
    assert "editor" not in public.select_one("table.history").get_text()


def test_others_cannot_answer_and_get_403(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    request_id = _file(services)
    token = _csrf(client)
    data = {"csrf": token, "status": "refused", "answer": "안 됩니다.", "org": "ai-policy"}
    assert client.post(f"/requests/{request_id}/answer", data=data).status_code == 403
    for who in ("member", "other"):
        token = login(client, who)
        page = soup(client.get(f"/requests/{request_id}"))
        assert page.select_one("form[action$='/answer']") is None, who
        assert "hong@example.com" not in page.get_text()
        resp = client.post(f"/requests/{request_id}/answer", data={**data, "csrf": token})
        assert resp.status_code == 403, who
        assert "답변할 수 있습니다" in text_of(resp)
        client.post("/logout", data={"csrf": token})
    assert services.requests.get_request(ANONYMOUS, request_id).status == "received"


def test_city_staff_assign_an_unassigned_request_from_its_page(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    request_id = _file(services, org="")
    token = login(client, "other")
    page = soup(client.get(f"/requests/{request_id}"))
    form = page.select_one("form[action$='/answer']")
    assert form is not None and form.select_one("[name=status]") is None  # assign only
    assert "담당 부서 지정" in page.select_one("#manage-h").get_text()
    resp = client.post(
        f"/requests/{request_id}/answer", data={"csrf": token, "org": "transport"}, follow_redirects=False
    )
    assert resp.status_code == 303
    page = soup(client.get(f"/requests/{request_id}"))
    assert page.select_one("[name=status]") is not None  # now theirs to answer
    assert "대중교통과" in page.select_one(".meta-list").get_text()


def test_overdue_requests_stand_out_on_the_board(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    late = _file(services, title="늦은 신청")
    real_clock = services.requests.clock
    services.requests.clock = lambda: real_clock() + timedelta(days=12)
    _file(services, title="새 신청")
    rows = soup(client.get("/requests")).select("table.requests tbody tr")
    flagged = {r.select_one(".req-title").get_text(strip=True): "overdue" in r["class"] for r in rows}
    assert flagged == {"늦은 신청": True, "새 신청": False}
    late_row = next(r for r in rows if "늦은 신청" in r.get_text())
    assert late_row.select_one(".badge-overdue").get_text(strip=True) == "기한 지남"
    only = soup(client.get("/requests?overdue=1"))
    assert [
        r.select_one(".req-title").get_text(strip=True) for r in only.select("table.requests tbody tr")
    ] == ["늦은 신청"]
    assert only.select_one("input[name=overdue]").has_attr("checked")
    detail = soup(client.get(f"/requests/{late}"))
    assert "기한 지남" in detail.select_one("h1").get_text()


def test_the_board_filters_by_status_and_department(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    _file(services, title="인공지능 신청")
    _file(services, org="transport", title="교통 신청")
    page = soup(client.get("/requests?org=transport"))
    titles = [a.get_text(strip=True) for a in page.select("table.requests .req-title a")]
    assert titles == ["교통 신청"]
    assert page.select_one("#f-org option[selected]")["value"] == "transport"
    status_options = {o["value"]: o.get_text(strip=True) for o in page.select("#f-status option")}
    assert status_options["received"] == "접수 (1)" and status_options["refused"] == "제공 불가 (0)"
    assert "신청 0건" in text_of(client.get("/requests?status=published"))
    assert client.get("/requests?status=bogus").status_code == 200  # an unknown status is ignored
    twin = client.get("/requests?org=transport&format=json").json()
    assert [i["title"] for i in twin["items"]] == ["교통 신청"] and twin["items"][0][
        "requester_email"
    ] is None
