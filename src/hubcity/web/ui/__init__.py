"""The server-rendered UI (placeholder until the pages land)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

__all__ = ["render_error", "router"]

router = APIRouter(include_in_schema=False)


def render_error(request: Request, status: int, message: str, message_en: str) -> Response:
    return HTMLResponse(f"<h1>{status}</h1><p>{message}</p><p>{message_en}</p>", status_code=status)
