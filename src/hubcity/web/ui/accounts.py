"""Signing in and out, and the API-token page."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hubcity.domain.accounts import Actor
from hubcity.errors import AuthenticationFailed, InvalidInput
from hubcity.web.api.schemas import TokenCreated, TokenRead, UserRead
from hubcity.web.deps import ActorDep, ServicesDep, check_csrf
from hubcity.web.ui.rendering import render

__all__ = ["router", "safe_next"]

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only a path on this site ('/…', not '//host' or a full URL) may be a redirect target."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(
    request: Request,
    actor: Actor,
    *,
    next_url: str,
    username: str = "",
    error: tuple[str, str] | None = None,
    status: int = 200,
) -> Response:
    context = {"next_url": next_url, "username": username, "error": error}
    data = {
        "signed_in": actor.authenticated,
        "username": actor.username,
        "form": {"action": "/login", "fields": ["username", "password", "csrf", "next"]},
    }
    return render(request, "login.html", context, actor=actor, data=data, status=status)


@router.get("/login", name="login")
def login_page(request: Request, actor: ActorDep, next: str | None = None) -> Response:
    return _login_page(request, actor, next_url=safe_next(next))


@router.post("/login")
def login(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    check_csrf(request, csrf)
    try:
        user = services.accounts.authenticate(username, password)
    except AuthenticationFailed as exc:
        return _login_page(
            request, actor, next_url=safe_next(next), username=username, error=(exc.message, exc.message_en),
            status=401,
        )  # fmt: skip
    # a fresh session for the signed-in user; the CSRF token and language carry over, so the page
    # (and tests/factories.login) can go on using the token it already holds
    kept: dict[str, Any] = {k: request.session[k] for k in ("csrf", "lang") if k in request.session}
    request.session.clear()
    request.session.update(kept)
    request.session["user_id"] = user.id
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", name="logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    return RedirectResponse("/", status_code=303)


def _tokens_page(
    request: Request,
    services: ServicesDep,
    actor: Actor,
    *,
    created: TokenCreated | None = None,
    error: tuple[str, str] | None = None,
    status: int = 200,
) -> Response:
    tokens = services.accounts.list_tokens(actor)
    assert actor.user_id is not None
    user = services.accounts.get_user(actor.user_id)
    now = datetime.now(UTC)
    rows = [
        (tok, "revoked" if tok.revoked_at else ("active" if tok.is_active(now) else "expired"))
        for tok in tokens
    ]
    # the limits of the user's role, and what each token used today (quotas count per token)
    quota = services.resources.quota
    used = {tok.id: quota.status(replace(actor, token_id=tok.id), None).used_today for tok in tokens}
    per_minute, per_day = quota.limits(actor)
    context = {
        "tokens": rows,
        "created": created,
        "error": error,
        "user": user,
        "used": used,
        "per_minute": per_minute,
        "per_day": per_day,
    }
    data: dict[str, object] = {"user": UserRead.of(user), "tokens": [TokenRead.of(tok) for tok in tokens]}
    if created is not None:
        data["created"] = created
    return render(request, "tokens.html", context, actor=actor, data=data, status=status)


@router.get("/me/tokens", name="tokens")
def tokens_page(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    if not actor.authenticated:
        return RedirectResponse("/login?next=/me/tokens", status_code=303)
    return _tokens_page(request, services, actor)


@router.post("/me/tokens")
def token_create(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    expires_days: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    if not actor.authenticated:
        return RedirectResponse("/login?next=/me/tokens", status_code=303)
    try:
        days = int(expires_days) if expires_days.strip() else None
    except ValueError:
        days = 0  # the service explains why that is not a number of days
    try:
        token, raw = services.accounts.create_token(actor, name=name, expires_days=days)
    except InvalidInput as exc:
        return _tokens_page(request, services, actor, error=(exc.message, exc.message_en), status=422)
    created = TokenCreated(**TokenRead.of(token).model_dump(), token=raw)
    response = _tokens_page(request, services, actor, created=created)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/me/tokens/{token_id}/revoke")
def token_revoke(
    request: Request, token_id: int, services: ServicesDep, actor: ActorDep, csrf: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf)
    if not actor.authenticated:
        return RedirectResponse("/login?next=/me/tokens", status_code=303)
    services.accounts.revoke_token(actor, token_id)
    return RedirectResponse("/me/tokens", status_code=303)
