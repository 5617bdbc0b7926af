"""Charts, dashboards and evidence packs: pinned versions, drift, and rights on every surface."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM, Actor
from hubcity.domain.charts import ChartOptions
from hubcity.errors import InvalidInput, NotFound, PermissionDenied, QueryError
from tests.factories import make_dataset, upload

DONGS = ["충장동", "동명동", "계림1동"]
JOIN = """SELECT p.행정동, p.인구수, c.민원수
FROM "dong-population".people p JOIN complaints.by_dong c ON p.행정동 = c.행정동
ORDER BY p.행정동"""


def _csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def publish(services: Services, tmp: Path, dataset: str, resource: str, header: str, rows: list[str]) -> None:
    src = _csv(tmp / f"{dataset}-{len(list(tmp.iterdir()))}.csv", header, rows)
    upload(services, SYSTEM, dataset, src, copy_to=tmp / "up" / src.name, resource=resource)


@pytest.fixture
def tables(services: Services, city: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """Population (internal, AI policy), complaints (internal, transport), a restricted transport table."""
    make_dataset(services, name="dong-population", title="행정동별 인구", visibility="internal")
    make_dataset(services, name="complaints", title="교통 민원", owner_org="transport", visibility="internal")
    make_dataset(services, name="fares", title="요금 원가", owner_org="transport", visibility="restricted")
    publish(
        services,
        tmp_path,
        "dong-population",
        "people",
        "행정동,인구수",
        ["충장동,1000", "동명동,2000", "계림1동,3000"],
    )
    publish(
        services, tmp_path, "complaints", "by_dong", "행정동,민원수", ["충장동,5", "동명동,7", "계림1동,9"]
    )
    publish(services, tmp_path, "fares", "cost", "노선,원가", ["518,1200", "1187,900"])
    return city


def _a(city: dict[str, Any], name: str) -> Actor:
    actor: Actor = city["actors"][name]
    return actor


def test_chart_spec_and_korean_svg(services: Services, tables: dict[str, Any]) -> None:
    member = _a(tables, "member")
    data = services.charts.data(
        member, JOIN, ChartOptions(kind="bar", x="행정동", y="민원수", aggregate="sum")
    )
    assert data.spec["mark"]["type"] == "bar"
    assert data.spec["encoding"]["y"]["title"] == "민원수 (합계)"
    assert sorted((r["행정동"], r["민원수"]) for r in data.rows) == [
        ("계림1동", 9),
        ("동명동", 7),
        ("충장동", 5),
    ]
    svg = services.charts.svg(data)
    assert svg.startswith("<svg") and "민원수 (합계)" in svg and "충장동" in svg
    png = services.charts.png(data)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_fields_are_checked_against_the_result(services: Services, tables: dict[str, Any]) -> None:
    member = _a(tables, "member")
    with pytest.raises(InvalidInput) as info:
        services.charts.data(member, JOIN, ChartOptions(kind="bar", x="없는열", y="행정동"))
    fields = {e.field: e for e in info.value.errors}
    assert "없는열" in fields["x"].message and "없는열" in fields["x"].message_en
    assert "숫자" in fields["y"].message and "not numeric" in fields["y"].message_en
    with pytest.raises(InvalidInput):
        services.charts.data(member, JOIN, ChartOptions(kind="donut", x="행정동", y="인구수"))


def test_every_kind_renders(services: Services, tables: dict[str, Any], tmp_path: Path) -> None:
    make_dataset(services, name="stops", title="정류장 위치", visibility="public")
    publish(
        services,
        tmp_path,
        "stops",
        "points",
        "정류장,lat,lon",
        ["시청,35.16,126.85", "광주역,35.165,126.909"],
    )
    admin = _a(tables, "admin")
    cases = [
        (JOIN, ChartOptions(kind="line", x="행정동", y="인구수")),
        (JOIN, ChartOptions(kind="area", x="행정동", y="인구수")),
        (JOIN, ChartOptions(kind="scatter", x="인구수", y="민원수")),
        (JOIN, ChartOptions(kind="pie", x="행정동", y="인구수")),
        (JOIN, ChartOptions(kind="heat", y="민원수")),  # finds the 행정동 column itself
        ("SELECT * FROM stops.points", ChartOptions(kind="map", color="정류장")),  # finds lat/lon
    ]
    for sql, options in cases:
        data = services.charts.data(admin, sql, options)
        assert "<svg" in services.charts.svg(data), options
    heat = services.charts.data(admin, JOIN, ChartOptions(kind="heat", y="민원수"))
    assert heat.options.x == "행정동" and heat.options.aggregate == "sum"
    with pytest.raises(InvalidInput):
        services.charts.data(admin, JOIN, ChartOptions(kind="map"))  # no coordinates


def test_charts_are_invisible_without_rights(services: Services, tables: dict[str, Any]) -> None:
    other, member = _a(tables, "other"), _a(tables, "member")
    secret = services.charts.create_chart(
        other,
        title="원가",
        sql="SELECT * FROM fares.cost",
        source="sql",
        options=ChartOptions(kind="bar", x="노선", y="원가"),
        shared=True,
    )
    assert services.charts.get_chart(other, secret.id).title == "원가"
    with pytest.raises(NotFound) as info:
        services.charts.get_chart(member, secret.id)  # shared by link, but the table is not theirs to read
    assert "fares" not in str(info.value)
    with pytest.raises(NotFound):
        services.charts.get_chart(member, "nonexistent1")
    private = services.charts.create_chart(
        member, title="민원", sql=JOIN, source="sql", options=ChartOptions(kind="bar", x="행정동", y="민원수")
    )
    with pytest.raises(NotFound):
        services.charts.get_chart(_a(tables, "partner"), private.id)
    with pytest.raises(NotFound):
        services.charts.update_chart(_a(tables, "editor"), private.id, {"title": "x"})  # private
    services.charts.update_chart(member, private.id, {"shared": True})
    with pytest.raises(PermissionDenied):
        services.charts.update_chart(_a(tables, "editor"), private.id, {"title": "x"})  # shared, not theirs
    assert [c.id for c in services.charts.list_charts(member)] == [private.id]


def test_dashboard_filters_apply_to_tiles_with_the_column(services: Services, tables: dict[str, Any]) -> None:
    member = _a(tables, "member")
    chart = services.charts.create_chart(
        member, title="민원", sql=JOIN, source="sql", options=ChartOptions(kind="bar", x="행정동", y="민원수")
    )
    board = services.charts.create_dashboard(member, title="동별 현황", filters=["행정동"])
    services.charts.add_tile(member, board.id, kind="chart", chart_id=chart.id)
    services.charts.add_tile(
        member,
        board.id,
        kind="number",
        title="총 인구",
        sql='SELECT sum(인구수) FROM "dong-population".people',
    )
    services.charts.add_tile(
        member, board.id, kind="number", title="민원 합", sql="SELECT 행정동, 민원수 FROM complaints.by_dong"
    )
    whole = services.charts.view(member, board.id)
    assert whole.tiles[1].value == 6000 and whole.tiles[2].value == "충장동"
    view = services.charts.view(member, board.id, {"행정동": "동명동"})
    chart_tile, total, first = view.tiles
    assert chart_tile.filters == {"행정동": "동명동"} and "동명동" in (chart_tile.svg or "")
    assert "충장동" not in (chart_tile.svg or "")
    assert total.filters == {} and total.value == 6000  # its result has no 행정동 column
    assert first.filters == {"행정동": "동명동"}
    with pytest.raises(NotFound):
        services.charts.get_dashboard(_a(tables, "partner"), board.id)  # private
    services.charts.update_dashboard(member, board.id, {"shared": True})
    partner_view = services.charts.view(_a(tables, "partner"), board.id)
    assert all(t.error is not None for t in partner_view.tiles)  # shared, but the data is not theirs
    assert all("complaints" not in (t.error or ("", ""))[1] for t in partner_view.tiles)


def test_pack_pins_versions_and_flags_drift(
    services: Services, tables: dict[str, Any], tmp_path: Path
) -> None:
    member = _a(tables, "member")
    pack = services.evidence.create_pack(
        member,
        title="행정동별 민원 근거",
        sql=JOIN,
        narrative="민원은 계림1동에서 가장 많다.",
        chart=ChartOptions(kind="bar", x="행정동", y="민원수"),
    )
    assert '"complaints"."by_dong@v1" AS "c"' in pack.pinned_sql
    assert '"dong-population"."people@v1" AS "p"' in pack.pinned_sql
    assert sorted(p.label for p in pack.pinned) == ["complaints.by_dong@v1", "dong-population.people@v1"]
    assert pack.rows[0] == {"행정동": "계림1동", "인구수": 3000, "민원수": 9}
    same = services.evidence.rerun(member, pack.id)
    assert not same.drift.changed and not same.drift.stale

    publish(
        services, tmp_path, "complaints", "by_dong", "행정동,민원수", ["충장동,5", "동명동,70", "계림1동,9"]
    )
    again = services.evidence.rerun(member, pack.id)
    assert again.drift.changed
    [cell] = again.drift.cells
    assert (cell.key, cell.column, cell.old, cell.new) == ({"행정동": "동명동"}, "민원수", 7, 70)
    assert [(n.dataset, n.pinned, n.newest) for n in again.drift.newer] == [("complaints", 1, 2)]
    # the pack itself never changes: its numbers and chart stay those of v1
    kept = services.evidence.get_pack(member, pack.id)
    assert kept.rows == pack.rows
    chart = services.evidence.chart(member, pack.id)
    assert chart is not None and {r["민원수"] for r in chart.rows} == {5, 7, 9}


def test_pack_is_seen_only_by_owner_and_those_shared_with(services: Services, tables: dict[str, Any]) -> None:
    member, editor, partner = _a(tables, "member"), _a(tables, "editor"), _a(tables, "partner")
    pack = services.evidence.create_pack(member, title="근거", sql=JOIN, shared_with=["editor", "partner"])
    assert services.evidence.get_pack(editor, pack.id).title == "근거"
    assert [p.id for p in services.evidence.list_packs(editor)] == [pack.id]
    with pytest.raises(NotFound):
        services.evidence.get_pack(_a(tables, "other"), pack.id)  # not shared with them
    with pytest.raises(NotFound) as info:
        services.evidence.get_pack(partner, pack.id)  # shared, but the internal tables are not theirs
    assert "complaints" not in str(info.value)
    with pytest.raises(NotFound):
        services.evidence.rerun(partner, pack.id)
    assert services.evidence.list_packs(partner) == []
    with pytest.raises(InvalidInput):
        services.evidence.create_pack(member, title="x", sql=JOIN, shared_with=["nobody-here"])
    with pytest.raises(QueryError) as failed:
        services.evidence.create_pack(member, title="x", sql="SELECT * FROM fares.cost")
    assert "원가" not in str(failed.value)  # no column, no row count of the table they may not read


def test_pack_pdf_has_the_title_and_korean_text(services: Services, tables: dict[str, Any]) -> None:
    member = _a(tables, "member")
    pack = services.evidence.create_pack(
        member,
        title="행정동별 민원 근거 자료",
        sql=JOIN,
        narrative="민원은 계림1동에서 가장 많다.",
        chart=ChartOptions(kind="bar", x="행정동", y="민원수"),
    )
    pdf = services.evidence.pdf(member, pack.id, url=f"http://hub.example/evidence/{pack.id}")
    assert pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "행정동별 민원 근거 자료" in text
    assert "계림1동" in text and f"/evidence/{pack.id}" in text and "complaints.by_dong" in text
    assert services.evidence.png(member, pack.id)[:4] == b"\x89PNG"
