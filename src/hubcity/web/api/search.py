"""/api/v1/search: the Korean catalogue search."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from hubcity.errors import InvalidInput
from hubcity.ports import DatasetFilter
from hubcity.web.api.schemas import DatasetRead, json_answer
from hubcity.web.deps import ActorDep, ServicesDep
from hubcity.web.highlight import dataset_marks

router = APIRouter(tags=["search"])

_FACETS = ("org", "theme", "licence", "format", "update_cycle", "district")


class SearchHit(BaseModel):
    dataset: DatasetRead
    matched: dict[str, list[str]]  # field → the query's terms found in it
    highlight: dict[str, str]  # title / description with <mark> around what matched (HTML-escaped)


class SearchResults(BaseModel):
    count: int
    page: int
    limit: int
    results: list[SearchHit]
    facets: dict[str, dict[str, int]]  # org, theme, licence, format, update_cycle, district (자치구)
    terms: list[str]
    suggestion: str | None = None  # "did you mean": a corrected query that finds more


class SearchMiss(BaseModel):
    query: str
    count: int
    last_at: datetime


@router.get("/search", response_model=SearchResults, summary="Search the catalogue (Korean-aware)")
def search(
    services: ServicesDep,
    actor: ActorDep,
    q: str = "",
    facet: Annotated[
        list[str] | None, Query(description="field:value, e.g. theme:교통물류 (repeatable)")
    ] = None,
    org: str | None = None,
    theme: str | None = None,
    licence: str | None = None,
    format: str | None = None,
    update_cycle: str | None = None,
    district: Annotated[str | None, Query(description="자치구, e.g. 서구 (from spatial coverage)")] = None,
    sort: str = Query("", pattern="^(|relevance|updated|created|popular|title)$"),
    page: int = Query(1, ge=1, le=10_000),
    limit: int = Query(20, ge=1, le=100),
) -> Response:
    chosen = {
        "org": org,
        "theme": theme,
        "licence": licence,
        "format": format,
        "update_cycle": update_cycle,
        "district": district,
    }
    for item in facet or []:
        key, sep, value = item.partition(":")
        if not sep or key not in _FACETS or not value:
            raise InvalidInput(
                f"facet은 '항목:값' 꼴이어야 합니다(항목: {', '.join(_FACETS)}): {item}",
                f"facet must look like 'field:value' (field one of {', '.join(_FACETS)}): {item}",
            )
        chosen[key] = value
    result = services.catalog.list_datasets(
        actor,
        DatasetFilter(
            q=q,
            org=chosen["org"],
            theme=chosen["theme"],
            licence=chosen["licence"],
            format=chosen["format"],
            update_cycle=chosen["update_cycle"],
            district=chosen["district"],
            sort=sort,
            limit=limit,
            offset=(page - 1) * limit,
        ),
        facets=True,
    )
    hits = []
    for d in result.items:
        matched = result.matched.get(d.id, {})
        hits.append(
            SearchHit(dataset=DatasetRead.of(d), matched=matched, highlight=dataset_marks(d, matched))
        )
    body = SearchResults(
        count=result.total,
        page=page,
        limit=limit,
        results=hits,
        facets=result.facets,
        terms=result.terms,
        suggestion=result.suggestion,
    )
    return json_answer(body)


@router.get("/search/misses", response_model=list[SearchMiss], summary="Searches that found nothing (staff)")
def misses(services: ServicesDep, actor: ActorDep, limit: int = Query(50, ge=1, le=500)) -> list[SearchMiss]:
    return [
        SearchMiss(query=q, count=n, last_at=t) for q, n, t in services.catalog.search_misses(actor, limit)
    ]
