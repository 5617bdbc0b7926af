"""FastAPI dependencies: the services, the acting user, CSRF."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from hubcity.bootstrap import Services
from hubcity.domain.accounts import ANONYMOUS, Actor
from hubcity.errors import AuthenticationFailed, PermissionDenied

__all__ = ["ActorDep", "ServicesDep", "csrf_token", "get_actor", "get_services", "require_user"]

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_HEADER = "x-csrf-token"


async def get_services(request: Request) -> Services:
    # async: it does no I/O, so it runs on the event loop instead of costing a hop to a worker thread
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def _raw_token(request: Request) -> str | None:
    """A token from ``Authorization: Bearer <t>``, a raw ``Authorization: <t>`` or ``X-CKAN-API-Key``."""
    header = request.headers.get("authorization", "").strip()
    if header:
        scheme, _, rest = header.partition(" ")
        if scheme.lower() == "bearer" and rest.strip():
            return rest.strip()
        if not rest:
            return header
    ckan = request.headers.get("x-ckan-api-key", "").strip()
    return ckan or None


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return str(token)


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not submitted or not secrets.compare_digest(str(expected), submitted):
        raise PermissionDenied(
            "보안 토큰(CSRF)이 맞지 않습니다. 페이지를 새로 고친 뒤 다시 시도하세요.",
            "The security (CSRF) token is missing or wrong; reload the page and try again.",
        )


async def get_actor(request: Request, services: ServicesDep) -> Actor:
    """The acting user. An anonymous caller (no token, no signed-in session) is answered on the
    event loop; a token or a session is checked against the database in a worker thread, on every
    request (a revoked token or a deactivated user stops at once)."""
    if _raw_token(request) is None and request.session.get("user_id") is None:
        return ANONYMOUS
    return await run_in_threadpool(_actor, request, services)


def _actor(request: Request, services: Services) -> Actor:
    raw = _raw_token(request)
    if raw:
        return services.accounts.actor_for_token(raw)
    user_id = request.session.get("user_id")
    if user_id is None:
        return ANONYMOUS
    actor = services.accounts.actor_for(int(user_id))
    if not actor.authenticated:
        request.session.clear()
        return ANONYMOUS
    # a browser session writing through the JSON API must prove it is our page (CSRF)
    if request.method not in _SAFE_METHODS and request.url.path.startswith("/api/"):
        check_csrf(request, request.headers.get(CSRF_HEADER))
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]


async def require_user(actor: ActorDep) -> Actor:
    if not actor.authenticated:
        raise AuthenticationFailed("로그인이 필요합니다.", "Sign in first.")
    return actor


UserDep = Annotated[Actor, Depends(require_user)]
__all__ += ["UserDep", "check_csrf"]
