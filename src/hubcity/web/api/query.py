"""/api/v1/query: read-only SQL over every table the caller may read."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hubcity.domain.query import QueryResult
from hubcity.web.api.schemas import (
    ExplainRead,
    QueryRead,
    QueryRequest,
    SavedQueryCreate,
    SavedQueryRead,
    SavedQueryUpdate,
    TableInfoRead,
)
from hubcity.web.deps import ActorDep, ServicesDep

router = APIRouter(tags=["query"])


@router.post(
    "/query",
    response_model=QueryRead,
    summary="Run one read-only SELECT",
    description=(
        'Tables are named `"dataset"."resource"` (the current version), `"dataset"."resource@v3"` '
        '(a pinned version) or `"dataset"."resource@2026-11-01T09:00"` (the version current then); '
        "`_` may stand for `-`. Tables you may not read do not exist for you. The query stops at the "
        "server's time limit; `truncated` is true when more rows than the row cap matched."
    ),
)
def run(body: QueryRequest, request: Request, services: ServicesDep, actor: ActorDep) -> QueryRead:
    client = request.client.host if request.client else None
    result = services.query.run(
        actor, body.sql, max_rows=body.max_rows, query_id=body.query_id, client=client
    )
    return _read(result)


def _read(result: QueryResult) -> QueryRead:
    return QueryRead(
        columns=result.columns,
        rows=result.rows,
        truncated=result.truncated,
        elapsed_ms=round(result.elapsed_ms, 2),
        tables=result.tables,
    )


@router.post("/query/explain", response_model=ExplainRead, summary="The query plan, with DuckDB's estimates")
def explain(body: QueryRequest, services: ServicesDep, actor: ActorDep) -> ExplainRead:
    return ExplainRead(plan=services.query.explain(actor, body.sql))


@router.delete("/query/{query_id}", status_code=204, summary="Cancel a running query of yours")
def cancel(query_id: str, services: ServicesDep, actor: ActorDep) -> Response:
    services.query.cancel(actor, query_id)
    return Response(status_code=204)


@router.get(
    "/query/tables", response_model=list[TableInfoRead], summary="The tables you may query, with columns"
)
def tables(services: ServicesDep, actor: ActorDep) -> list[TableInfoRead]:
    return [TableInfoRead(**t.__dict__) for t in services.query.tables(actor)]


@router.get("/queries", response_model=list[SavedQueryRead], summary="Your saved queries")
def list_saved(services: ServicesDep, actor: ActorDep) -> list[SavedQueryRead]:
    return [SavedQueryRead.of(q) for q in services.query.list_saved(actor)]


@router.post("/queries", status_code=201, response_model=SavedQueryRead, summary="Save a query")
def save(body: SavedQueryCreate, services: ServicesDep, actor: ActorDep) -> SavedQueryRead:
    return SavedQueryRead.of(
        services.query.save(
            actor, title=body.title, sql=body.sql, description=body.description, shared=body.shared
        )
    )


@router.get("/queries/{query_id}", response_model=SavedQueryRead, summary="A saved query (yours or shared)")
def get_saved(query_id: str, services: ServicesDep, actor: ActorDep) -> SavedQueryRead:
    return SavedQueryRead.of(services.query.get_saved(actor, query_id))


@router.patch("/queries/{query_id}", response_model=SavedQueryRead, summary="Change a saved query of yours")
def update_saved(
    query_id: str, body: SavedQueryUpdate, services: ServicesDep, actor: ActorDep
) -> SavedQueryRead:
    changes = body.model_dump(exclude_unset=True)
    return SavedQueryRead.of(services.query.update_saved(actor, query_id, changes))


@router.delete("/queries/{query_id}", status_code=204, summary="Delete a saved query of yours")
def delete_saved(query_id: str, services: ServicesDep, actor: ActorDep) -> Response:
    services.query.delete_saved(actor, query_id)
    return Response(status_code=204)


@router.post(
    "/queries/{query_id}/run",
    response_model=QueryRead,
    summary="Run a saved query under your own rights",
)
def run_saved(query_id: str, request: Request, services: ServicesDep, actor: ActorDep) -> QueryRead:
    saved = services.query.get_saved(actor, query_id)
    client = request.client.host if request.client else None
    return _read(services.query.run(actor, saved.sql, client=client))
