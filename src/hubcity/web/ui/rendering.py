"""Rendering: one Jinja2 environment, the page context every template gets, and the JSON twin.

Every UI route ends in ``render(request, template, context, data=...)``. When the
request carries ``?format=json`` the same route answers ``data`` as JSON (the
page's twin, in the native API's shapes) instead of HTML; the footer of every
page links there.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request

from hubcity import __version__
from hubcity.domain.accounts import ANONYMOUS, Actor
from hubcity.domain.koreatime import KST
from hubcity.web.deps import csrf_token
from hubcity.web.ui.i18n import Lang, label, request_lang, t

__all__ = ["TEMPLATES_DIR", "STATIC_DIR", "render", "render_error", "url_with", "wants_json"]

_HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = _HERE / "templates"
STATIC_DIR = _HERE / "static"


def _num(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def _size(value: Any) -> str:
    if value is None:
        return "—"
    size = float(value)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} TB"


def _when(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        local: datetime = value.astimezone(KST) if value.tzinfo is not None else value
        return local.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _pct(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.{digits}f}%"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters.update(num=_num, size=_size, when=_when, pct=_pct, cell=_cell)


def wants_json(request: Request) -> bool:
    """The JSON twin is asked for with ``?format=json``."""
    return request.query_params.get("format") == "json"


def url_with(request: Request, path: str | None = None, **params: Any) -> str:
    """The current URL (or ``path``) with some query parameters set; ``None`` removes one."""
    query: dict[str, str] = dict(request.query_params) if path is None else {}
    for key, value in params.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = str(value)
    target = request.url.path if path is None else path
    return f"{target}?{urlencode(query)}" if query else target


def _context(request: Request, actor: Actor, lang: Lang) -> dict[str, Any]:
    settings = getattr(request.app.state, "settings", None)
    api_docs = "/api/v1/docs"

    def tr(key: str, **params: object) -> str:
        return t(key, lang, **params)

    def lbl(kind: str, key: str | None) -> str:
        return label(kind, key, lang)

    def qs(**params: Any) -> str:
        return url_with(request, **params)

    has_session = "session" in request.scope

    def unread_notices() -> int:
        services = getattr(request.app.state, "services", None)
        if services is None or not actor.authenticated:
            return 0
        try:
            return int(services.notices.unread_count(actor))
        except Exception:  # noqa: BLE001 - the header must render even when the database is down
            return 0

    return {
        "request": request,
        "lang": lang,
        "other_lang": "en" if lang == "ko" else "ko",
        "t": tr,
        "t_ko": lambda key, **params: t(key, "ko", **params),
        "t_en": lambda key, **params: t(key, "en", **params),
        "label": lbl,
        "qs": qs,
        "actor": actor,
        "unread_notices": unread_notices,
        "csrf": csrf_token(request) if has_session else "",
        "json_url": url_with(request, format="json", lang=None),
        "lang_url": lambda code: url_with(request, lang=code, format=None),
        "api_docs": api_docs,
        "version": __version__,
        "path": request.url.path,
        "site_url": settings.web.public_url if settings is not None else "",
    }


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    actor: Actor,
    data: Any = None,
    status: int = 200,
    default_lang: str | None = None,
) -> Response:
    """The page as HTML, or its JSON twin (``data``) when the request asks for ``?format=json``."""
    if wants_json(request):
        return JSONResponse(jsonable_encoder(data if data is not None else {}), status_code=status)
    lang = request_lang(request, default_lang or _default_lang(request))
    html = _env.get_template(template).render({**_context(request, actor, lang), **context})
    return HTMLResponse(html, status_code=status, headers={"Content-Language": lang})


def _default_lang(request: Request) -> str:
    settings = getattr(request.app.state, "settings", None)
    return settings.web.default_language if settings is not None else "ko"


def _session_actor(request: Request) -> Actor:
    """The signed-in user for the error page's header; never raises."""
    services = getattr(request.app.state, "services", None)
    if services is None or "session" not in request.scope:
        return ANONYMOUS
    user_id = request.session.get("user_id")
    if user_id is None:
        return ANONYMOUS
    try:
        actor: Actor = services.accounts.actor_for(int(user_id))
    except Exception:  # noqa: BLE001 - an error page must render even when the database is down
        return ANONYMOUS
    return actor


def render_error(request: Request, status: int, message: str, message_en: str) -> Response:
    """The error page: status, the Korean message with the English one beneath, a way home."""
    body = {"ok": False, "error": message, "error_en": message_en, "errors": [], "status": status}
    if wants_json(request):
        return JSONResponse(body, status_code=status)
    try:
        return render(
            request,
            "error.html",
            {"status": status, "message": message, "message_en": message_en},
            actor=_session_actor(request),
            status=status,
        )
    except Exception:  # noqa: BLE001 - last resort: a plain page rather than a second error
        text = f"<h1>{status}</h1><p>{escape(message)}</p><p>{escape(message_en)}</p><p><a href='/'>/</a></p>"
        return HTMLResponse(f"<!doctype html><title>{status}</title>{text}", status_code=status)
