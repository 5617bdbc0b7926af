"""``/api/action/{name}`` and ``/api/3/action/{name}``: the CKAN Action API over hubcity's services.

GET (for actions without side effects) and POST with a JSON body, a form, or multipart
with the file in ``upload``. Tokens as CKAN clients send them: ``Authorization: <token>``
or ``X-CKAN-API-Key: <token>`` (``Bearer`` works too). Every answer is CKAN's envelope,
errors included, with CKAN's status codes; these URLs are never redirected.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from hubcity.bootstrap import Services
from hubcity.domain.accounts import Actor
from hubcity.errors import PermissionDenied, PlatformError, TooManyRequests
from hubcity.web.ckan import datasets, resources, site
from hubcity.web.ckan.protocol import Call, CkanError, Upload, error_for
from hubcity.web.deps import get_actor

__all__ = ["ACTIONS", "router"]

log = logging.getLogger(__name__)

Action = Callable[[Call], Any]

# name -> (function, side-effect free: may be called with GET)
ACTIONS: dict[str, tuple[Action, bool]] = {
    "status_show": (site.status_show, True),
    "package_list": (datasets.package_list, True),
    "package_search": (datasets.package_search, True),
    "package_show": (datasets.package_show, True),
    "package_create": (datasets.package_create, False),
    "package_update": (datasets.package_update, False),
    "package_patch": (datasets.package_patch, False),
    "package_delete": (datasets.package_delete, False),
    "resource_show": (resources.resource_show, True),
    "resource_create": (resources.resource_create, False),
    "resource_patch": (resources.resource_patch, False),
    "resource_update": (resources.resource_patch, False),
    "organization_list": (site.organization_list, True),
    "organization_show": (site.organization_show, True),
    "group_list": (site.group_list, True),
    "group_show": (site.group_show, True),
    "tag_list": (site.tag_list, True),
    "user_show": (site.user_show, True),
    "datastore_search": (resources.datastore_search, True),
    "datastore_search_sql": (resources.datastore_search_sql, True),
}


def help_show(call: Call) -> str:
    """The documentation of an action (``name``)."""
    name = call.require("name")
    entry = ACTIONS.get(name)
    if entry is None:
        raise CkanError("Not Found Error", 404, f"'{name}' 액션이 없습니다.", f"Action '{name}' not found.")
    return (entry[0].__doc__ or name).strip()


ACTIONS["help_show"] = (help_show, True)

router = APIRouter(include_in_schema=False)


def _json(status: int, body: dict[str, Any]) -> Response:
    text = json.dumps(body, ensure_ascii=False, default=str)
    return Response(text, status_code=status, media_type="application/json;charset=utf-8")


async def _save(upload: UploadFile, dest_dir: Path) -> Path:
    """Stream an uploaded file to a file of our own (the resource service takes it over)."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix="ckan-upload-")
    with open(fd, "wb") as out:
        while chunk := await upload.read(1 << 20):
            out.write(chunk)
    return Path(tmp)


def _multi(items: list[tuple[str, Any]]) -> dict[str, Any]:
    """Form or query parameters: one value as itself, a repeated key as a list."""
    out: dict[str, Any] = {}
    for key, value in items:
        if key in out:
            out[key] = [*out[key], value] if isinstance(out[key], list) else [out[key], value]
        else:
            out[key] = value
    return out


