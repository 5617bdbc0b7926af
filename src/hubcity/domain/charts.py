"""Charts and dashboards: what a chart shows, how its data is asked for, its Vega-Lite spec.

A chart is ``{kind, x, y, color, aggregate, title}`` over the result of one SQL
query (a saved query, a dataset's table or SQL of the user's own). The rules
here are pure: which fields each kind needs, which columns must be numbers, the
SQL that aggregates and filters the query's result, and the Vega-Lite spec that
draws the rows. Rendering and running belong to adapters and services.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from hubcity.errors import FieldError, InvalidInput

__all__ = [
    "CHART_AGGREGATES",
    "CHART_KINDS",
    "MAX_CHART_ROWS",
    "TILE_KINDS",
    "Chart",
    "ChartOptions",
    "Dashboard",
    "Tile",
    "applicable_filters",
    "build_spec",
    "chart_sql",
    "check_options",
    "filtered_sql",
    "is_numeric",
    "number_sql",
]

# kind -> (Korean, English) label
CHART_KINDS: dict[str, tuple[str, str]] = {
    "bar": ("막대", "Bar"),
    "line": ("선", "Line"),
    "area": ("영역", "Area"),
    "scatter": ("산점도", "Scatter"),
    "pie": ("원형", "Pie"),
    "map": ("지도(점)", "Map of points"),
    "heat": ("행정동 히트 표", "Heat table by dong"),
}
CHART_AGGREGATES: dict[str, tuple[str, str]] = {
    "": ("없음", "None"),
    "sum": ("합계", "Sum"),
    "count": ("건수", "Count"),
    "avg": ("평균", "Average"),
    "min": ("최솟값", "Minimum"),
    "max": ("최댓값", "Maximum"),
}
TILE_KINDS = ("chart", "number")
MAX_CHART_ROWS = 5000  # points a chart draws at most; more is noise in an SVG

_NUMERIC = re.compile(
    r"^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|"
    r"FLOAT|REAL|DOUBLE|DECIMAL|NUMERIC)",
    re.IGNORECASE,
)
_TEMPORAL = re.compile(r"^(DATE|TIMESTAMP|TIME)", re.IGNORECASE)
_LAT = ("lat", "latitude", "위도", "y좌표")
_LON = ("lon", "lng", "long", "longitude", "경도", "x좌표")
_DONG = ("행정동", "행정동명", "dong", "읍면동", "법정동")


def is_numeric(type_name: str) -> bool:
    return bool(_NUMERIC.match(type_name.strip()))


@dataclass(frozen=True)
class ChartOptions:
    kind: str
    x: str = ""
    y: str = ""
    color: str = ""
    aggregate: str = ""
    title: str = ""

    @classmethod
    def of(cls, data: dict[str, Any]) -> ChartOptions:
        def text(key: str) -> str:
            value = data.get(key)
            return str(value).strip() if value is not None else ""

        return cls(
            kind=text("kind") or "bar",
            x=text("x"),
            y=text("y"),
            color=text("color"),
            aggregate=text("aggregate").lower(),
            title=text("title"),
        )

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @property
    def value_field(self) -> str:
        """The name of the measured column in the chart's data."""
        if self.aggregate == "count":
            return self.y or "count"
        return self.y


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    owner_id: int
    owner_name: str
    shared: bool
    sql: str
    source: str  # "sql", "query:<id>" or "resource:<dataset>.<resource>"
    options: ChartOptions
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Tile:
    id: int
    dashboard_id: str
    position: int
    kind: str  # "chart" or "number"
    title: str
    chart_id: str | None = None
    sql: str = ""  # a number tile: the first column of the first row
    width: int = 1  # grid columns (1–3)


@dataclass(frozen=True)
class Dashboard:
    id: str
    title: str
    description: str
    owner_id: int
    owner_name: str
    shared: bool
    filters: list[str]  # columns offered as filters
    created_at: datetime
    updated_at: datetime
    tiles: list[Tile] = field(default_factory=list)


def _find(columns: list[str], names: tuple[str, ...]) -> str:
    lowered = {c.lower(): c for c in columns}
    for name in names:
        if name in lowered:
            return lowered[name]
    return ""


def _err(name: str, ko: str, en: str) -> FieldError:
    return FieldError(name, ko, en)


