"""Organisation pages: the tree of city organisations and partners, and one organisation's datasets."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hubcity.domain.accounts import Org
from hubcity.ports import DatasetFilter
from hubcity.web.api.schemas import DatasetPage, DatasetRead, OrgRead
from hubcity.web.deps import ActorDep, ServicesDep
from hubcity.web.ui.rendering import render

__all__ = ["OrgNode", "org_tree", "router"]

router = APIRouter()

PAGE_SIZE = 20


@dataclass
class OrgNode:
    org: Org
    count: int
    children: list[OrgNode] = field(default_factory=list)


def org_tree(orgs: list[Org], counts: dict[int, int]) -> list[OrgNode]:
    """Organisations as a forest: roots first, children under their parent, each level by title."""
    nodes = {o.slug: OrgNode(o, counts.get(o.id, 0)) for o in orgs}
    roots: list[OrgNode] = []
    for node in nodes.values():
        parent = nodes.get(node.org.parent_slug or "")
        (parent.children if parent is not None else roots).append(node)

    def order(level: list[OrgNode]) -> None:
        level.sort(key=lambda n: (n.org.kind in {"partner", "company"}, n.org.title))
        for n in level:
            order(n.children)

    order(roots)
    return roots


@router.get("/orgs", name="orgs")
def orgs_page(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    counts = services.catalog.count_by_org(actor)
    orgs = services.accounts.list_orgs()
    data = [OrgRead.of(o, counts.get(o.id, 0)) for o in orgs]
    return render(request, "orgs.html", {"tree": org_tree(orgs, counts)}, actor=actor, data=data)


@router.get("/orgs/{slug}", name="org")
def org_page(
    request: Request,
    slug: str,
    services: ServicesDep,
    actor: ActorDep,
    page: int = Query(1, ge=1, le=100_000),
) -> Response:
    org = services.accounts.get_org(slug)
    counts = services.catalog.count_by_org(actor)
    orgs = services.accounts.list_orgs()
    parent = next((o for o in orgs if o.slug == org.parent_slug), None)
    children = [o for o in orgs if o.parent_slug == org.slug]
    result = services.catalog.list_datasets(
        actor, DatasetFilter(org=slug, sort="title", limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    )
    context = {
        "org": org,
        "parent": parent,
        "children": children,
        "counts": counts,
        "result": result,
        "page": page,
        "pages": max(1, -(-result.total // PAGE_SIZE)),
    }
    data = {
        "org": OrgRead.of(org, counts.get(org.id, 0)),
        "parent": OrgRead.of(parent) if parent else None,
        "children": [OrgRead.of(o, counts.get(o.id, 0)) for o in children],
        "datasets": DatasetPage(
            items=[DatasetRead.of(d) for d in result.items],
            total=result.total,
            limit=result.limit,
            offset=result.offset,
        ),  # fmt: skip
    }
    return render(request, "org.html", context, actor=actor, data=data)
