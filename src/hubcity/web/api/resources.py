"""/api/v1/datasets/{name}/resources: uploads, versions, rows and downloads."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Form, Header, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse

from hubcity.domain.query import FILTER_OPS, Aggregate, RowFilter, RowQuery
from hubcity.errors import FieldError, InvalidInput
from hubcity.services.resources import UploadRequest
from hubcity.web.api.agreements import header_text
from hubcity.web.api.schemas import AggregateRead, JobRead, ResourceRead, RetypeRequest, RowsRead, json_answer
from hubcity.web.deps import ActorDep, ServicesDep

router = APIRouter(prefix="/datasets/{name}/resources", tags=["resources"])


async def save_upload(upload: UploadFile, dest_dir: Path) -> Path:
    """Stream an upload to a file of our own (the service takes it over)."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix="upload-")
    with open(fd, "wb") as out:
        while chunk := await upload.read(1 << 20):
            out.write(chunk)
    return Path(tmp)


def parse_column_types(raw: str | None) -> dict[str, str] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        raise InvalidInput(
            'column_types는 {"열": "형식"} 모양의 JSON이어야 합니다.',
            'column_types must be a JSON object like {"column": "type"}.',
        )
    return {str(k): str(v) for k, v in value.items()}


@router.get("", response_model=list[ResourceRead], summary="Resources of a dataset")
def list_resources(name: str, services: ServicesDep, actor: ActorDep) -> list[ResourceRead]:
    dataset, resources = services.resources.list_resources(actor, name, channel="api")
    return [ResourceRead.of(dataset, r) for r in resources]


@router.post(
    "",
    status_code=202,
    response_model=JobRead,
    summary="Upload a file: a new resource, or a new version of one",
    description=(
        "Answers 202 with the ingest job; poll GET /api/v1/jobs/{id} until it succeeds or fails. "
        "A partner institution's dataset takes files only inside an active data-sharing agreement, and "
        "each push names the requesting official (X-Hubcity-Official) and the case or document number "
        "(X-Hubcity-Case), percent-encoded UTF-8 for Korean text; 400 when either is missing."
    ),
)
async def upload(
    name: str,
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    file: Annotated[
        UploadFile, File(description="CSV, TSV, XLSX, XLS, JSON, JSONL or Parquet (or any file)")
    ],
    resource: Annotated[str | None, Form()] = None,
    encoding: Annotated[str | None, Form()] = None,
    sheet: Annotated[str | None, Form()] = None,
    column_types: Annotated[str | None, Form(description="JSON object: column → type")] = None,
    official: Annotated[
        str | None, Header(alias="X-Hubcity-Official", description="Partner pushes: the requesting official")
    ] = None,
    case: Annotated[
        str | None, Header(alias="X-Hubcity-Case", description="Partner pushes: the case or document number")
    ] = None,
) -> JobRead:
    # check rights (a partner push: agreement and details) and the declared size before taking the bytes in
    official, case = header_text(official), header_text(case)
    services.agreements.check_push(actor, name, official=official, case=case)
    limit = services.settings.ingest.max_upload_mb * 1024 * 1024
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + 64 * 1024:  # multipart framing allowance
        raise InvalidInput(
            f"파일이 너무 큽니다. 최대 {services.settings.ingest.max_upload_mb:,} MiB까지 올릴 수 있습니다.",
            f"The upload is too large; the limit is {services.settings.ingest.max_upload_mb:,} MiB.",
        )
    path = await save_upload(file, services.settings.uploads_dir)
    job = services.agreements.upload(
        actor,
        UploadRequest(
            dataset=name,
            path=path,
            filename=Path(file.filename or "upload.bin").name,
            resource=resource or None,
            encoding=encoding or None,
            sheet=sheet or None,
            column_types=parse_column_types(column_types),
        ),
        official=official,
        case=case,
    )
    return JobRead.of(job)


@router.get("/{resource}", response_model=ResourceRead, summary="A resource: columns, profile, versions")
def get_resource(name: str, resource: str, services: ServicesDep, actor: ActorDep) -> ResourceRead:
    dataset, res, versions = services.resources.get_resource(actor, name, resource, channel="api")
    return ResourceRead.of(dataset, res, versions)


_ROW_PARAMS = {
    "limit",
    "offset",
    "version",
    "as_of",
    "cursor",
    "format",
    "case",
    "sort",
    "select",
    "q",
    "group_by",
    "metric",
}
_STREAMED = ("csv", "csv-cp949", "jsonl", "json", "xlsx", "parquet")


