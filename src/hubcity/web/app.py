"""create_app: the ASGI app — native API under /api/v1 and the Korean-first UI.

Every error leaves through the handlers below, in one JSON shape for the APIs
({"ok": false, "error", "error_en", "errors", "status"}) and as the error page
for the UI. A user's mistake is never a 500.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from hubcity import __version__
from hubcity.adapters.db.engine import database_unavailable
from hubcity.bootstrap import Services, bootstrap
from hubcity.errors import PlatformError, TooManyRequests
from hubcity.settings import Settings, get_settings
from hubcity.web import exchange
from hubcity.web.api import access as access_api
from hubcity.web.api import accounts, datasets, jobs, orgs, query, resources, search
from hubcity.web.api import agreements as agreements_api
from hubcity.web.api import audit as audit_api
from hubcity.web.api import evidence as evidence_api
from hubcity.web.api import harvest as harvest_api
from hubcity.web.api import notices as notices_api
from hubcity.web.api import personal as personal_api
from hubcity.web.api import requests as data_requests
from hubcity.web.ckan import router as ckan_router
from hubcity.web.ui import render_error
from hubcity.web.ui import router as ui_router

__all__ = ["create_app", "error_body"]

log = logging.getLogger(__name__)

_HTTP_MESSAGES = {
    404: ("요청한 주소를 찾을 수 없습니다.", "Not found."),
    405: ("허용되지 않는 요청 방식입니다.", "Method not allowed."),
    413: ("요청이 너무 큽니다.", "Request too large."),
}


def error_body(
    status: int, message: str, message_en: str, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {"ok": False, "error": message, "error_en": message_en, "errors": errors or [], "status": status}


def _wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path.endswith((".json", ".jsonld", ".ttl", ".rdf")):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _respond(
    request: Request, status: int, message: str, message_en: str, errors: list[dict[str, Any]]
) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if _wants_json(request):
        return JSONResponse(
            error_body(status, message, message_en, errors), status_code=status, headers=headers
        )
    return render_error(request, status, message, message_en)


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    settings = settings or (services.settings if services else get_settings())
    owned = services is None
    svc = services or bootstrap(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not svc.schema_ready():
            svc.migrate()
        svc.start_workers()
        # what startup built lives as long as the process: keep it out of every garbage
        # collection, which would otherwise walk it all every few requests
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            if owned:
                svc.close()

    app = FastAPI(
        title="hubcity",
        version=__version__,
        description="광주 데이터 허브 — data-driven city administration. Native JSON API.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = svc
    app.state.settings = settings
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie="hubcity_session",
        max_age=settings.web.session_max_age_days * 86400,
        same_site="lax",
        https_only=settings.web.secure_cookies,
    )

    @app.exception_handler(PlatformError)
    async def _platform_error(request: Request, exc: PlatformError) -> Response:
        response = _respond(request, exc.status, exc.message, exc.message_en, exc.details())
        if isinstance(exc, TooManyRequests) and exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
            errors.append(
                {
                    "field": loc,
                    "message": f"{loc}: {err.get('msg')}",
                    "message_en": f"{loc}: {err.get('msg')}",
                }
            )
        first = errors[0]["message_en"] if errors else "invalid request"
        return _respond(
            request, 422, f"요청 값이 올바르지 않습니다 — {first}", f"Invalid request — {first}", errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        ko, en = _HTTP_MESSAGES.get(exc.status_code, (str(exc.detail), str(exc.detail)))
        return _respond(request, exc.status_code, ko, en, [])

    @app.exception_handler(OperationalError)
    async def _database_down(request: Request, exc: OperationalError) -> Response:
        # the metadata database (or the audit log in it) cannot be reached: the request did not
        # happen, and a read of personal data is never served without its audit entry; an error
        # that is no outage (SQLite's "no such table") is a bug and answers 500
        if not database_unavailable(exc):
            return await _unexpected(request, exc)
        log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        response = _respond(
            request,
            503,
            "데이터베이스에 연결할 수 없어 요청을 처리하지 못했습니다. 잠시 뒤 다시 시도하세요.",
            "The database cannot be reached, so the request was not carried out; try again shortly.",
            [],
        )
        response.headers["Retry-After"] = "30"
        return response

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def _unstorable_value(request: Request, exc: Exception) -> Response:
        # a value from the request the database cannot even compare with: a number past its
        # integer range (/agreements/99999999999, OverflowError on SQLite) or a NUL character in
        # text (PostgreSQL) — the caller's input, so a 4xx, never a 500
        log.warning("unstorable value on %s %s: %s", request.method, request.url.path, exc)
        return _respond(
            request,
            422,
            "요청 값이 허용 범위를 벗어났거나 쓸 수 없는 문자(NUL 등)를 담고 있습니다.",
            "A value in the request is out of range or holds a character that cannot be stored (e.g. NUL).",
            [],
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _respond(request, 500, "서버 내부 오류가 났습니다.", "Internal server error.", [])

    api_prefix = "/api/v1"
    for module in (datasets, resources, jobs, orgs, accounts, search, data_requests, query, audit_api):
        app.include_router(module.router, prefix=api_prefix)
    app.include_router(harvest_api.router, prefix=api_prefix)
    app.include_router(evidence_api.router, prefix=api_prefix)
    app.include_router(personal_api.router, prefix=api_prefix)
    app.include_router(agreements_api.router, prefix=api_prefix)
    app.include_router(access_api.router, prefix=api_prefix)
    app.include_router(notices_api.router, prefix=api_prefix)

    @app.get(f"{api_prefix}/status", tags=["status"], summary="Health and version")
    def status() -> dict[str, Any]:
        return {"ok": True, "version": __version__, "schema": svc.schema_ready()}

    app.include_router(ckan_router)  # CKAN's envelope and status codes, never a redirect
    app.include_router(exchange.router)  # before the UI: its /datasets/{name} would take /datasets/x.ttl
    app.include_router(ui_router)
    return app
