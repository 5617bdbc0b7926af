"""/notifications: the signed-in user's inbox. Opening a notice marks it read and leads to its page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hubcity.web.api.notices import NoticeList, NoticeRead
from hubcity.web.deps import ActorDep, ServicesDep, check_csrf
from hubcity.web.ui.access import _signed_in
from hubcity.web.ui.rendering import render

__all__ = ["router"]

router = APIRouter()


@router.get("/notifications", name="notices")
def notices_page(
    request: Request, services: ServicesDep, actor: ActorDep, unread: bool = False, page: int = 1
) -> Response:
    if (login := _signed_in(request, actor)) is not None:
        return login
    page = max(1, min(page, 10_000))
    size = 50
    found = services.notices.inbox(actor, unread=unread, limit=size, offset=(page - 1) * size)
    total = services.notices.count(actor, unread=unread)
    n_unread = services.notices.count(actor, unread=True)
    data = NoticeList(count=total, unread=n_unread, results=[NoticeRead.of(n) for n in found])
    context = {
        "items": found,
        "unread_only": unread,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // size)),
        "n_unread": n_unread,
    }
    return render(request, "notices.html", context, actor=actor, data=data)


@router.get("/notifications/{notice_id}/open", name="notice_open")
def notice_open(request: Request, notice_id: int, services: ServicesDep, actor: ActorDep) -> Response:
    """Follow a notice: it is read from now on. A GET, so that a link in a mail works; it only ever
    changes the reader's own inbox."""
    if (login := _signed_in(request, actor)) is not None:
        return login
    notice = services.notices.get(actor, notice_id)
    services.notices.mark_read(actor, [notice.id])
    target = (
        notice.link if notice.link.startswith("/") and not notice.link.startswith("//") else "/notifications"
    )
    return RedirectResponse(target, status_code=303)


@router.post("/notifications/read")
def notices_read(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    if (login := _signed_in(request, actor)) is not None:
        return login
    services.notices.mark_read(actor)
    return RedirectResponse("/notifications", status_code=303)
