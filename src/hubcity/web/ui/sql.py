"""The SQL page: schema browser, editor, results with paging, the plan, saved queries.

Running is a GET (``/sql?sql=…``), so a result is a link anyone can open — under
their own rights. Saving is a POST with the session's CSRF token. The page's
script runs queries through ``/api/v1/query`` with an id, so a long one can be
cancelled; without the script the form works the same.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from hubcity.errors import PlatformError
from hubcity.web.deps import ActorDep, ServicesDep, check_csrf
from hubcity.web.ui.rendering import render

router = APIRouter()

PAGE_SIZE = 100
EXAMPLE = 'SELECT *\nFROM "dataset"."resource"\nLIMIT 100'


@router.get("/sql", name="sql")
def sql_page(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    sql: str = "",
    saved: str | None = None,
    page: int = Query(1, ge=1, le=1000),
    explain: bool = False,
) -> Response:
    context: dict[str, Any] = {"sql": sql, "saved": None, "result": None, "plan": None, "error": None}
    data: dict[str, Any] = {}
    status = 200
    try:
        if saved:
            context["saved"] = services.query.get_saved(actor, saved)
            sql = sql or context["saved"].sql
            context["sql"] = sql
        if sql.strip():
            if explain:
                context["plan"] = services.query.explain(actor, sql)
                data = {"plan": context["plan"]}
            else:
                client = request.client.host if request.client else None
                result = services.query.run(actor, sql, max_rows=page * PAGE_SIZE, client=client)
                start = (page - 1) * PAGE_SIZE
                context["result"] = result
                context["rows"] = result.rows[start:]
                context["page"] = page
                context["first_row"] = start + 1
                context["has_next"] = result.truncated and len(result.rows) == page * PAGE_SIZE
                data = {
                    "columns": result.columns,
                    "rows": result.rows[start:],
                    "truncated": result.truncated,
                    "elapsed_ms": round(result.elapsed_ms, 2),
                    "tables": result.tables,
                }
    except PlatformError as exc:
        context["error"] = (exc.message, exc.message_en)
        data = {"ok": False, "error": exc.message, "error_en": exc.message_en}
        status = exc.status
    context["tables"] = services.query.tables(actor)
    context["mine"] = services.query.list_saved(actor)
    context["example"] = EXAMPLE
    context["link"] = f"/sql?sql={quote(sql)}" if sql else ""
    return render(request, "sql.html", context, actor=actor, data=data, status=status)


@router.post("/sql/save", name="sql_save")
def sql_save(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
    sql: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    shared: Annotated[bool, Form()] = False,
) -> Response:
    check_csrf(request, csrf)
    saved = services.query.save(actor, title=title, sql=sql, description=description, shared=shared)
    return RedirectResponse(f"/sql?saved={saved.id}", status_code=303)
