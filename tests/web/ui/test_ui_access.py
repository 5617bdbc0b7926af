"""Access requests and grants through the pages: ask, decide, read what was given, revoke."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from tests.factories import PASSWORD, login, make_dataset, make_welfare, upload
from tests.services.test_personal import write_people
from tests.web.ui.conftest import soup, text_of

from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM

PURPOSE = "교통약자 지원 노선 설계를 위한 지원 대상 분포 분석"


def signed_in(client: TestClient, username: str) -> TestClient:
    """A browser of its own (its own cookies) on the same app, signed in as ``username``."""
    browser = TestClient(client.app)
    login(browser, username)
    return browser


def csrf(page: Any) -> str:
    return str(soup(page).select_one("form input[name=csrf]")["value"])


def later(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


@pytest.fixture
def welfare(services: Services, city: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """ai-policy's restricted 'welfare' (성명, 주민번호, 연락처, 지원금액, 읍면동), its admin 'chief',
    and a transport member 'rider'."""
    services.accounts.create_user(
        SYSTEM, username="rider", password=PASSWORD, display_name="한버스", org="transport", role="member"
    )
    src = make_welfare(services, city["actors"]["editor"], tmp_path, rows=30)
    return {"src": src}


def _file_request(client: TestClient, browser: TestClient, **fields: Any) -> int:
    page = browser.get("/access/new?dataset=welfare")
    data = {
        "csrf": csrf(page),
        "dataset": "welfare",
        "purpose": PURPOSE,
        "other_columns": "주민번호, 지원금액\n읍면동",
        "ends_on": later(60),
        "org": "transport",
        **fields,
    }
    resp = browser.post("/access/new", data=data, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    found = re.fullmatch(r"/access/requests/(\d+)\?filed=1", resp.headers["location"])
    assert found is not None
    return int(found.group(1))


def _decide(chief: TestClient, request_id: int, **fields: Any) -> Any:
    """Post the decision form as the page offers it, with ``fields`` changed; ``transforms`` sets
    the select of some rows ({column: (kind, number)})."""
    page = soup(chief.get(f"/access/requests/{request_id}"))
    form = page.select_one("form.decision-form")
    rows = [tr["data-column"] for tr in form.select("tr[data-column]")]
    chosen = dict.fromkeys(rows, ("", "")) | fields.pop("transforms", {})
    data: dict[str, Any] = {
        "csrf": form.select_one("input[name=csrf]")["value"],
        "columns": [i["value"] for i in form.select("input[name=columns][checked]")],
        "t_column": rows,
        "t_kind": [chosen[c][0] for c in rows],
        "t_param": [chosen[c][1] for c in rows],
        "row_filter": "",
        "ends_on": form.select_one("input[name=ends_on]")["value"],
        "reason": "",
        **fields,
    }
    return chief.post(f"/access/requests/{request_id}/decision", data=data, follow_redirects=False)


def _preview_columns(page: BeautifulSoup) -> list[str]:
    return [th.get_text(strip=True) for th in page.select("table.preview thead th")][1:]


def test_request_partial_decision_pseudonyms_and_revoke_through_the_forms(
    client: TestClient, services: Services, welfare: dict[str, Any]
) -> None:
    other = signed_in(client, "other")
    assert other.get("/datasets/welfare").status_code == 404  # restricted: it does not exist for them
    form = soup(other.get("/access/new?dataset=welfare"))
    assert form.select_one("input[name=dataset]")["value"] == "welfare"
    assert not form.select("input[name=columns]")  # no column names of a dataset they cannot see
    assert {o["value"] for o in form.select("select[name=org] option")} == {"", "transport"}

    request_id = _file_request(client, other)
    mine = other.get(f"/access/requests/{request_id}?filed=1")
    assert mine.status_code == 200
    page = soup(mine)
    assert page.select_one(".acc-status").get_text(strip=True) == "검토 중"
    assert "20일 남음" in page.select_one("dd.due").get_text()
    assert page.select_one("form.withdraw") and not page.select_one("form.decision-form")
    assert page.select_one(".asked-columns").get_text(" ", strip=True) == "주민번호 , 지원금액 , 읍면동"

    # the owner's admin finds it to decide, the requested columns chosen, personal ones marked
    chief = signed_in(client, "chief")
    listed = soup(chief.get("/access?box=decide"))
    assert [tr["data-id"] for tr in listed.select("tr.req-row")] == [str(request_id)]
    form = soup(chief.get(f"/access/requests/{request_id}")).select_one("form.decision-form")
    checked = {i["value"] for i in form.select("input[name=columns][checked]")}
    assert checked == {"주민번호", "지원금액", "읍면동"}
    assert form.select_one("tr[data-column=주민번호] .badge-personal")
    assert [o["value"] for o in form.select("tr[data-column=주민번호] select option")][:3] == [
        "",
        "pseudonym",
        "mask",
    ]
    decided = _decide(
        chief,
        request_id,
        decision="partial",
        transforms={"주민번호": ("pseudonym", "")},
        reason="성명·연락처 제외, 주민번호 가명처리",
    )
    assert decided.status_code == 303 and decided.headers["location"] == f"/access/requests/{request_id}"
    after = soup(chief.get(f"/access/requests/{request_id}"))
    assert after.select_one(".acc-status").get_text(strip=True) == "부분 제공"
    assert not after.select_one("form.decision-form")
    assert "성명·연락처 제외" in after.select_one(".reason").get_text()

    # the grantee's dataset page and rows: only the granted columns, the RRN pseudonymised
    other = signed_in(client, "other")  # a new sign-in picks up the grant
    ds = soup(other.get("/datasets/welfare"))
    assert _preview_columns(ds) == ["주민번호", "지원금액", "읍면동"]
    rrns = [tr.select("td")[1].get_text(strip=True) for tr in ds.select("table.preview tbody tr")]
    assert rrns and all(re.fullmatch(r"[0-9a-f]{20}", v) for v in rrns)
    note = ds.select_one(".hidden-columns").get_text(" ", strip=True)
    assert "열 2개가 가려져" in note and "주민번호 (가명처리(키 해시))" in note
    rows = other.get("/api/v1/datasets/welfare/resources/people/rows?limit=100").json()
    assert [c["name"] for c in rows["columns"]] == ["주민번호", "지원금액", "읍면동"]
    assert rows["total"] == 30 and all(set(r) == {"주민번호", "지원금액", "읍면동"} for r in rows["rows"])
    granted = soup(other.get("/access/grants"))
    row = granted.select_one(".grants-mine tr.grant")
    assert row.select_one(".state").get_text(strip=True) == "유효"
    assert row.select_one(".columns").get_text(strip=True) == "주민번호, 지원금액, 읍면동"
    assert "가명처리" in row.select_one(".transforms").get_text()
    assert not granted.select("form.revoke")  # the holder cannot revoke

    # the owner's admin revokes it from the grants page: the dataset is gone for the grantee again
    given = chief.get("/access/grants")
    row = soup(given).select_one(".grants-given tr.grant")
    grant_id = row["data-id"]
    revoke = row.select_one("form.revoke")
    resp = chief.post(
        revoke["action"], data={"csrf": csrf(given), "reason": "감사 결과 회수"}, follow_redirects=False
    )
    assert resp.status_code == 303
    row = soup(chief.get("/access/grants")).select_one(f"#grant-{grant_id}")
    assert "회수됨" in row.select_one(".state").get_text() and "감사 결과 회수" in row.get_text()
    assert not row.select_one("form.revoke")
    assert other.get("/datasets/welfare").status_code == 404
    assert other.get("/api/v1/datasets/welfare/resources/people/rows").status_code == 404


def test_the_dataset_page_links_to_the_form_which_lists_the_visible_columns(
    client: TestClient, services: Services, city: dict[str, Any], tmp_path: Path
) -> None:
    make_dataset(services, name="support", title="지원 내역", visibility="internal")
    src = write_people(tmp_path / "people.csv", rows=12)
    job = upload(services, city["actors"]["editor"], "support", src, copy_to=tmp_path / "u" / "p.csv")
    assert job.state == "succeeded", job.error
    other = signed_in(client, "other")
    nav = soup(other.get("/")).select_one("nav.main-nav a[href='/access']")
    assert nav is not None and nav.get_text(strip=True) == "데이터 제공 요청"
    assert soup(client.get("/")).select_one("nav.main-nav a[href='/access']") is None  # not signed in

    page = soup(other.get("/datasets/support"))
    link = page.select_one("a.access-request-link")
    assert link["href"] == "/datasets/support/access-request" and link.get_text(strip=True) == "접근 요청"
    assert "열 1개가 가려져" in page.select_one(".hidden-columns").get_text()  # the suspected RRN
    member = signed_in(client, "member")  # the owner's own members see everything: no link, no note
    owner_page = soup(member.get("/datasets/support"))
    assert not owner_page.select_one("a.access-request-link") and not owner_page.select_one(".hidden-columns")

    form_page = other.get(link["href"])
    form = soup(form_page).select_one("form.access-request-form")
    assert form["action"] == "/datasets/support/access-request"
    assert [i["value"] for i in form.select("input[name=columns]")] == [
        "성명",
        "연락처",
        "지원금액",
        "읍면동",
    ]
    for name in ("purpose", "other_columns", "ends_on", "org"):
        control = form.select_one(f"[name={name}]")
        assert soup(form_page).select_one(f"label[for={control['id']}]"), name

    # mistakes come back beside their fields, in Korean and English, with what was typed kept
    bad = other.post(
        "/datasets/support/access-request",
        data={
            "csrf": csrf(form_page),
            "purpose": "짧음",
            "columns": ["지원금액"],
            "ends_on": (date.today() - timedelta(days=1)).isoformat(),
            "org": "ai-policy",
        },
    )
    assert bad.status_code == 422
    page = soup(bad)
    assert "5~5000자" in page.select_one("#purpose-error").get_text()
    assert "after today" in page.select_one("#ends_on-error .en").get_text()
    assert "소속된 기관" in page.select_one("#org-error").get_text()
    assert [i["value"] for i in page.select("input[name=columns][checked]")] == ["지원금액"]
    assert page.select_one("textarea[name=purpose]").get_text() == "짧음"
    wrong_date = other.post(
        "/datasets/support/access-request",
        data={"csrf": csrf(form_page), "purpose": PURPOSE, "ends_on": "내년 봄"},
    )
    assert (
        wrong_date.status_code == 422 and "2026-12-31" in soup(wrong_date).select_one("#ends_on-error").text
    )
    # a member of the owner asks for nothing: told so on the page, not a 500
    own = member.post(
        "/datasets/support/access-request",
        data={
            "csrf": csrf(member.get("/datasets/support/access-request")),
            "purpose": PURPOSE,
            "ends_on": later(30),
        },
    )
    assert own.status_code == 422 and "이미 모든 열" in text_of(own)
    # asking for a hidden column by name: it reaches the request as asked
    ok = other.post(
        "/datasets/support/access-request",
        data={
            "csrf": csrf(form_page),
            "purpose": PURPOSE,
            "columns": ["지원금액"],
            "other_columns": "주민번호",
            "ends_on": later(30),
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    shown = soup(other.get(ok.headers["location"]))
    assert shown.select_one(".asked-columns").get_text(" ", strip=True) == "지원금액 , 주민번호"
    # an unknown dataset on the free form: beside the field, 404, the form still there
    missing = other.post(
        "/access/new",
        data={"csrf": csrf(form_page), "dataset": "no-such", "purpose": PURPOSE, "ends_on": later(30)},
    )
    assert missing.status_code == 404 and soup(missing).select_one("#dataset-error")
    assert soup(missing).select_one("form.access-request-form")


def test_decision_mistakes_are_shown_beside_their_fields(
    client: TestClient, services: Services, welfare: dict[str, Any]
) -> None:
    other = signed_in(client, "other")
    request_id = _file_request(client, other)
    chief = signed_in(client, "chief")
    resp = _decide(
        chief,
        request_id,
        decision="partial",
        transforms={"지원금액": ("mask", "0"), "성명": ("pseudonym", "")},
        row_filter="읍면동__in=충장동,동명동\n없는열=1\n자치구",
    )
    assert resp.status_code == 422
    page = soup(resp)
    assert "1 to 1000000000" in page.select_one("tr[data-column=지원금액] .field-error").get_text()
    assert "제공하지 않는 열" in page.select_one("tr[data-column=성명] .field-error").get_text()
    row_error = page.select_one("#row_filter-error").get_text()
    assert "2번째 줄" in row_error and "없는 열: 없는열" in row_error and "3번째 줄" in row_error
    # what was typed stays in the form
    assert page.select_one("tr[data-column=지원금액] select option[selected]")["value"] == "mask"
    assert page.select_one("tr[data-column=지원금액] input[name=t_param]")["value"] == "0"
    assert "없는열=1" in page.select_one("textarea[name=row_filter]").get_text()
    # no decision chosen, a refusal without reason, a date that is no date
    undecided = _decide(chief, request_id)
    assert undecided.status_code == 422 and soup(undecided).select_one("#decision-error")
    refused = _decide(chief, request_id, decision="refuse")
    assert refused.status_code == 422 and soup(refused).select_one("#reason-error")
    dated = _decide(chief, request_id, decision="provide", ends_on="어제")
    assert dated.status_code == 422 and soup(dated).select_one("#ends_on-error")
    # 'provide' with a transformation is 'partial': said beside the decision
    provide = _decide(chief, request_id, decision="provide", transforms={"주민번호": ("mask", "")})
    assert provide.status_code == 422 and "부분 제공" in soup(provide).select_one("#decision-error").text
    assert services.access.store.find_request(request_id).status == "pending"  # type: ignore[union-attr]
    # the requester's editor colleague in the owner department is no admin: no form, 403 on post
    editor = signed_in(client, "editor")
    assert not soup(editor.get(f"/access/requests/{request_id}")).select_one("form.decision-form")
    token = csrf(editor.get("/access"))
    forbidden = editor.post(
        f"/access/requests/{request_id}/decision", data={"csrf": token, "decision": "refuse", "reason": "x"}
    )
    assert forbidden.status_code == 403


def test_overdue_requests_stand_out_on_the_lists_and_the_board(
    client: TestClient, services: Services, welfare: dict[str, Any]
) -> None:
    other = signed_in(client, "other")
    late_id = _file_request(client, other)
    fresh_id = _file_request(client, other, org="")
    services.access.store.update_request(late_id, {"due_on": date.today() - timedelta(days=3)})

    chief = signed_in(client, "chief")
    page = soup(chief.get("/access?box=decide"))
    rows = {tr["data-id"]: tr for tr in page.select("tr.req-row")}
    assert list(rows) == [str(late_id), str(fresh_id)]  # the most urgent first
    assert "overdue" in rows[str(late_id)]["class"] and "기한 초과" in rows[str(late_id)].text
    assert "overdue" not in rows[str(fresh_id)]["class"] and "20일 남음" in rows[str(fresh_id)].text
    board = soup(chief.get("/access/board"))
    section = board.select_one("section.access-board")
    assert section.select_one("h2").get_text(strip=True) == "인공지능정책과"
    assert "has-overdue" in section["class"]
    counts = section.select_one(".board-counts").get_text(" ", strip=True)
    assert "검토 중 2건" in counts and "기한 초과 1건" in counts
    twin = chief.get("/access/board?format=json").json()
    assert twin[0]["overdue"] == 1 and twin[0]["requests"][0]["overdue"] is True

    # the requester sees it too, and on the request's page
    mine = soup(other.get("/access"))
    assert "overdue" in mine.select_one(f"tr[data-id='{late_id}']")["class"]
    detail = soup(other.get(f"/access/requests/{late_id}"))
    assert "overdue" in detail.select_one("dd.due")["class"] and "기한 초과" in detail.select_one("h1").text
    assert soup(other.get("/access/board")).select_one(".empty")  # transport decides nothing here
    twin = chief.get("/access?box=decide&format=json").json()
    assert [(i["id"], i["overdue"]) for i in twin["items"]] == [(late_id, True), (fresh_id, False)]
    english = soup(other.get("/access?lang=en"))
    assert "Overdue" in english.select_one(f"tr[data-id='{late_id}']").text
    assert english.select_one(".access-tabs a[aria-current=page]").get_text(strip=True) == "My requests"


def test_strangers_get_404_and_the_requester_may_withdraw(
    client: TestClient, services: Services, welfare: dict[str, Any]
) -> None:
    other = signed_in(client, "other")
    request_id = _file_request(client, other, org="")
    for username in ("partner", "rider"):  # another organisation; a colleague of a personal request
        assert signed_in(client, username).get(f"/access/requests/{request_id}").status_code == 404
    anonymous = client.get(f"/access/requests/{request_id}", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=/access")
    twin = other.get(f"/access/requests/{request_id}?format=json").json()
    assert twin["status"] == "pending" and twin["days_left"] == 20 and twin["overdue"] is False

    page = other.get(f"/access/requests/{request_id}")
    resp = other.post(
        f"/access/requests/{request_id}/withdraw", data={"csrf": csrf(page)}, follow_redirects=False
    )
    assert resp.status_code == 303
    after = soup(other.get(f"/access/requests/{request_id}"))
    assert after.select_one(".acc-status").get_text(strip=True) == "철회"
    assert not after.select_one("form.withdraw")
    again = other.post(f"/access/requests/{request_id}/withdraw", data={"csrf": csrf(page)})
    assert again.status_code == 409