def row_filters(request: Request) -> tuple[RowFilter, ...]:
    """Every other query parameter is a filter: ``col=value``, ``col__gt=3``, ``col__in=a,b``."""
    out = []
    for key, value in request.query_params.multi_items():
        if key in _ROW_PARAMS:
            continue
        column, sep, op = key.rpartition("__")
        if not sep or op not in FILTER_OPS:
            column, op = key, "eq"
        out.append(RowFilter(column, op, value.split(",") if op == "in" else value))
    return tuple(out)


def _sort(raw: str | None) -> tuple[tuple[str, bool], ...]:
    if not raw:
        return ()
    return tuple((part.strip().lstrip("-"), part.strip().startswith("-")) for part in raw.split(",") if part)


def _metrics(raw: list[str]) -> list[Aggregate]:
    out = []
    for item in raw:
        func, _, column = item.partition(":")
        out.append(Aggregate(func.strip().lower(), column.strip() or None))
    return out


def _fingerprint(query: RowQuery) -> str:
    """What a cursor is bound to: the same filters, text, columns, order and page size."""
    key = json.dumps(
        [[[f.column, f.op, f.value] for f in query.filters], query.q, query.select, query.sort, query.limit],
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def _encode_cursor(version: int, offset: int, query: RowQuery) -> str:
    raw = json.dumps({"v": version, "o": offset, "f": _fingerprint(query)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _bad_cursor(ko: str, en: str) -> InvalidInput:
    return InvalidInput(ko, en, [FieldError("cursor", ko, en)])


def _decode_cursor(cursor: str, query: RowQuery) -> tuple[int, int]:
    """(version, offset) of a cursor made for this same query."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        version, offset, made_for = int(data["v"]), int(data["o"]), str(data["f"])
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise _bad_cursor("cursor 값을 읽을 수 없습니다.", "The cursor cannot be read.") from None
    if made_for != _fingerprint(query) or version < 1 or offset < 0:
        raise _bad_cursor(
            "이 cursor는 다른 조건(필터·정렬·열·limit)의 결과에서 나왔습니다. 같은 조건으로 요청하세요.",
            "This cursor comes from a different query (filters, sort, columns or limit); "
            "repeat the same one.",
        )
    return version, offset


@router.get(
    "/{resource}/rows",
    response_model=RowsRead,
    summary="Rows of a version, filtered, sorted and paged — or all of them as a download",
    description=(
        "Filters: any other parameter, `col=value` or `col__op=value` with op one of "
        "eq, ne, gt, gte, lt, lte, in (comma-separated), like (% and _). "
        "`q` finds rows whose text columns contain the text; `sort=col,-other` (- for descending); "
        "`select=col1,col2`; `version` pins a version, `as_of` (ISO date or timestamp) takes the "
        "version that was current then (default: the current one). "
        "`total` counts every row that passes the filters. Page with `limit`/`offset`, or with the "
        "`next_cursor` of the previous page as `cursor` (it keeps to that page's version). "
        "`format=csv|csv-cp949|jsonl|json|xlsx|parquet` answers every row that passes, with no row "
        "cap, as a file (the same as …/download with the same parameters)."
    ),
    responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}},
)
def rows(
    name: str,
    resource: str,
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    background: BackgroundTasks,
    limit: int = Query(100, ge=0),
    offset: int = Query(0, ge=0),
    version: int | None = Query(None, ge=1),
    as_of: datetime | None = Query(None, description="ISO date or timestamp: the version current then"),
    cursor: str | None = Query(None, max_length=200, description="next_cursor of the previous page"),
    sort: str | None = Query(None, description="col or -col, comma-separated"),
    select: str | None = Query(None, description="columns to return, comma-separated"),
    q: str | None = Query(None, description="text contained in any text column"),
    format: str = Query("page", json_schema_extra={"enum": ["page", *_STREAMED]}),
    case: str | None = Query(None, description="Exports under an agreement: the case or document number"),
    case_header: Annotated[str | None, Header(alias="X-Hubcity-Case", include_in_schema=False)] = None,
) -> Response:
    query = RowQuery(
        filters=row_filters(request),
        q=q or None,
        select=tuple(c.strip() for c in (select or "").split(",") if c.strip()),
        sort=_sort(sort),
        limit=limit,
        offset=offset,
        version=version,
        as_of=as_of,
    )
    if format != "page":
        return _download(
            services, actor, background, name, resource, format, query, header_text(case_header) or case
        )
    if cursor:
        pinned, at = _decode_cursor(cursor, query)
        query = RowQuery(**{**query.__dict__, "version": pinned, "offset": at, "as_of": None})
    cap = services.settings.query.row_limit
    if not (query.filters or query.sort or query.select or query.q):
        page = services.resources.read_rows(
            actor,
            name,
            resource,
            limit=query.limit,
            offset=query.offset,
            version=query.version,
            as_of=query.as_of,
            row_cap=cap,
            channel="api",
        )
    else:
        client = request.client.host if request.client else None
        page = services.resources.query_rows(
            actor, name, resource, query, row_cap=cap, channel="api", client=client
        )
    following = page.offset + len(page.rows)
    more = bool(page.rows) and following < page.total
    next_cursor = _encode_cursor(page.version, following, query) if more else None
    return json_answer(RowsRead(**page.__dict__, next_cursor=next_cursor))


def _download(
    services: ServicesDep,
    actor: ActorDep,
    background: BackgroundTasks,
    name: str,
    resource: str,
    fmt: str,
    query: RowQuery,
    case: str | None,
) -> FileResponse:
    export = services.agreements.export(
        actor,
        name,
        resource,
        fmt,
        version=query.version,
        as_of=query.as_of,
        query=query,
        case=case,
        channel="api",
    )
    if export.temporary:
        background.add_task(export.path.unlink, missing_ok=True)
    return FileResponse(
        export.path, media_type=export.media_type, filename=export.filename, background=background
    )


@router.get(
    "/{resource}/aggregate",
    response_model=AggregateRead,
    summary="Group-by counts, sums, averages, minima and maxima",
    description=(
        "`group_by=col` (repeat or comma-separate for several), `metric=count` | `sum:col` | `avg:col` "
        "| `min:col` | `max:col` (repeatable; default count), and the same filters as /rows. "
        "`sort=-count` orders groups by a metric label or group column (- for descending) and "
        "`limit=10` keeps the first groups: together, the top ten. `version` or `as_of` pick the version."
    ),
)
def aggregate(
    name: str,
    resource: str,
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    group_by: list[str] = Query([]),
    metric: list[str] = Query([]),
    version: int | None = Query(None, ge=1),
    as_of: datetime | None = Query(None, description="ISO date or timestamp: the version current then"),
    sort: str | None = Query(None, description="metric label or group column, - for descending"),
    limit: int | None = Query(None, ge=1, description="keep the first groups only"),
) -> Response:
    keys = [c.strip() for item in group_by for c in item.split(",") if c.strip()]
    rows, truncated, number = services.resources.aggregate(
        actor,
        name,
        resource,
        group_by=keys,
        metrics=_metrics(metric),
        filters=row_filters(request),
        version=version,
        as_of=as_of,
        group_cap=services.settings.query.row_limit,
        channel="api",
        client=request.client.host if request.client else None,
        sort=_sort(sort),
        limit=limit,
    )
    return json_answer(AggregateRead(group_by=keys, rows=rows, truncated=truncated, version=number))


@router.get(
    "/{resource}/download",
    summary="Download a version, whole or filtered",
    description=(
        "format: csv (UTF-8 with BOM), csv-cp949, xlsx, parquet, json, jsonl, "
        "or source (the file as uploaded). The filters, `q`, `select` and `sort` of …/rows apply "
        "too (not to source): every row that passes is written, with no row cap. `version` or "
        "`as_of` pick the version."
    ),
    response_class=FileResponse,
)
def download(
    name: str,
    resource: str,
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    background: BackgroundTasks,
    format: str = "csv",
    version: int | None = Query(None, ge=1),
    as_of: datetime | None = Query(None, description="ISO date or timestamp: the version current then"),
    sort: str | None = Query(None, description="col or -col, comma-separated"),
    select: str | None = Query(None, description="columns to write, comma-separated"),
    q: str | None = Query(None, description="text contained in any text column"),
    case: str | None = Query(None, description="Exports under an agreement: the case or document number"),
    case_header: Annotated[str | None, Header(alias="X-Hubcity-Case", include_in_schema=False)] = None,
) -> FileResponse:
    query = RowQuery(
        filters=row_filters(request),
        q=q or None,
        select=tuple(c.strip() for c in (select or "").split(",") if c.strip()),
        sort=_sort(sort),
        version=version,
        as_of=as_of,
    )
    return _download(
        services, actor, background, name, resource, format, query, header_text(case_header) or case
    )


@router.post(
    "/{resource}/retype", status_code=202, response_model=JobRead, summary="Change column types and re-run"
)
def retype(name: str, resource: str, body: RetypeRequest, services: ServicesDep, actor: ActorDep) -> JobRead:
    return JobRead.of(services.resources.retype(actor, name, resource, body.column_types))