def check_options(options: ChartOptions, columns: list[dict[str, str]]) -> ChartOptions:
    """The options with defaults filled in (map and heat find their columns), or InvalidInput."""
    names = [c["name"] for c in columns]
    types = {c["name"]: c.get("type", "") for c in columns}
    errors: list[FieldError] = []
    kind, x, y, agg = options.kind, options.x, options.y, options.aggregate
    if kind not in CHART_KINDS:
        errors.append(
            _err(
                "kind",
                f"차트 종류 '{kind}'은(는) 없습니다. {', '.join(CHART_KINDS)} 중에서 고르세요.",
                f"Unknown chart kind '{kind}'; choose one of {', '.join(CHART_KINDS)}.",
            )
        )
    if agg not in CHART_AGGREGATES:
        errors.append(
            _err(
                "aggregate",
                f"집계 '{agg}'은(는) 없습니다. sum, count, avg, min, max 중에서 고르세요.",
                f"Unknown aggregate '{agg}'; choose sum, count, avg, min or max.",
            )
        )
    if kind == "map":
        x = x or _find(names, _LON)
        y = y or _find(names, _LAT)
        if not x or not y:
            errors.append(
                _err(
                    "x",
                    "지도에는 경도(lon)와 위도(lat) 열이 있어야 합니다.",
                    "A map needs longitude (lon) and latitude (lat) columns.",
                )
            )
    if kind == "heat":
        x = x or _find(names, _DONG)
        agg = agg or ("sum" if y else "count")
    if kind == "pie" and not agg:
        agg = "sum" if y else "count"
    for key, value in (("x", x), ("y", y), ("color", options.color)):
        if value and value not in names:
            errors.append(
                _err(
                    key,
                    f"열 '{value}'이(가) 결과에 없습니다. 있는 열: {', '.join(names)}",
                    f"Column '{value}' is not in the result. Columns: {', '.join(names)}",
                )
            )
    if not x and not any(e.field == "x" for e in errors):
        errors.append(_err("x", "x축(범주) 열을 고르세요.", "Choose the x (category) column."))
    if not y and agg != "count" and not any(e.field == "y" for e in errors):
        errors.append(
            _err("y", "y축(값) 열을 고르거나 집계를 '건수'로 하세요.", "Choose the y column or count.")
        )
    numeric_y = y in names and agg != "count"
    if numeric_y and not is_numeric(types.get(y, "")):
        errors.append(
            _err(
                "y",
                f"y축 열 '{y}'은(는) 숫자가 아닙니다({types.get(y)}).",
                f"The y column '{y}' is not numeric ({types.get(y)}).",
            )
        )
    if kind in ("scatter", "map") and x in names and not is_numeric(types.get(x, "")):
        errors.append(
            _err(
                "x",
                f"x축 열 '{x}'은(는) 숫자가 아닙니다({types.get(x)}).",
                f"The x column '{x}' is not numeric ({types.get(x)}).",
            )
        )
    if kind in ("scatter", "map") and agg:
        errors.append(
            _err(
                "aggregate", "산점도와 지도는 집계하지 않습니다.", "Scatter plots and maps aren't aggregated."
            )
        )
    if len(options.title) > 200:
        errors.append(_err("title", "제목은 200자까지입니다.", "The title is at most 200 characters."))
    if errors:
        raise InvalidInput(
            "차트 설정이 결과의 열과 맞지 않습니다.", "The chart does not fit the result's columns.", errors
        )
    return ChartOptions(kind=kind, x=x, y=y, color=options.color, aggregate=agg, title=options.title)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _inner(sql: str) -> str:
    # a newline before the parenthesis, so a trailing "-- comment" cannot swallow it
    return sql.strip().rstrip(";").rstrip()


def applicable_filters(filters: dict[str, str], columns: list[str]) -> dict[str, str]:
    """The filters whose column the data has (the others do not apply to it)."""
    return {k: v for k, v in filters.items() if k in columns and v != ""}


def filtered_sql(sql: str, filters: dict[str, str]) -> str:
    """``sql`` with ``column = value`` conditions on its result (values are SQL literals)."""
    if not filters:
        return _inner(sql)
    where = " AND ".join(f"CAST({_q(k)} AS VARCHAR) = {_literal(v)}" for k, v in sorted(filters.items()))
    return f"SELECT * FROM (\n{_inner(sql)}\n) AS _data WHERE {where}"


