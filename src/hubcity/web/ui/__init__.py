"""The server-rendered UI: Korean first, English on ``?lang=en``, a JSON twin (``?format=json``) per page.

Pages: ``/`` (home), ``/datasets`` (search with facets), ``/datasets/new``,
``/datasets/{name}`` (metadata, preview, profile, quality, versions, downloads),
``/datasets/{name}/upload``, ``/jobs/{id}``, ``/orgs``, ``/orgs/{slug}``,
``/requests`` (citizens' data requests: the board, ``/requests/new``, ``/requests/{id}``),
``/access`` (access requests and grants between departments: ``/access/board``,
``/access/new``, ``/access/requests/{id}``, ``/access/grants``, ``/datasets/{name}/access-request``),
``/agreements`` (data-sharing agreements with partners: ``/agreements/new``, ``/agreements/{id}``,
``/agreements/{id}/edit``),
``/sql`` (the SQL workspace; ``/sql/save``), ``/login``, ``/logout``, ``/me/tokens``;
static files under ``/static``.
Access control stays in the services: these handlers parse, call, render.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from hubcity.errors import NotFound
from hubcity.web.ui import access as access_pages
from hubcity.web.ui import accounts, catalog, orgs, sql, uploads
from hubcity.web.ui import agreements as agreement_pages
from hubcity.web.ui import audit as audit_pages
from hubcity.web.ui import evidence as evidence_pages
from hubcity.web.ui import harvest as harvest_pages
from hubcity.web.ui import notices as notice_pages
from hubcity.web.ui import personal as personal_pages
from hubcity.web.ui import requests as data_requests
from hubcity.web.ui.rendering import STATIC_DIR, render_error

__all__ = ["render_error", "router"]

router = APIRouter(include_in_schema=False)

_STATIC_FILES = {
    "hubcity.css": "text/css; charset=utf-8",
    "hubcity.js": "text/javascript; charset=utf-8",
    "sql.js": "text/javascript; charset=utf-8",
}


@router.get("/static/{filename}", name="static")
def static(filename: str) -> FileResponse:
    """The UI's static files (no CDN, no build step)."""
    media_type = _STATIC_FILES.get(filename)
    if media_type is None:
        raise NotFound.of("파일", "File", filename)
    return FileResponse(
        STATIC_DIR / filename, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"}
    )


for _module in (catalog, uploads, orgs, accounts, data_requests, sql, audit_pages, harvest_pages):
    router.include_router(_module.router)
router.include_router(evidence_pages.router)
router.include_router(personal_pages.router)
router.include_router(agreement_pages.router)
router.include_router(access_pages.router)
router.include_router(notice_pages.router)
