"""Charts and dashboards over the SQL workspace, under the viewer's rights.

A chart's data is always asked for again with the viewer's rights: the SQL
runs through :class:`QueryService`, so a table they may not read does not
exist for them. A chart or dashboard is visible to its owner, to anyone with
the link when shared, and to sysadmins; a chart whose tables the viewer may not
read is not found at all (404, like a missing one), whoever shared it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hubcity.domain.accounts import Actor
from hubcity.domain.charts import (
    TILE_KINDS,
    Chart,
    ChartOptions,
    Dashboard,
    Tile,
    applicable_filters,
    build_spec,
    chart_sql,
    check_options,
    number_sql,
)
from hubcity.domain.query import QueryResult
from hubcity.errors import (
    AuthenticationFailed,
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PlatformError,
)
from hubcity.ports import ChartRenderer, MetadataStore
from hubcity.services.query import QueryService

__all__ = ["ChartData", "ChartService", "DashboardView", "TileView"]


@dataclass(frozen=True)
class ChartData:
    options: ChartOptions  # with defaults filled in
    columns: list[dict[str, str]]  # of the source query's result
    rows: list[dict[str, Any]]  # what the chart draws
    spec: dict[str, Any]
    filters: dict[str, str] = field(default_factory=dict)  # the filters that applied


@dataclass(frozen=True)
class TileView:
    tile: Tile
    title: str
    svg: str | None = None
    value: Any = None
    filters: dict[str, str] = field(default_factory=dict)
    error: tuple[str, str] | None = None


@dataclass(frozen=True)
class DashboardView:
    dashboard: Dashboard
    tiles: list[TileView]
    filters: dict[str, str]


def _now() -> datetime:
    return datetime.now(UTC)


def _title(title: str, what_ko: str, what_en: str) -> str:
    title = title.strip()
    if not title or len(title) > 200:
        raise InvalidInput(
            f"{what_ko} 제목은 1~200자입니다.",
            f"The {what_en} title is 1 to 200 characters.",
            [FieldError("title", "제목은 1~200자입니다.", "The title is 1 to 200 characters.")],
        )
    return title


class ChartService:
    def __init__(self, *, store: MetadataStore, query: QueryService, renderer: ChartRenderer) -> None:
        self.store = store
        self.query = query
        self.renderer = renderer

    # -- rights ------------------------------------------------------------------------------
    def readable(self, actor: Actor, sql: str) -> bool:
        """Whether the actor may read every hub table ``sql`` names."""
        try:
            refs = self.query.tables_of(sql)
        except PlatformError:
            return False
        for ref in refs:
            if ref.schema is None and not ref.name.isdigit():
                continue  # a CTE name
            try:
                if self.query.bind_table(actor, ref) is None:
                    return False
            except PlatformError:
                return False
        return True

    # -- sources -----------------------------------------------------------------------------
    def source_sql(
        self,
        actor: Actor,
        *,
        sql: str | None = None,
        query_id: str | None = None,
        dataset: str | None = None,
        resource: str | None = None,
    ) -> tuple[str, str]:
        """The SQL a chart draws from, and where it came from ("sql", "query:…", "resource:…")."""
        if query_id:
            return self.query.get_saved(actor, query_id).sql, f"query:{query_id}"
        if dataset and resource:
            name = f'"{dataset.replace(chr(34), "")}"."{resource.replace(chr(34), "")}"'
            return f"SELECT * FROM {name}", f"resource:{dataset}.{resource}"
        if sql and sql.strip():
            return sql.strip(), "sql"
        raise InvalidInput(
            "차트의 데이터(SQL, 저장된 쿼리 또는 데이터셋의 표)를 고르세요.",
            "Choose the chart's data: SQL, a saved query or a dataset's table.",
            [FieldError("sql", "데이터를 고르세요.", "Choose the data.")],
        )

    # -- data and drawing --------------------------------------------------------------------
    def columns_of(self, actor: Actor, sql: str) -> list[dict[str, str]]:
        """The columns of the query's result (runs it for no rows)."""
        return self.query.run(actor, sql, max_rows=0).columns

    def data(
        self,
        actor: Actor,
        sql: str,
        options: ChartOptions,
        filters: dict[str, str] | None = None,
        *,
        lang: str = "ko",
    ) -> ChartData:
        columns = self.columns_of(actor, sql)
        checked = check_options(options, columns)
        applied = applicable_filters(filters or {}, [c["name"] for c in columns])
        result: QueryResult = self.query.run(actor, chart_sql(sql, checked, applied))
        spec = build_spec(checked, result.rows, result.columns, lang=lang)
        return ChartData(options=checked, columns=columns, rows=result.rows, spec=spec, filters=applied)

    def svg(self, data: ChartData) -> str:
        return self.renderer.svg(data.spec)

    def png(self, data: ChartData) -> bytes:
        return self.renderer.png(data.spec)

    # -- charts ------------------------------------------------------------------------------
    def create_chart(
        self, actor: Actor, *, title: str, sql: str, source: str, options: ChartOptions, shared: bool = False
    ) -> Chart:
        if actor.user_id is None:
            raise AuthenticationFailed("차트를 저장하려면 로그인하세요.", "Sign in to save a chart.")
        title = _title(title, "차트", "chart")
        checked = self.data(actor, sql, options).options
        now = _now()
        return self.store.create_chart(
            {
                "id": uuid.uuid4().hex[:12],
                "title": title,
                "owner_id": actor.user_id,
                "shared": shared,
                "sql": sql,
                "source": source[:300],
                "options": {**checked.as_dict(), "title": checked.title or title},
                "created_at": now,
                "updated_at": now,
            }
        )

    def get_chart(self, actor: Actor, chart_id: str) -> Chart:
        chart = self.store.find_chart(chart_id)
        if (
            chart is None
            or not (chart.shared or chart.owner_id == actor.user_id or actor.sysadmin)
            or not self.readable(actor, chart.sql)
        ):
            raise NotFound.of("차트", "Chart", chart_id)
        return chart

    def list_charts(self, actor: Actor) -> list[Chart]:
        if actor.user_id is None:
            return []
        return [c for c in self.store.list_charts(actor.user_id) if self.readable(actor, c.sql)]

    def _own_chart(self, actor: Actor, chart_id: str) -> Chart:
        chart = self.get_chart(actor, chart_id)
        if chart.owner_id != actor.user_id and not actor.sysadmin:
            raise PermissionDenied(
                "자신이 만든 차트만 고치거나 지울 수 있습니다.", "Only the owner may change or delete it."
            )
        return chart

    def update_chart(self, actor: Actor, chart_id: str, changes: dict[str, Any]) -> Chart:
        chart = self._own_chart(actor, chart_id)
        fields: dict[str, Any] = {"updated_at": _now()}
        if "title" in changes and changes["title"] is not None:
            fields["title"] = _title(str(changes["title"]), "차트", "chart")
        if "shared" in changes and changes["shared"] is not None:
            fields["shared"] = bool(changes["shared"])
        if changes.get("options") is not None:
            merged = {**chart.options.as_dict(), **dict(changes["options"])}
            fields["options"] = self.data(actor, chart.sql, ChartOptions.of(merged)).options.as_dict()
        return self.store.update_chart(chart.id, fields)

    def delete_chart(self, actor: Actor, chart_id: str) -> None:
        self.store.delete_chart(self._own_chart(actor, chart_id).id)

    def chart_data(
        self, actor: Actor, chart_id: str, filters: dict[str, str] | None = None, *, lang: str = "ko"
    ) -> tuple[Chart, ChartData]:
        chart = self.get_chart(actor, chart_id)
        return chart, self.data(actor, chart.sql, chart.options, filters, lang=lang)

    # -- dashboards --------------------------------------------------------------------------
    def create_dashboard(
        self,
        actor: Actor,
        *,
        title: str,
        description: str = "",
        shared: bool = False,
        filters: list[str] | None = None,
    ) -> Dashboard:
        if actor.user_id is None:
            raise AuthenticationFailed("대시보드를 만들려면 로그인하세요.", "Sign in to make a dashboard.")
        now = _now()
        return self.store.create_dashboard(
            {
                "id": uuid.uuid4().hex[:12],
                "title": _title(title, "대시보드", "dashboard"),
                "description": description.strip()[:5000],
                "owner_id": actor.user_id,
                "shared": shared,
                "filters": _filter_columns(filters or []),
                "created_at": now,
                "updated_at": now,
            }
        )

    def get_dashboard(self, actor: Actor, dashboard_id: str) -> Dashboard:
        board = self.store.find_dashboard(dashboard_id)
        if board is None or not (board.shared or board.owner_id == actor.user_id or actor.sysadmin):
            raise NotFound.of("대시보드", "Dashboard", dashboard_id)
        return board

    def list_dashboards(self, actor: Actor) -> list[Dashboard]:
        return self.store.list_dashboards(actor.user_id) if actor.user_id is not None else []

    def _own_dashboard(self, actor: Actor, dashboard_id: str) -> Dashboard:
        board = self.get_dashboard(actor, dashboard_id)
        if board.owner_id != actor.user_id and not actor.sysadmin:
            raise PermissionDenied(
                "자신이 만든 대시보드만 고칠 수 있습니다.", "Only the owner may change a dashboard."
            )
        return board

    def update_dashboard(self, actor: Actor, dashboard_id: str, changes: dict[str, Any]) -> Dashboard:
        board = self._own_dashboard(actor, dashboard_id)
        fields: dict[str, Any] = {"updated_at": _now()}
        if changes.get("title") is not None:
            fields["title"] = _title(str(changes["title"]), "대시보드", "dashboard")
        if changes.get("description") is not None:
            fields["description"] = str(changes["description"]).strip()[:5000]
        if changes.get("shared") is not None:
            fields["shared"] = bool(changes["shared"])
        if changes.get("filters") is not None:
            fields["filters"] = _filter_columns(list(changes["filters"]))
        return self.store.update_dashboard(board.id, fields)

    def delete_dashboard(self, actor: Actor, dashboard_id: str) -> None:
        self.store.delete_dashboard(self._own_dashboard(actor, dashboard_id).id)

    def add_tile(
        self,
        actor: Actor,
        dashboard_id: str,
        *,
        kind: str,
        title: str = "",
        chart_id: str | None = None,
        sql: str = "",
        width: int = 1,
    ) -> Tile:
        board = self._own_dashboard(actor, dashboard_id)
        if kind not in TILE_KINDS:
            raise InvalidInput(
                f"타일 종류 '{kind}'은(는) 없습니다(chart, number).",
                f"Unknown tile kind '{kind}' (chart or number).",
                [FieldError("kind", "chart 또는 number입니다.", "chart or number.")],
            )
        fields: dict[str, Any] = {"kind": kind, "title": title.strip()[:200], "width": max(1, min(width, 3))}
        if kind == "chart":
            if not chart_id:
                raise InvalidInput(
                    "차트 타일에는 차트를 고르세요.",
                    "A chart tile needs a chart.",
                    [FieldError("chart_id", "차트를 고르세요.", "Choose a chart.")],
                )
            chart = self.get_chart(actor, chart_id)
            fields.update(chart_id=chart.id, title=fields["title"] or chart.title)
        else:
            if not sql.strip():
                raise InvalidInput(
                    "숫자 타일에는 숫자 하나를 내는 SQL이 필요합니다.",
                    "A number tile needs SQL that answers one number.",
                    [FieldError("sql", "SQL을 쓰세요.", "Write the SQL.")],
                )
            self.query.run(actor, sql, max_rows=1)  # refuses SQL that cannot run
            fields.update(sql=sql.strip(), title=fields["title"] or "값")
        tile = self.store.add_tile(board.id, fields)
        self.store.update_dashboard(board.id, {"updated_at": _now()})
        return tile

    def arrange_tile(
        self,
        actor: Actor,
        dashboard_id: str,
        tile_id: int,
        *,
        title: str | None = None,
        width: int | None = None,
        position: int | None = None,
    ) -> Tile:
        """Rename a tile, make it 1–3 grid columns wide, or move it to ``position`` (1 = first; past
        the end = last); only the dashboard's owner may."""
        board = self._own_dashboard(actor, dashboard_id)
        order = [t.id for t in board.tiles]
        if tile_id not in order:
            raise NotFound.of("타일", "Tile", str(tile_id))
        fields: dict[str, Any] = {}
        if title is not None:
            if not title.strip():
                raise InvalidInput(
                    "타일 제목을 쓰세요.",
                    "Give the tile a title.",
                    [FieldError("title", "비었습니다", "empty")],
                )
            fields["title"] = title.strip()[:200]
        if width is not None:
            if width not in (1, 2, 3):
                raise InvalidInput(
                    f"타일 너비는 1, 2, 3 중 하나입니다: {width}",
                    f"A tile is 1, 2 or 3 columns wide: {width}",
                    [FieldError("width", "1, 2, 3 중 하나", "1, 2 or 3")],
                )
            fields["width"] = width
        if fields:
            self.store.update_tile(board.id, tile_id, fields)
        if position is not None:
            order.remove(tile_id)
            order.insert(max(0, min(position - 1, len(order))), tile_id)
            self.store.order_tiles(board.id, order)
        board = self.store.update_dashboard(board.id, {"updated_at": _now()})
        return next(t for t in board.tiles if t.id == tile_id)

    def remove_tile(self, actor: Actor, dashboard_id: str, tile_id: int) -> None:
        board = self._own_dashboard(actor, dashboard_id)
        if not self.store.delete_tile(board.id, tile_id):
            raise NotFound.of("타일", "Tile", str(tile_id))

    def view(
        self, actor: Actor, dashboard_id: str, filters: dict[str, str] | None = None, *, lang: str = "ko"
    ) -> DashboardView:
        """Every tile drawn for the viewer, each with the filters that apply to its data."""
        board = self.get_dashboard(actor, dashboard_id)
        wanted = {k: v for k, v in (filters or {}).items() if k in board.filters and v != ""}
        tiles: list[TileView] = []
        for tile in board.tiles:
            try:
                if tile.kind == "chart" and tile.chart_id:
                    chart, data = self.chart_data(actor, tile.chart_id, wanted, lang=lang)
                    tiles.append(
                        TileView(tile, tile.title or chart.title, svg=self.svg(data), filters=data.filters)
                    )
                else:
                    if not self.readable(actor, tile.sql):
                        raise NotFound.of("타일", "Tile", str(tile.id))
                    columns = [c["name"] for c in self.columns_of(actor, tile.sql)]
                    applied = applicable_filters(wanted, columns)
                    result = self.query.run(actor, number_sql(tile.sql, applied), max_rows=1)
                    value = None
                    if result.rows and result.columns:
                        value = result.rows[0].get(result.columns[0]["name"])
                    tiles.append(TileView(tile, tile.title, value=value, filters=applied))
            except NotFound:
                tiles.append(
                    TileView(
                        tile,
                        tile.title,
                        error=("이 타일의 데이터를 볼 수 없습니다.", "You cannot see this tile's data."),
                    )
                )
            except PlatformError as exc:
                tiles.append(TileView(tile, tile.title, error=(exc.message, exc.message_en)))
        return DashboardView(dashboard=board, tiles=tiles, filters=wanted)


def _filter_columns(columns: list[Any]) -> list[str]:
    out = [str(c).strip() for c in columns if str(c).strip()]
    if len(out) > 10 or any(len(c) > 100 for c in out):
        raise InvalidInput(
            "필터는 10개까지, 열 이름은 100자까지입니다.",
            "At most 10 filters, each column name at most 100 characters.",
            [FieldError("filters", "필터가 너무 많거나 깁니다.", "Too many or too long filters.")],
        )
    return list(dict.fromkeys(out))
