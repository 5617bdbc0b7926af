"""Access requests and grants over /api/v1: ask, decide, read under the grant, revoke — each user's rights."""

from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM
from hubcity.domain.koreatime import korean_today
from tests.factories import api_token, login, make_welfare

SHAPE = {"ok", "error", "error_en", "errors", "status"}
REQ = "/api/v1/access-requests"
ROWS = "/api/v1/datasets/welfare/resources/people/rows"
PURPOSE = "교통약자 지원 노선 설계를 위한 지원 대상 분포 분석"


def _today() -> date:
    return korean_today()


def _in(days: int) -> str:
    return (_today() + timedelta(days=days)).isoformat()


@pytest.fixture
def welfare(services: Services, city: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """ai-policy's restricted 'welfare' dataset (names, RRNs, phones, amounts, 읍면동) and its admin."""
    src = make_welfare(services, city["actors"]["editor"], tmp_path)
    with src.open(encoding="utf-8", newline="") as fh:
        return {"rows": list(csv.DictReader(fh))}


@pytest.fixture
def auth(services: Services, welfare: dict[str, Any]) -> dict[str, dict[str, str]]:
    """A bearer header per user, each made with the user's own API token."""
    out = {}
    for username in ("chief", "editor", "member", "other", "partner", "admin"):
        user = services.accounts.find_user(username)
        assert user is not None
        token = api_token(services, services.accounts.actor_for(user.id), name=username)
        out[username] = {"Authorization": f"Bearer {token}"}
    return out


def _ask(client: TestClient, headers: dict[str, str], **kw: Any) -> dict[str, Any]:
    body = {
        "dataset": "welfare",
        "purpose": PURPOSE,
        "columns": ["주민번호", "지원금액", "읍면동"],
        "ends_on": _in(60),
        "org": "transport",
        **kw,
    }
    resp = client.post(REQ, json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _error(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == SHAPE and body["status"] == status and body["ok"] is False
    assert body["error"] and body["error_en"]
    return dict(body)


def test_request_partial_grant_read_rows_then_revoke(
    client: TestClient, services: Services, welfare: dict[str, Any], auth: dict[str, dict[str, str]]
) -> None:
    # before: the restricted dataset does not exist for the transport department
    _error(client.get(ROWS, headers=auth["other"]), 404)

    req = _ask(client, auth["other"])
    assert req["status"] == "pending" and req["status_label"] == "검토 중"
    assert req["dataset"] == "welfare" and req["org_title"] == "대중교통과" and req["requester"] == "박교통"
    assert req["columns"] == ["주민번호", "지원금액", "읍면동"] and req["grant_id"] is None
    assert req["due_on"] == _in(20) and req["days_left"] == 20 and req["overdue"] is False

    # both sides see it, in their own box
    mine = client.get(f"{REQ}?box=mine", headers=auth["other"]).json()
    assert [r["id"] for r in mine] == [req["id"]]
    decide = client.get(f"{REQ}?box=decide&status=pending", headers=auth["chief"]).json()
    assert [(r["id"], r["days_left"]) for r in decide] == [(req["id"], 20)]
    assert client.get(f"{REQ}?box=decide&status=refused", headers=auth["chief"]).json() == []
    assert client.get(f"{REQ}/{req['id']}", headers=auth["chief"]).json()["purpose"] == PURPOSE

    decision = {
        "decision": "partial",
        "transforms": {"주민번호": "pseudonym", "지원금액": {"kind": "round", "param": 100000}},
        "row_filter": [{"column": "읍면동", "op": "in", "value": ["충장동", "동명동"]}],
        "reason": "성명·연락처 제외, 주민번호 가명처리",
    }
    resp = client.post(f"{REQ}/{req['id']}/decision", json=decision, headers=auth["chief"])
    assert resp.status_code == 200, resp.text
    decided = resp.json()
    assert decided["status"] == "partial" and decided["status_label"] == "부분 제공"
    assert decided["decided_by"] == "chief" and decided["grant_id"] and decided["overdue"] is False
    _error(client.post(f"{REQ}/{req['id']}/decision", json=decision, headers=auth["chief"]), 409)

    # the grantee reads only the granted columns and rows, the RRN pseudonymised
    kept = [r for r in welfare["rows"] if r["읍면동"] in ("충장동", "동명동")]
    resp = client.get(f"{ROWS}?limit=1000", headers=auth["other"])
    assert resp.status_code == 200, resp.text
    page = resp.json()
    assert [c["name"] for c in page["columns"]] == ["주민번호", "지원금액", "읍면동"]
    assert page["total"] == len(kept) and {r["읍면동"] for r in page["rows"]} == {"충장동", "동명동"}
    assert all(set(r) == {"주민번호", "지원금액", "읍면동"} for r in page["rows"])
    assert all(re.fullmatch(r"[0-9a-f]{20}", r["주민번호"]) for r in page["rows"])
    assert {r["주민번호"] for r in page["rows"]}.isdisjoint({r["주민번호"] for r in welfare["rows"]})
    assert all(r["지원금액"] % 100_000 == 0 for r in page["rows"])
    _error(client.get(f"{ROWS}?select=성명", headers=auth["other"]), 422)

    # the grant as each side sees it
    grant_id = decided["grant_id"]
    held = client.get("/api/v1/grants", headers=auth["other"]).json()
    assert [g["id"] for g in held] == [grant_id]
    grant = client.get(f"/api/v1/grants/{grant_id}", headers=auth["other"]).json()
    assert (
        grant["state"] == "active" and grant["grantee"] == "대중교통과" and grant["request_id"] == req["id"]
    )
    assert grant["columns"] == ["주민번호", "지원금액", "읍면동"]
    assert grant["transforms"]["주민번호"]["kind"] == "pseudonym"
    assert grant["transforms"]["지원금액"] == {
        "kind": "round",
        "param": 100000,
        "label": "반올림",
        "label_en": "Rounding",
    }
    assert grant["row_filter"] == [{"column": "읍면동", "op": "in", "value": ["충장동", "동명동"]}]
    assert grant["ends_on"] == _in(60) and "key_salt" not in grant
    given = client.get("/api/v1/grants?box=given&dataset=welfare", headers=auth["chief"]).json()
    assert [g["id"] for g in given] == [grant_id]
    assert client.get("/api/v1/grants?box=given", headers=auth["other"]).json() == []

    # only the owner's admins revoke; then the grantee's reads are gone
    _error(
        client.post(f"/api/v1/grants/{grant_id}/revoke", json={"reason": "그만"}, headers=auth["other"]), 403
    )
    _error(
        client.post(f"/api/v1/grants/{grant_id}/revoke", json={"reason": "x"}, headers=auth["editor"]), 403
    )
    resp = client.post(
        f"/api/v1/grants/{grant_id}/revoke", json={"reason": "감사 결과 회수"}, headers=auth["chief"]
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["state"] == "revoked" and resp.json()["revoke_reason"] == "감사 결과 회수"
    _error(client.get(ROWS, headers=auth["other"]), 404)
    assert client.get(f"/api/v1/grants/{grant_id}", headers=auth["other"]).json()["state"] == "revoked"
    _error(client.post(f"/api/v1/grants/{grant_id}/revoke", json={}, headers=auth["chief"]), 409)

    actions = {e.action for e in services.audit.list_entries(SYSTEM, limit=500).items}
    assert {"access.request", "access.decision", "grant.revoke"} <= actions


def test_refuse_withdraw_and_the_rights_of_each_side(
    client: TestClient, welfare: dict[str, Any], auth: dict[str, dict[str, str]]
) -> None:
    req = _ask(client, auth["other"], org=None)
    url = f"{REQ}/{req['id']}"
    # a stranger does not learn the request exists; an editor of the owner may read it but not decide
    _error(client.get(url, headers=auth["partner"]), 404)
    _error(
        client.post(f"{url}/decision", json={"decision": "refuse", "reason": "x"}, headers=auth["partner"]),
        404,
    )
    assert client.get(url, headers=auth["editor"]).status_code == 200
    body = _error(
        client.post(
            f"{url}/decision", json={"decision": "refuse", "reason": "아니오"}, headers=auth["editor"]
        ),
        403,
    )
    assert "관리자" in body["error"] and "admins" in body["error_en"]
    _error(client.post(f"{url}/withdraw", headers=auth["chief"]), 403)  # only the requester withdraws

    # refusing needs a reason; then the requester sees why
    body = _error(client.post(f"{url}/decision", json={"decision": "refuse"}, headers=auth["chief"]), 422)
    assert [e["field"] for e in body["errors"]] == ["reason"]
    resp = client.post(
        f"{url}/decision", json={"decision": "refuse", "reason": "목적 외 이용 우려"}, headers=auth["chief"]
    )
    assert resp.status_code == 200, resp.text
    seen = client.get(url, headers=auth["other"]).json()
    assert seen["status"] == "refused" and seen["reason"] == "목적 외 이용 우려" and seen["grant_id"] is None
    _error(client.post(f"{url}/withdraw", headers=auth["other"]), 409)

    # a pending one the requester withdraws; sysadmins decide anywhere
    second = _ask(client, auth["other"], org=None)
    resp = client.post(f"{REQ}/{second['id']}/withdraw", headers=auth["other"])
    assert resp.status_code == 200 and resp.json()["status"] == "withdrawn"
    third = _ask(client, auth["other"], org=None, columns=[])
    resp = client.post(f"{REQ}/{third['id']}/decision", json={"decision": "provide"}, headers=auth["admin"])
    assert resp.status_code == 200 and resp.json()["status"] == "provided", resp.text
    statuses = {r["status"] for r in client.get(f"{REQ}?box=mine", headers=auth["other"]).json()}
    assert statuses == {"refused", "withdrawn", "provided"}


def test_without_a_token_every_route_answers_401(
    client: TestClient, services: Services, welfare: dict[str, Any]
) -> None:
    for resp in (
        client.post(REQ, json={"dataset": "welfare", "purpose": PURPOSE, "ends_on": _in(30)}),
        client.get(REQ),
        client.get(f"{REQ}/board"),
        client.get("/api/v1/grants"),
        client.get("/api/v1/processing-records"),
    ):
        _error(resp, 401)
    # one request exists: signed out, it does not (nothing tells a stranger it is there)
    other = services.accounts.find_user("other")
    assert other is not None
    req = services.access.request_access(
        services.accounts.actor_for(other.id), dataset="welfare", purpose=PURPOSE, ends_on=_in(30)
    )
    for resp in (
        client.get(f"{REQ}/{req.id}"),
        client.post(f"{REQ}/{req.id}/withdraw"),
        client.post(f"{REQ}/{req.id}/decision", json={"decision": "refuse", "reason": "x"}),
    ):
        _error(resp, 404)
    _error(client.get(REQ, headers={"Authorization": "Bearer hc_wrong"}), 401)


def test_a_browser_session_writes_with_its_csrf_token(client: TestClient, welfare: dict[str, Any]) -> None:
    token = login(client, "other")
    body = {"dataset": "welfare", "purpose": PURPOSE, "ends_on": _in(30)}
    _error(client.post(REQ, json=body), 403)
    resp = client.post(REQ, json=body, headers={"X-CSRF-Token": token})
    assert resp.status_code == 201, resp.text
    assert client.get(REQ).json()[0]["id"] == resp.json()["id"]


BAD_REQUESTS: list[tuple[dict[str, Any], set[str]]] = [
    ({"purpose": "짧음", "ends_on": "2026-13-01", "org": "ai-policy"}, {"purpose", "ends_on", "org"}),
    ({"ends_on": "어제"}, {"ends_on"}),
    ({"ends_on": "2001-01-01"}, {"ends_on"}),
    ({"ends_on": ""}, {"ends_on"}),
    ({"columns": "주민번호"}, {"columns"}),  # not a list: the schema says so
    ({"dataset": None}, {"dataset"}),
]


def _fields_match(errors: list[dict[str, Any]], expected: set[str]) -> bool:
    """Each expected field (or a part of it, as the schema names it) has an error of its own."""
    got = {e["field"] for e in errors}
    return all(any(g == f or g.startswith(f + ".") for g in got) for f in expected)


def test_bad_requests_are_explained(
    client: TestClient, welfare: dict[str, Any], auth: dict[str, dict[str, str]]
) -> None:
    for body, fields in BAD_REQUESTS:
        full = {"dataset": "welfare", "purpose": PURPOSE, "ends_on": _in(30), **body}
        err = _error(client.post(REQ, json=full, headers=auth["other"]), 422)
        assert _fields_match(err["errors"], fields), (body, err["errors"])
        assert all(e["message"] and e["message_en"] for e in err["errors"])
    assert client.get(REQ, headers=auth["other"]).json() == []


def test_unknown_dataset_box_and_status(
    client: TestClient, welfare: dict[str, Any], auth: dict[str, dict[str, str]]
) -> None:
    body = {"dataset": "no-such-thing", "purpose": PURPOSE, "ends_on": _in(30)}
    _error(client.post(REQ, json=body, headers=auth["other"]), 404)
    _error(client.get(f"{REQ}?box=everything", headers=auth["other"]), 422)
    _error(client.get(f"{REQ}?status=maybe", headers=auth["other"]), 422)
    _error(client.get("/api/v1/grants?box=all", headers=auth["other"]), 422)
    _error(client.get("/api/v1/grants?dataset=no-such-thing", headers=auth["other"]), 404)
    _error(client.get(f"{REQ}/abc", headers=auth["other"]), 422)
    _error(client.get(f"{REQ}/999999", headers=auth["other"]), 404)
    _error(client.get("/api/v1/grants/999999", headers=auth["other"]), 404)


_PSEUDO = {"주민번호": "pseudonym"}
BAD_DECISIONS: list[tuple[dict[str, Any], set[str]]] = [
    ({"decision": "maybe"}, {"decision"}),
    ({}, {"decision"}),
    ({"decision": "partial", "columns": ["지원금액", "없는열"]}, {"columns"}),
    ({"decision": "partial", "columns": "지원금액"}, {"columns"}),
    ({"decision": "partial", "row_filter": ["없는열=1"]}, {"row_filter.0"}),
    ({"decision": "partial", "row_filter": ["읍면동__near=동구"]}, {"row_filter.0"}),
    ({"decision": "partial", "row_filter": ["읍면동"]}, {"row_filter.0"}),
    ({"decision": "partial", "row_filter": [{"column": "읍면동", "op": "eq"}]}, {"row_filter.0"}),
    ({"decision": "partial", "transforms": {"주민번호": "shred"}}, {"transforms.주민번호"}),
    ({"decision": "partial", "transforms": {"주민번호": "pseudonym:3"}}, {"transforms.주민번호"}),
    ({"decision": "partial", "transforms": {"성명": "pseudonym"}}, {"transforms.성명"}),
    (
        {"decision": "partial", "transforms": {"주민번호": {"kind": "mask", "param": "x"}}},
        {"transforms.주민번호"},
    ),
    ({"decision": "partial", "transforms": _PSEUDO, "ends_on": "2026-02-30"}, {"ends_on"}),
    ({"decision": "partial", "transforms": _PSEUDO, "ends_on": "2001-01-01"}, {"ends_on"}),
    ({"decision": "provide", "columns": ["지원금액"]}, {"decision"}),
    ({"decision": "partial"}, {"decision"}),  # nothing left out: that is "provide"
]


def test_bad_decisions_are_explained_and_change_nothing(
    client: TestClient, welfare: dict[str, Any], auth: dict[str, dict[str, str]]
) -> None:
    req = _ask(client, auth["other"])
    for decision, fields in BAD_DECISIONS:
        resp = client.post(f"{REQ}/{req['id']}/decision", json=decision, headers=auth["chief"])
        err = _error(resp, 422)
        assert _fields_match(err["errors"], fields), (decision, err["errors"])
        assert all(e["message"] and e["message_en"] for e in err["errors"])
    assert client.get(f"{REQ}/{req['id']}", headers=auth["chief"]).json()["status"] == "pending"
    assert client.get("/api/v1/grants?box=given", headers=auth["chief"]).json() == []


def test_a_filter_value_of_the_wrong_type_is_a_422(
    client: TestClient, welfare: dict[str, Any], auth: dict[str, dict[str, str]]
) -> None:
    req = _ask(client, auth["other"])
    bad = {"decision": "partial", "row_filter": ["지원금액__gte=많이"]}
    err = _error(client.post(f"{REQ}/{req['id']}/decision", json=bad, headers=auth["chief"]), 422)
    assert err["errors"][0]["field"] == "row_filter"
    assert client.get(f"{REQ}/{req['id']}", headers=auth["chief"]).json()["status"] == "pending"


def test_the_board_counts_pending_overdue_and_due_soon(
    client: TestClient, services: Services, welfare: dict[str, Any], auth: dict[str, dict[str, str]]
) -> None:
    late = _ask(client, auth["other"])
    soon = _ask(client, auth["partner"], org="kepco")
    calm = _ask(client, auth["other"], org=None)
    services.access.store.update_request(late["id"], {"due_on": _today() - timedelta(days=2)})
    services.access.store.update_request(soon["id"], {"due_on": _today() + timedelta(days=1)})

    resp = client.get(f"{REQ}/board", headers=auth["chief"])
    assert resp.status_code == 200, resp.text
    [board] = resp.json()
    assert board["org_title"] == "인공지능정책과"
    assert (board["pending"], board["overdue"], board["due_soon"]) == (3, 1, 1)
    assert [r["id"] for r in board["requests"]] == [late["id"], soon["id"], calm["id"]]
    first = board["requests"][0]
    assert first["overdue"] is True and first["days_left"] == -2 and first["due_on"] == _in(-2)
    # the requester sees the same deadline
    seen = client.get(f"{REQ}/{late['id']}", headers=auth["other"]).json()
    assert (seen["overdue"], seen["days_left"]) == (True, -2)
    # a decided request is no longer overdue; other departments have nothing on their board
    client.post(
        f"{REQ}/{late['id']}/decision", json={"decision": "refuse", "reason": "늦음"}, headers=auth["chief"]
    )
    assert client.get(f"{REQ}/{late['id']}", headers=auth["other"]).json()["overdue"] is False
    assert client.get(f"{REQ}/board", headers=auth["chief"]).json()[0]["pending"] == 2
    assert client.get(f"{REQ}/board", headers=auth["other"]).json() == []
    assert [b["pending"] for b in client.get(f"{REQ}/board", headers=auth["admin"]).json()] == [2]


def test_processing_records_of_pseudonymised_grants(
    client: TestClient, services: Services, welfare: dict[str, Any], auth: dict[str, dict[str, str]]
) -> None:
    plain = _ask(client, auth["other"], org=None, columns=[])
    resp = client.post(f"{REQ}/{plain['id']}/decision", json={"decision": "provide"}, headers=auth["chief"])
    assert resp.status_code == 200, resp.text
    req = _ask(client, auth["partner"], org="kepco", columns=["주민번호", "연락처", "지원금액"])
    decision = {"decision": "partial", "transforms": {"주민번호": "pseudonym", "연락처": "mask:3"}}
    resp = client.post(f"{REQ}/{req['id']}/decision", json=decision, headers=auth["chief"])
    assert resp.status_code == 200, resp.text
    grant_id = resp.json()["grant_id"]

    resp = client.get("/api/v1/processing-records", headers=auth["chief"])
    assert resp.status_code == 200, resp.text
    [record] = resp.json()  # the grant without transformations is not a processing record
    assert record["grant_id"] == grant_id and record["purpose"] == PURPOSE
    assert record["recipient"] == "한국전력공사" and record["dataset"] == "welfare"
    items = {i["column"]: i["transform"] for i in record["items"]}
    assert items["주민번호"]["kind"] == "pseudonym" and items["주민번호"]["label"] == "가명처리(키 해시)"
    assert (items["연락처"]["kind"], items["연락처"]["param"]) == ("mask", 3)
    assert items["지원금액"] is None
    assert record["period"] == {"start": _today().isoformat(), "end": _in(60)}
    assert record["destroyed"] is None and record["state"] == "active"
    end = _today() + timedelta(days=60)
    assert record["keep_until"] == _plus_years(end, 3).isoformat()

    # the recipient and other departments keep no record of it; every owner member and sysadmins do
    assert client.get("/api/v1/processing-records", headers=auth["partner"]).json() == []
    assert client.get("/api/v1/processing-records", headers=auth["other"]).json() == []
    assert [
        r["grant_id"] for r in client.get("/api/v1/processing-records", headers=auth["member"]).json()
    ] == [grant_id]
    assert len(client.get("/api/v1/processing-records", headers=auth["admin"]).json()) == 1

    # revoked: the record says when the copy ended
    client.post(f"/api/v1/grants/{grant_id}/revoke", json={"reason": "목적 달성"}, headers=auth["chief"])
    [record] = client.get("/api/v1/processing-records", headers=auth["chief"]).json()
    assert record["state"] == "revoked" and record["destroyed"]
    destroyed = datetime.fromisoformat(record["destroyed"])
    assert abs(destroyed - datetime.now(UTC)) < timedelta(minutes=5)

    # expired: its end is when the copy ended
    third = _ask(client, auth["other"], columns=["지원금액", "읍면동"])
    decision = {"decision": "partial", "transforms": {"읍면동": "dong_to_gu"}}
    resp = client.post(f"{REQ}/{third['id']}/decision", json=decision, headers=auth["chief"])
    assert resp.status_code == 200, resp.text
    ended = resp.json()["grant_id"]
    services.access.store.update_grant(ended, {"ends_at": datetime.now(UTC) - timedelta(hours=1)})
    records = {
        r["grant_id"]: r for r in client.get("/api/v1/processing-records", headers=auth["chief"]).json()
    }
    assert set(records) == {grant_id, ended}  # still no record of the plain grant
    assert records[ended]["state"] == "expired" and records[ended]["recipient"] == "대중교통과"
    destroyed = datetime.fromisoformat(records[ended]["destroyed"])
    assert timedelta(minutes=55) < datetime.now(UTC) - destroyed < timedelta(minutes=65)


def test_the_openapi_document_describes_the_bodies(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/access-requests",
        "/api/v1/access-requests/board",
        "/api/v1/access-requests/{request_id}/decision",
        "/api/v1/grants/{grant_id}/revoke",
        "/api/v1/processing-records",
    ):
        assert path in spec["paths"], path
    schemas = spec["components"]["schemas"]
    assert schemas["AccessDecision"]["properties"]["decision"]["enum"] == ["provide", "partial", "refuse"]
    assert {"due_on", "days_left", "overdue"} <= set(schemas["AccessRequestRead"]["properties"])
    assert {"items", "recipient", "period", "destroyed", "keep_until"} <= set(
        schemas["ProcessingRecordRead"]["properties"]
    )