def chart_sql(sql: str, options: ChartOptions, filters: dict[str, str] | None = None) -> str:
    """The SQL whose rows the chart draws: the query's result, filtered, then grouped if aggregated."""
    source = filtered_sql(sql, filters or {})
    keys = [c for c in dict.fromkeys((options.x, options.color)) if c]
    if options.aggregate:
        if options.aggregate == "count":
            measure = f"count({_q(options.y)})" if options.y else "count(*)"
        else:
            measure = f"{options.aggregate}({_q(options.y)})"
        group = ", ".join(_q(k) for k in keys)
        return (
            f"SELECT {group}, {measure} AS {_q(options.value_field)} FROM (\n{source}\n) AS _chart "
            f"GROUP BY {group} ORDER BY {group} NULLS LAST LIMIT {MAX_CHART_ROWS}"
        )
    cols = ", ".join(_q(c) for c in dict.fromkeys([*keys, options.y]) if c)
    return f"SELECT {cols} FROM (\n{source}\n) AS _chart LIMIT {MAX_CHART_ROWS}"


def number_sql(sql: str, filters: dict[str, str]) -> str:
    """A number tile's SQL: its first column of the first row, with the filters that apply."""
    return filtered_sql(sql, filters)


def _field_type(name: str, types: dict[str, str]) -> str:
    kind = types.get(name, "")
    if is_numeric(kind):
        return "quantitative"
    if _TEMPORAL.match(kind):
        return "temporal"
    return "nominal"


def build_spec(
    options: ChartOptions, rows: list[dict[str, Any]], columns: list[dict[str, str]], *, lang: str = "ko"
) -> dict[str, Any]:
    """A Vega-Lite v5 spec drawing ``rows`` (the rows :func:`chart_sql` answered)."""
    types = {c["name"]: c.get("type", "") for c in columns}
    agg_label = CHART_AGGREGATES.get(options.aggregate, ("", ""))[1 if lang == "en" else 0]
    value = options.value_field
    value_title = f"{options.y} ({agg_label})" if options.aggregate and options.y else (value or agg_label)
    x_title = options.x
    x_type = _field_type(options.x, types)
    spec: dict[str, Any] = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": rows},
        "width": 560,
        "height": 320,
    }
    if options.title:
        spec["title"] = options.title
    color: dict[str, Any] | None = (
        {"field": options.color, "type": "nominal", "title": options.color} if options.color else None
    )
    y_enc = {"field": value, "type": "quantitative", "title": value_title}
    kind = options.kind
    if kind in ("bar", "line", "area"):
        x_enc: dict[str, Any] = {"field": options.x, "type": x_type, "title": x_title}
        if kind == "bar" and x_type == "nominal":
            x_enc["sort"] = None
        if kind in ("line", "area") and x_type == "quantitative":
            x_enc["type"] = "quantitative"
        spec["mark"] = {"type": kind, "tooltip": True, **({"point": True} if kind == "line" else {})}
        spec["encoding"] = {"x": x_enc, "y": y_enc, **({"color": color} if color else {})}
    elif kind == "scatter":
        spec["mark"] = {"type": "point", "tooltip": True}
        spec["encoding"] = {
            "x": {"field": options.x, "type": "quantitative", "title": x_title, "scale": {"zero": False}},
            "y": {"field": options.y, "type": "quantitative", "title": options.y, "scale": {"zero": False}},
            **({"color": color} if color else {}),
        }
    elif kind == "map":
        spec["mark"] = {"type": "circle", "tooltip": True, "opacity": 0.7}
        spec["encoding"] = {
            "x": {"field": options.x, "type": "quantitative", "title": x_title, "scale": {"zero": False}},
            "y": {"field": options.y, "type": "quantitative", "title": options.y, "scale": {"zero": False}},
            **({"color": color} if color else {}),
        }
    elif kind == "pie":
        spec["mark"] = {"type": "arc", "tooltip": True}
        spec["encoding"] = {
            "theta": {**y_enc, "stack": True},
            "color": {"field": options.x, "type": "nominal", "title": x_title},
        }
        spec["height"] = spec["width"] = 320
    else:  # heat
        spec["height"] = {"step": 22}
        columns_enc: dict[str, Any] = (
            {"field": options.color, "type": "nominal", "title": options.color}
            if options.color
            else {"datum": value_title, "type": "nominal", "title": None}
        )
        spec["encoding"] = {
            "y": {"field": options.x, "type": "nominal", "title": x_title, "sort": None},
            "x": {**columns_enc, "axis": {"orient": "top", "labelAngle": 0}},
        }
        spec["layer"] = [
            {
                "mark": {"type": "rect", "tooltip": True},
                "encoding": {"color": {**y_enc, "scale": {"scheme": "oranges"}}},
            },
            {
                "mark": {"type": "text", "fontSize": 11},
                "encoding": {"text": {"field": value, "type": "quantitative", "format": ",.4~g"}},
            },
        ]
        spec["width"] = {"step": 90} if options.color else 160
    return spec