async def _params(request: Request, services: Services) -> tuple[dict[str, Any], Upload | None]:
    query = _multi(list(request.query_params.multi_items()))
    if request.method == "GET":
        return query, None
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            form = await request.form(max_part_size=16 * 1024 * 1024)
        except Exception as exc:  # noqa: BLE001 - a malformed form is the client's mistake
            detail = getattr(exc, "detail", None) or str(exc)
            raise CkanError.bad_request(
                f"요청 본문(form)을 읽을 수 없습니다: {detail}", f"The form data cannot be read: {detail}"
            ) from None
        upload: Upload | None = None
        fields: list[tuple[str, Any]] = []
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key == "upload" and upload is None:
                    path = await _save(value, services.settings.uploads_dir)
                    upload = Upload(path, Path(value.filename or "upload.bin").name)
                await value.close()
            else:
                fields.append((key, value))
        await form.close()
        data = _multi(fields)
        # CKAN's old clients post a JSON document as the single form key
        if len(data) == 1 and next(iter(data.values())) in ("", "1") and upload is None:
            key = next(iter(data))
            try:
                loaded = json.loads(key)
            except json.JSONDecodeError:
                loaded = None
            if isinstance(loaded, dict):
                data = loaded
        return {**query, **data}, upload
    raw = await request.body()
    if not raw.strip():
        return query, None
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CkanError.bad_request(
            f"JSON 오류: 요청 본문을 읽을 수 없습니다 ({exc})",
            f"JSON Error: the request body is not JSON ({exc})",
        ) from None
    if not isinstance(body, dict):
        raise CkanError.bad_request(
            "요청 본문은 JSON 객체여야 합니다.",
            f"Bad request data: the JSON body must be an object, not {type(body).__name__}",
        )
    return {**query, **body}, None


def _check_upload_size(request: Request, services: Services, actor: Actor, *, writes: bool) -> None:
    """Refuse a file before taking it in: writes need a user, and a body under the upload limit."""
    ctype = request.headers.get("content-type", "").lower()
    if request.method != "POST" or not ctype.startswith("multipart/"):
        return
    if writes and not actor.authenticated:
        raise PermissionDenied(
            "파일을 올리려면 API 토큰이 필요합니다.", "Uploading a file needs an API token."
        )
    limit = services.settings.ingest.max_upload_mb * 1024 * 1024
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise CkanError(
            "Validation Error",
            409,
            f"파일이 너무 큽니다. 최대 {services.settings.ingest.max_upload_mb:,} MiB까지 올릴 수 있습니다.",
            f"The upload is too large; the limit is {services.settings.ingest.max_upload_mb:,} MiB.",
        )


async def _handle(request: Request, name: str, version: int) -> Response:
    name = name.strip("/")
    base = str(request.base_url).rstrip("/")
    envelope: dict[str, Any] = {"help": f"{base}/api/{version}/action/help_show?name={name}"}
    upload: Upload | None = None
    try:
        entry = ACTIONS.get(name)
        if entry is None:
            raise CkanError.bad_request(f"알 수 없는 액션입니다: {name}", f"Action name not known: {name}")
        action, side_effect_free = entry
        if request.method not in ("GET", "POST"):
            raise CkanError.bad_request(
                f"{request.method} 요청은 받지 않습니다. GET이나 POST를 쓰세요.",
                f"Invalid request. Please use the POST method for your request (not {request.method}).",
            )
        if request.method == "GET" and not side_effect_free:
            raise CkanError.bad_request(
                f"JSON 오류: {name}은(는) POST로만 부를 수 있습니다.",
                f"JSON Error: Invalid request. Please use POST method for {name}",
            )
        services: Services = request.app.state.services
        actor = await get_actor(request, services)
        _check_upload_size(request, services, actor, writes=not side_effect_free)
        params, upload = await _params(request, services)
        params.pop("callback", None)
        call = Call(
            services=services,
            actor=actor,
            params=params,
            base_url=base,
            action=name,
            upload=upload,
            client=request.client.host if request.client else None,
        )
        result = await run_in_threadpool(action, call)
    except (CkanError, PlatformError) as exc:
        status, error = error_for(exc)
        response = _json(status, {**envelope, "success": False, "error": error})
        if isinstance(exc, TooManyRequests) and exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except Exception:
        log.exception("CKAN action %s failed", name)
        error = {"__type": "Internal Server Error", "message": "Internal Server Error (서버 내부 오류)"}
        return _json(500, {**envelope, "success": False, "error": error})
    finally:
        if upload is not None:
            upload.path.unlink(missing_ok=True)  # the service moved it away unless the call failed first
    return _json(200, {**envelope, "success": True, "result": result})


@router.api_route("/api/action/{name:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
async def action_default(name: str, request: Request) -> Response:
    return await _handle(request, name, 3)


@router.api_route("/api/3/action/{name:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
async def action_v3(name: str, request: Request) -> Response:
    return await _handle(request, name, 3)
