"""Citizens' data requests through /api/v1/data-requests: file, read, answer — under each user's rights."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from hubcity.bootstrap import Services, bootstrap
from hubcity.domain.accounts import ANONYMOUS
from hubcity.domain.koreatime import KST
from hubcity.services.requests import NewDataRequest
from hubcity.settings import RequestSettings, Settings
from tests.factories import api_token, make_dataset

SHAPE = {"ok", "error", "error_en", "errors", "status"}
URL = "/api/v1/data-requests"
PARKING = {
    "title": "공영주차장 시간대별 이용 현황",
    "description": "광주 공영주차장의 시간대별 주차 대수를 알고 싶습니다. 주차 안내 앱을 만들려고 합니다.",
    "requester_name": "홍길동",
    "requester_email": "hong@example.com",
}


def _auth(services: Services, city: dict[str, Any], who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(services, city['actors'][who], name=who)}"}


def _file(services: Services, org: str = "", **overrides: str) -> int:
    """A request filed straight through the service (no client address, so no rate limit)."""
    fields = {**PARKING, "org": org, **overrides}
    return services.requests.create_request(ANONYMOUS, NewDataRequest(**fields)).id


def _kst_today() -> Any:
    return datetime.now(UTC).astimezone(KST).date()


def test_anyone_files_a_request_and_the_board_shows_it_without_the_email(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    resp = client.post(URL, json={**PARKING, "org": "transport"})
    assert resp.status_code == 201, resp.text
    data = resp.json()
    assert data["status"] == "received" and data["status_label"] == "접수"
    assert data["org"] == "transport" and data["org_title"] == "대중교통과"
    assert data["suggested_org"] == "transport"
    assert data["due_on"] == (_kst_today() + timedelta(days=10)).isoformat()
    assert data["overdue"] is False
    assert data["requester_email"] is None  # not even echoed back to an anonymous caller
    assert data["requester_name"] == "홍*동"
    assert data["url"] == f"/requests/{data['id']}"
    assert [e["status"] for e in data["history"]] == ["received"]

    board = client.get(URL).json()
    assert board["total"] == 1 and board["counts"] == {"received": 1}
    item = board["items"][0]
    assert item["title"] == PARKING["title"] and item["requester_email"] is None
    assert "hong@example.com" not in client.get(URL).text
    assert "hong@example.com" not in client.get(f"{URL}/{data['id']}").text
    assert "홍길동" not in client.get(f"{URL}/{data['id']}").text


def test_a_request_without_a_department_waits_for_one(client: TestClient, city: dict[str, Any]) -> None:
    resp = client.post(
        URL, json={"title": "버스 정류장별 승하차 인원", "description": "정류장별로 필요합니다."}
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["org"] is None and resp.json()["requester_name"] == ""
    assert client.get(f"{URL}?org=none").json()["total"] == 1
    assert client.get(f"{URL}?org=transport").json()["total"] == 0


@pytest.mark.parametrize(
    ("body", "field", "ko", "en"),
    [
        ({"title": "", "description": "내용"}, "title", "제목을 입력하세요", "Enter a title"),
        ({"description": "내용"}, "title", "제목을 입력하세요", "Enter a title"),
        ({"title": "   ", "description": "내용"}, "title", "제목을 입력하세요", "Enter a title"),
        ({"title": "가" * 201, "description": "내용"}, "title", "200자 이내", "within 200 characters"),
        ({"title": "제목", "description": ""}, "description", "왜 필요한지", "and why"),
        ({"title": "제목", "description": "나" * 5001}, "description", "5,000자 이내", "5,000 characters"),
        ({**PARKING, "requester_email": "hong-at-example"}, "requester_email", "이메일 주소", "e-mail"),
        ({**PARKING, "requester_name": "김" * 101}, "requester_name", "100자 이내", "100 characters"),
        ({**PARKING, "org": "no-such-dept"}, "org", "부서를 고르세요", "Choose a department"),
    ],
)
def test_invalid_requests_are_refused_field_by_field(
    client: TestClient, city: dict[str, Any], body: dict[str, str], field: str, ko: str, en: str
) -> None:
    resp = client.post(URL, json=body)
    assert resp.status_code == 422, resp.text
    data = resp.json()
    assert set(data) == SHAPE
    errors = {e["field"]: e for e in data["errors"]}
    assert field in errors
    assert ko in errors[field]["message"] and en in errors[field]["message_en"]
    assert client.get(URL).json()["total"] == 0


def test_the_email_reaches_only_staff_of_the_owner_department(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    request_id = _file(services, org="ai-policy")
    seen = {}
    for who in ("editor", "admin", "member", "other", "partner"):
        data = client.get(f"{URL}/{request_id}", headers=_auth(services, city, who)).json()
        seen[who] = (data["requester_email"], data["requester_name"])
    assert seen["editor"] == ("hong@example.com", "홍길동")
    assert seen["admin"] == ("hong@example.com", "홍길동")
    for who in ("member", "other", "partner"):  # a member (not an editor), another department, a partner
        assert seen[who] == (None, "홍*동"), who
    assert client.get(f"{URL}/{request_id}").json()["requester_email"] is None


def test_only_the_owner_departments_editors_and_sysadmins_answer(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    request_id = _file(services, org="ai-policy")
    answer = {"status": "in_review", "answer": "검토하고 있습니다."}
    refused = [client.post(f"{URL}/{request_id}/answer", json=answer)]
    refused += [
        client.post(f"{URL}/{request_id}/answer", json=answer, headers=_auth(services, city, who))
        for who in ("member", "other", "partner")
    ]
    for resp in refused:
        assert resp.status_code == 403, resp.text
        assert set(resp.json()) == SHAPE
    assert client.get(f"{URL}/{request_id}").json()["status"] == "received"

    ok = client.post(f"{URL}/{request_id}/answer", json=answer, headers=_auth(services, city, "editor"))
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "in_review" and ok.json()["answer"] == "검토하고 있습니다."
    by_admin = client.post(
        f"{URL}/{request_id}/answer", json={"status": "planned"}, headers=_auth(services, city, "admin")
    )
    assert by_admin.status_code == 200 and by_admin.json()["status_label"] == "제공 예정"


def test_a_request_goes_from_received_to_published_with_its_history(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    make_dataset(services, name="parking-hourly", title="공영주차장 시간대별 이용 현황")
    make_dataset(services, name="parking-plan", title="주차 내부 계획", visibility="restricted")
    request_id = _file(services, org="ai-policy")
    editor = _auth(services, city, "editor")
    steps = [
        {"status": "in_review"},
        {"status": "planned", "answer": "다음 달에 공개할 예정입니다."},
    ]
    for step in steps:
        resp = client.post(f"{URL}/{request_id}/answer", json=step, headers=editor)
        assert resp.status_code == 200, resp.text

    # published needs a public dataset
    no_dataset = client.post(f"{URL}/{request_id}/answer", json={"status": "published"}, headers=editor)
    assert no_dataset.status_code == 422
    assert {e["field"] for e in no_dataset.json()["errors"]} == {"dataset"}
    for name in ("no-such-dataset", "parking-plan"):
        resp = client.post(
            f"{URL}/{request_id}/answer", json={"status": "published", "dataset": name}, headers=editor
        )
        assert resp.status_code == 422, name
        assert "공개 데이터셋" in resp.json()["errors"][0]["message"]

    done = client.post(
        f"{URL}/{request_id}/answer",
        json={"status": "published", "dataset": "parking-hourly", "answer": "공개했습니다."},
        headers=editor,
    )
    assert done.status_code == 200, done.text
    data = client.get(f"{URL}/{request_id}").json()  # as the public sees it
    assert data["status"] == "published" and data["status_label_en"] == "Published"
    assert data["dataset"] == "parking-hourly" and data["dataset_title"] == "공영주차장 시간대별 이용 현황"
    assert data["answer"] == "공개했습니다." and data["answered_at"] is not None
    history = data["history"]
    assert [e["status"] for e in history] == ["received", "in_review", "planned", "published"]
    assert history[2]["note"] == "다음 달에 공개할 예정입니다."
    assert history[3]["dataset"] == "parking-hourly"
    assert all(e["by"] is None for e in history)  # who answered is for staff only
    staff_view = client.get(f"{URL}/{request_id}", headers=editor).json()
    assert [e["by"] for e in staff_view["history"]][1:] == ["editor", "editor", "editor"]

    # nothing changed: said so, and no step is added
    same = client.post(f"{URL}/{request_id}/answer", json={"status": "published"}, headers=editor)
    assert same.status_code == 422 and same.json()["error_en"] == "Nothing was changed."
    assert len(client.get(f"{URL}/{request_id}").json()["history"]) == 4


def test_refusing_needs_a_reason(client: TestClient, services: Services, city: dict[str, Any]) -> None:
    request_id = _file(services, org="ai-policy")
    editor = _auth(services, city, "editor")
    bare = client.post(f"{URL}/{request_id}/answer", json={"status": "refused"}, headers=editor)
    assert bare.status_code == 422
    assert bare.json()["errors"][0]["field"] == "answer" and "사유" in bare.json()["errors"][0]["message"]
    reason = "개인정보가 포함되어 제공할 수 없습니다 (공공데이터법 제17조)."
    resp = client.post(
        f"{URL}/{request_id}/answer", json={"status": "refused", "answer": reason}, headers=editor
    )
    assert resp.status_code == 200
    assert client.get(f"{URL}?status=refused").json()["items"][0]["answer"] == reason
    bad = client.post(f"{URL}/{request_id}/answer", json={"status": "lost"}, headers=editor)
    assert bad.status_code == 422 and set(bad.json()) == SHAPE


def test_reassigning_moves_the_request_and_the_right_to_answer(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    request_id = _file(services, org="ai-policy")
    editor, other = _auth(services, city, "editor"), _auth(services, city, "other")
    moved = client.post(
        f"{URL}/{request_id}/answer", json={"org": "transport", "status": "in_review"}, headers=editor
    )
    # moving it is allowed, answering for the other department is not — and nothing is half-done
    assert moved.status_code == 403
    assert client.get(f"{URL}/{request_id}").json()["org"] == "ai-policy"
    moved = client.post(f"{URL}/{request_id}/answer", json={"org": "transport"}, headers=editor)
    assert moved.status_code == 200 and moved.json()["org_title"] == "대중교통과"
    assert moved.json()["requester_email"] is None  # no longer theirs to see
    again = client.post(f"{URL}/{request_id}/answer", json={"status": "in_review"}, headers=editor)
    assert again.status_code == 403
    taken = client.post(f"{URL}/{request_id}/answer", json={"status": "in_review"}, headers=other)
    assert taken.status_code == 200
    history = client.get(f"{URL}/{request_id}").json()["history"]
    assert [(e["status"], e["org"]) for e in history] == [
        ("received", "ai-policy"),
        ("received", "transport"),
        ("in_review", "transport"),
    ]
    unknown = client.post(f"{URL}/{request_id}/answer", json={"org": "nowhere"}, headers=other)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "org"


def test_city_staff_may_assign_an_unassigned_request_but_partners_may_not(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    request_id = _file(services)
    partner = client.post(
        f"{URL}/{request_id}/answer", json={"org": "kepco"}, headers=_auth(services, city, "partner")
    )
    assert partner.status_code == 403
    member = client.post(
        f"{URL}/{request_id}/answer", json={"org": "ai-policy"}, headers=_auth(services, city, "member")
    )
    assert member.status_code == 403  # a member, not an editor
    other = _auth(services, city, "other")
    answer_first = client.post(f"{URL}/{request_id}/answer", json={"status": "in_review"}, headers=other)
    assert answer_first.status_code == 403  # no department yet: assign it first
    assigned = client.post(f"{URL}/{request_id}/answer", json={"org": "ai-policy"}, headers=other)
    assert assigned.status_code == 200 and assigned.json()["org"] == "ai-policy"
    assert client.get(f"{URL}?org=ai-policy").json()["total"] == 1


def test_overdue_requests_stand_out_until_they_are_answered(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    late_id = _file(services, org="ai-policy", title="늦은 신청")
    real_clock = services.requests.clock
    services.requests.clock = lambda: real_clock() + timedelta(days=11)  # the clock is an edge
    fresh_id = _file(services, org="ai-policy", title="새 신청")
    board = client.get(URL).json()
    overdue = {item["id"]: item["overdue"] for item in board["items"]}
    assert overdue == {late_id: True, fresh_id: False}
    only_late = client.get(f"{URL}?overdue=true").json()
    assert [item["id"] for item in only_late["items"]] == [late_id]

    resp = client.post(
        f"{URL}/{late_id}/answer",
        json={"status": "planned", "answer": "곧 공개합니다."},
        headers=_auth(services, city, "editor"),
    )
    assert resp.status_code == 200 and resp.json()["overdue"] is False
    assert client.get(f"{URL}?overdue=true").json()["total"] == 0


def test_the_board_filters_by_status_and_department(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    first = _file(services, org="ai-policy", title="첫째")
    _file(services, org="transport", title="둘째")
    _file(services, title="셋째")
    client.post(
        f"{URL}/{first}/answer", json={"status": "in_review"}, headers=_auth(services, city, "editor")
    )
    assert client.get(URL).json()["total"] == 3
    assert client.get(URL).json()["counts"] == {"received": 2, "in_review": 1}
    assert [i["title"] for i in client.get(f"{URL}?status=in_review").json()["items"]] == ["첫째"]
    assert [i["title"] for i in client.get(f"{URL}?org=transport").json()["items"]] == ["둘째"]
    by_org = client.get(f"{URL}?org=ai-policy&status=received").json()
    assert by_org["total"] == 0 and by_org["counts"] == {"in_review": 1}
    assert [i["title"] for i in client.get(f"{URL}?limit=2").json()["items"]] == ["셋째", "둘째"]
    for bad in (f"{URL}?status=lost", f"{URL}?limit=0", f"{URL}/999999", f"{URL}/abc"):
        resp = client.get(bad)
        assert resp.status_code in (404, 422) and set(resp.json()) == SHAPE, bad


def test_too_many_requests_from_one_address_are_refused_and_the_address_is_not_kept(
    client: TestClient, services: Services, city: dict[str, Any]
) -> None:
    limit = services.settings.requests.rate_limit
    for n in range(limit):
        assert client.post(URL, json={**PARKING, "title": f"신청 {n}"}).status_code == 201
    resp = client.post(URL, json={**PARKING, "title": "하나 더"})
    assert resp.status_code == 429
    body = resp.json()
    assert set(body) == SHAPE and "다시 신청해 주세요" in body["error"] and "try again" in body["error_en"]
    assert client.get(URL).json()["total"] == limit
    # mistakes do not count against anyone; only accepted requests do
    assert client.post(URL, json={"title": ""}).status_code == 422
    # the limiter holds salted hashes only, and nothing of the caller is in the database
    limiter = services.requests.limiter
    assert len(limiter) == 1
    assert all(len(k) == 64 and "testclient" not in k for k in limiter._hits)
    with services.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM data_requests")).all()
        events = conn.execute(text("SELECT * FROM data_request_events")).all()
    assert len(rows) == limit
    assert not any("testclient" in str(value) for row in rows + events for value in row)


def test_the_due_date_follows_the_setting(settings: Settings, city: dict[str, Any]) -> None:
    custom = settings.model_copy(update={"requests": RequestSettings(due_days=3)})
    svc = bootstrap(custom, immediate=True)
    try:
        created = svc.requests.create_request(ANONYMOUS, NewDataRequest(title="제목", description="내용"))
        assert created.due_on == _kst_today() + timedelta(days=3)
    finally:
        svc.close()


def test_the_openapi_document_builds_and_documents_the_requests_and_usage(client: TestClient) -> None:
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    spec = resp.json()
    assert {"get", "post"} <= set(spec["paths"][URL])
    assert "get" in spec["paths"][f"{URL}/{{request_id}}"]
    assert "post" in spec["paths"][f"{URL}/{{request_id}}/answer"]
    schemas = spec["components"]["schemas"]
    assert set(schemas["DatasetUsage"]["properties"]) == {"views", "downloads", "api_calls"}
    assert "usage" in schemas["DatasetRead"]["required"]
    assert "requester_email" in schemas["DataRequestRead"]["properties"]
