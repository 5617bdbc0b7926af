"""Charts, dashboards and evidence packs through the JSON API and the pages."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from pypdf import PdfReader

from hubcity.bootstrap import Services
from tests.factories import api_token, login
from tests.services.test_evidence import JOIN, publish
from tests.services.test_evidence import tables as tables  # noqa: F401 - the fixture


def _auth(services: Services, tables: dict[str, Any], name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(services, tables['actors'][name])}"}


def test_chart_api_preview_crud_and_images(
    client: TestClient, services: Services, tables: dict[str, Any]
) -> None:
    member = _auth(services, tables, "member")
    body = {"sql": JOIN, "options": {"kind": "bar", "x": "행정동", "y": "민원수", "aggregate": "sum"}}
    resp = client.post("/api/v1/charts/preview", json=body, headers=member)
    assert resp.status_code == 200, resp.text
    assert resp.json()["spec"]["encoding"]["y"]["title"] == "민원수 (합계)"
    assert "민원수 (합계)" in resp.json()["svg"]
    bad = client.post(
        "/api/v1/charts/preview",
        json={**body, "options": {"kind": "bar", "x": "nope", "y": "민원수"}},
        headers=member,
    )
    assert bad.status_code == 422 and bad.json()["ok"] is False
    assert bad.json()["errors"][0]["field"] == "x" and "nope" in bad.json()["error_en"] + str(
        bad.json()["errors"]
    )

    created = client.post("/api/v1/charts", json={**body, "title": "동별 민원"}, headers=member)
    assert created.status_code == 201, created.text
    chart = created.json()
    svg = client.get(f"/api/v1/charts/{chart['id']}.svg", headers=member)
    assert svg.headers["content-type"].startswith("image/svg+xml") and "민원수 (합계)" in svg.text
    png = client.get(f"/api/v1/charts/{chart['id']}.png", headers=member)
    assert png.content[:4] == b"\x89PNG"
    renamed = client.patch(f"/api/v1/charts/{chart['id']}", json={"title": "새 이름"}, headers=member)
    assert renamed.json()["title"] == "새 이름"
    assert [c["id"] for c in client.get("/api/v1/charts", headers=member).json()] == [chart["id"]]
    # someone who may not see it meets the same 404 as for a missing chart, in the same error shape
    partner = _auth(services, tables, "partner")
    for url in (
        f"/api/v1/charts/{chart['id']}",
        f"/api/v1/charts/{chart['id']}.svg",
        "/api/v1/charts/missing00",
    ):
        miss = client.get(url, headers=partner)
        assert miss.status_code == 404 and miss.json()["ok"] is False and miss.json()["status"] == 404
    assert client.delete(f"/api/v1/charts/{chart['id']}", headers=member).status_code == 204
    assert client.get(f"/api/v1/charts/{chart['id']}", headers=member).status_code == 404


def test_dashboard_api_tiles_and_filters(
    client: TestClient, services: Services, tables: dict[str, Any]
) -> None:
    member = _auth(services, tables, "member")
    chart = client.post(
        "/api/v1/charts",
        json={"sql": JOIN, "title": "민원", "options": {"kind": "bar", "x": "행정동", "y": "민원수"}},
        headers=member,
    ).json()
    board = client.post(
        "/api/v1/dashboards", json={"title": "현황", "filters": ["행정동"]}, headers=member
    ).json()
    tile = client.post(
        f"/api/v1/dashboards/{board['id']}/tiles",
        json={"kind": "chart", "chart_id": chart["id"]},
        headers=member,
    )
    assert tile.status_code == 201
    number = client.post(
        f"/api/v1/dashboards/{board['id']}/tiles",
        json={"kind": "number", "title": "민원", "sql": "SELECT 행정동, 민원수 FROM complaints.by_dong"},
        headers=member,
    )
    assert number.status_code == 201
    got = client.get(f"/api/v1/dashboards/{board['id']}", headers=member).json()
    assert [t["kind"] for t in got["tiles"]] == ["chart", "number"]
    page = client.get(f"/dashboards/{board['id']}?f.행정동=동명동&format=json", headers=member).json()
    assert page["applied"] == {"행정동": "동명동"} and list(page["values"].values()) == ["동명동"]
    html = client.get(f"/dashboards/{board['id']}/embed?f.행정동=동명동", headers=member)
    soup = BeautifulSoup(html.text, "html.parser")
    assert soup.find("nav") is None and len(soup.select(".tile")) == 2  # the tiles alone
    assert "충장동" not in soup.select(".tile")[0].decode()
    assert (
        client.get(f"/api/v1/dashboards/{board['id']}", headers=_auth(services, tables, "other")).status_code
        == 404
    )


def test_evidence_api_pdf_and_drift(
    client: TestClient, services: Services, tables: dict[str, Any], tmp_path: Path
) -> None:
    member = _auth(services, tables, "member")
    resp = client.post(
        "/api/v1/evidence",
        json={
            "title": "민원 근거 자료",
            "sql": JOIN,
            "narrative": "동명동 민원이 늘었다.",
            "chart": {"kind": "bar", "x": "행정동", "y": "민원수"},
        },
        headers=member,
    )
    assert resp.status_code == 201, resp.text
    pack = resp.json()
    assert pack["url"] == f"/evidence/{pack['id']}"
    assert {p["version"] for p in pack["pinned"]} == {1}
    pdf = client.get(f"/api/v1/evidence/{pack['id']}.pdf", headers=member)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "민원 근거 자료" in text and "동명동 민원이 늘었다." in text
    assert client.get(f"/api/v1/evidence/{pack['id']}.png", headers=member).content[:4] == b"\x89PNG"
    assert client.post(f"/api/v1/evidence/{pack['id']}/rerun", headers=member).json()["changed"] is False

    publish(
        services, tmp_path, "complaints", "by_dong", "행정동,민원수", ["충장동,5", "동명동,8", "계림1동,9"]
    )
    drift = client.post(f"/api/v1/evidence/{pack['id']}/rerun", headers=member).json()
    assert drift["changed"] and drift["cells"] == [
        {"row": 1, "key": {"행정동": "동명동"}, "column": "민원수", "old": 7, "new": 8}
    ]
    assert drift["newer"] == [{"dataset": "complaints", "resource": "by_dong", "pinned": 1, "newest": 2}]
    partner = _auth(services, tables, "partner")
    for url in (f"/api/v1/evidence/{pack['id']}", f"/api/v1/evidence/{pack['id']}.pdf"):
        assert client.get(url, headers=partner).status_code == 404
    assert client.post(f"/api/v1/evidence/{pack['id']}/rerun", headers=partner).status_code == 404


def test_the_owner_arranges_tiles_and_nobody_else_may(
    client: TestClient, services: Services, tables: dict[str, Any]
) -> None:
    member = _auth(services, tables, "member")
    board = client.post("/api/v1/dashboards", json={"title": "배치", "shared": True}, headers=member).json()
    url = f"/api/v1/dashboards/{board['id']}/tiles"
    ids = [
        client.post(
            url, json={"kind": "number", "title": f"값{n}", "sql": f"SELECT {n}"}, headers=member
        ).json()["id"]
        for n in (1, 2, 3)
    ]

    def order() -> list[str]:
        got = client.get(f"/api/v1/dashboards/{board['id']}", headers=member).json()
        return [f"{t['title']}:{t['width']}" for t in got["tiles"]]

    moved = client.patch(f"{url}/{ids[2]}", json={"position": 1, "width": 3, "title": "합계"}, headers=member)
    assert moved.status_code == 200 and moved.json()["width"] == 3
    assert order() == ["합계:3", "값1:1", "값2:1"]
    assert client.patch(f"{url}/{ids[2]}", json={"position": 99}, headers=member).status_code == 200
    assert order() == ["값1:1", "값2:1", "합계:3"]
    bad = client.patch(f"{url}/{ids[0]}", json={"width": 4}, headers=member)
    assert bad.status_code == 422 and "1, 2, 3" in bad.json()["error"]
    # a shared dashboard is seen by others, and arranged by its owner only
    other = _auth(services, tables, "other")
    assert client.get(f"/api/v1/dashboards/{board['id']}", headers=other).status_code == 200
    assert client.patch(f"{url}/{ids[0]}", json={"position": 3}, headers=other).status_code in (403, 404)
    assert order() == ["값1:1", "값2:1", "합계:3"]

    # the page: the owner's buttons move, resize and remove; the embed has none
    csrf = login(client, "member")
    page = BeautifulSoup(client.get(f"/dashboards/{board['id']}").text, "html.parser")
    tools = page.select(".tile .tile-tools")
    assert len(tools) == 3 and tools[0].select_one("button[value=earlier]") is None
    for control in page.select(".tile-tools select"):
        assert page.select_one(f"label[for='{control['id']}']") is not None
    form = f"/dashboards/{board['id']}/tiles"
    client.post(f"{form}/{ids[2]}", data={"csrf": csrf, "move": "earlier", "width": "3"})
    client.post(f"{form}/{ids[0]}", data={"csrf": csrf, "width": "2"})
    assert order() == ["값1:2", "합계:3", "값2:1"]
    client.post(f"{form}/{ids[1]}", data={"csrf": csrf, "remove": "1"})
    assert order() == ["값1:2", "합계:3"]
    assert client.post(f"{form}/{ids[0]}", data={"csrf": "forged", "remove": "1"}).status_code == 403
    embed = BeautifulSoup(client.get(f"/dashboards/{board['id']}/embed").text, "html.parser")
    assert embed.select(".tile-tools") == []


def test_a_pack_shared_by_link_opens_for_those_who_may_read_its_tables(
    client: TestClient, services: Services, tables: dict[str, Any]
) -> None:
    member, other = _auth(services, tables, "member"), _auth(services, tables, "other")
    made = client.post("/api/v1/evidence", json={"title": "공유 전", "sql": JOIN}, headers=member)
    assert made.status_code == 201 and made.json()["shared"] is False
    url = f"/api/v1/evidence/{made.json()['id']}"
    assert client.get(url, headers=other).status_code == 404  # not shared yet: no such pack
    assert client.patch(url, json={"shared": True}, headers=other).status_code == 404
    shared = client.patch(url, json={"shared": True}, headers=member)
    assert shared.status_code == 200 and shared.json()["shared"] is True
    assert client.get(url, headers=other).json()["title"] == "공유 전"  # staff who read both tables
    assert client.patch(url, json={"shared": False}, headers=other).status_code == 403  # owner only
    assert client.get(url, headers=_auth(services, tables, "partner")).status_code == 404  # tables unreadable
    assert client.get(url).status_code == 404  # anonymous: the tables are internal
    # the owner's page offers the switch; the link is closed again from there
    csrf = login(client, "member")
    page = BeautifulSoup(client.get(f"/evidence/{made.json()['id']}").text, "html.parser")
    assert "링크로 공유 중" in page.select_one("#share-state").get_text()
    client.post(f"/evidence/{made.json()['id']}/share", data={"csrf": csrf, "shared": "false"})
    assert client.get(url, headers=other).status_code == 404
    # and a pack made from the chart form with the box ticked is shared from the start
    form = client.post(
        "/evidence",
        data={"csrf": csrf, "title": "처음부터", "sql": JOIN, "shared": "true"},
        follow_redirects=False,
    )
    assert form.status_code == 303
    assert client.get("/api/v1" + form.headers["location"], headers=other).json()["shared"] is True


def test_pages_from_sql_to_evidence_drift(
    client: TestClient, services: Services, tables: dict[str, Any], tmp_path: Path
) -> None:
    csrf = login(client, "member")
    sql_page = BeautifulSoup(client.get("/sql", params={"sql": JOIN}).text, "html.parser")
    link = sql_page.select_one("#sql-chart")
    assert link is not None and link.get_text(strip=True) == "차트 만들기"
    builder = client.get(str(link["href"]) + "&kind=bar&x=행정동&y=민원수&title=동별+민원")
    assert builder.status_code == 200
    soup = BeautifulSoup(builder.text, "html.parser")
    assert "민원수" in soup.select_one("#chart-svg").decode()
    saved = client.post(
        "/charts",
        data={"csrf": csrf, "sql": JOIN, "title": "동별 민원", "kind": "bar", "x": "행정동", "y": "민원수"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    chart_url = saved.headers["location"]
    to_board = client.post(
        f"{chart_url}/dashboard", data={"csrf": csrf, "new_title": "민원 대시보드", "filters": "행정동"}
    )
    assert to_board.status_code == 200 and "민원 대시보드" in to_board.text
    board_page = BeautifulSoup(to_board.text, "html.parser")
    assert (
        board_page.select_one("#dashboard-filters") is not None and len(board_page.select(".tile svg")) == 1
    )
    assert "민원 대시보드" in client.get("/dashboards").text
    made = client.post(
        "/evidence",
        data={
            "csrf": csrf,
            "title": "근거 팩",
            "sql": JOIN,
            "narrative": "설명",
            "kind": "bar",
            "x": "행정동",
            "y": "민원수",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    pack_url = made.headers["location"]
    page = BeautifulSoup(client.get(pack_url).text, "html.parser")
    assert page.h1.get_text() == "근거 팩" and page.select_one("#chart-svg svg") is not None
    assert "complaints.by_dong" in page.select_one("#pinned").get_text()
    assert page.select_one("#evidence-rerun button").get_text(strip=True) == "최신 버전으로 다시 실행"
    publish(
        services, tmp_path, "complaints", "by_dong", "행정동,민원수", ["충장동,50", "동명동,7", "계림1동,9"]
    )
    rerun = BeautifulSoup(client.post(f"{pack_url}/rerun", data={"csrf": csrf}).text, "html.parser")
    panel = rerun.select_one("#drift")
    assert panel is not None and "충장동" in panel.get_text() and "50" in panel.get_text()
    assert "v1 → v2" in rerun.select_one("#drift-newer").get_text()
    en = client.get(pack_url + "?lang=en").text
    assert "Re-run against the newest versions" in en
    assert "근거 팩" in client.get("/evidence").text


@pytest.mark.parametrize("path", ["/evidence/nothing000", "/charts/nothing000", "/dashboards/nothing000"])
def test_missing_pages_are_404_pages(client: TestClient, tables: dict[str, Any], path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 404 and "<html" in resp.text
