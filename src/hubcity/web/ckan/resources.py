"""CKAN's resource_* and datastore_* actions over the resource and query services.

A resource's id is its numeric id (``"42"``). ``resource_create`` and ``resource_patch`` take
the file in the multipart field ``upload``; it is ingested like any upload (a job on the
workers) and the action answers when the job has finished: the resource, or a Validation
Error with the ingest error's message. A resource that is only a URL is refused: hubcity
keeps the files it publishes.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import urlencode

from hubcity.domain.datasets import Dataset, Resource
from hubcity.domain.jobs import Job, JobState
from hubcity.domain.query import RowFilter, RowQuery
from hubcity.errors import FieldError, InvalidInput, NotFound
from hubcity.services.resources import UploadRequest, resource_slug
from hubcity.web.ckan.mapping import resource_dict
from hubcity.web.ckan.protocol import Call, invalid, missing

__all__ = [
    "INGEST_WAIT_SECONDS",
    "datastore_search",
    "datastore_search_sql",
    "resource_create",
    "resource_patch",
    "resource_show",
]

INGEST_WAIT_SECONDS = 600.0  # how long resource_create / resource_patch wait for the ingest
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")

# hubcity column types -> the datastore's (PostgreSQL) type names
_COLUMN_TYPES = {
    "integer": "int8",
    "decimal": "numeric",
    "text": "text",
    "date": "date",
    "timestamp": "timestamp",
    "boolean": "bool",
}


def _by_id(call: Call, resource_id: str) -> tuple[Dataset, Resource]:
    if not resource_id.strip().isdigit():
        raise NotFound.of("리소스", "Resource", resource_id)
    return call.services.resources.get_resource_by_id(call.actor, int(resource_id))


def resource_show(call: Call) -> dict[str, Any]:
    """A resource by its numeric ``id``."""
    dataset, resource = _by_id(call, call.require("id"))
    return resource_dict(call.base_url, dataset, resource)


def _no_links(call: Call) -> InvalidInput:
    if call.text("url"):
        return InvalidInput(
            "hubcity는 링크가 아니라 파일을 게시합니다. 파일을 multipart 필드 'upload'로 보내 주세요.",
            "hubcity publishes files, not links: send the file in the multipart field 'upload'.",
            [
                FieldError(
                    "url",
                    "링크만 있는 리소스는 만들 수 없습니다. 'upload'로 파일을 보내세요.",
                    "a link-only resource cannot be stored; send the file as 'upload'",
                )
            ],
        )
    return missing("upload")


def _wait(call: Call, job: Job) -> Job:
    """The job once it has finished; a failed ingest becomes a Validation Error that says where."""
    deadline = time.monotonic() + INGEST_WAIT_SECONDS
    pause = 0.05
    while not job.state.finished:
        if time.monotonic() > deadline:
            raise InvalidInput(
                f"파일을 아직 처리하고 있습니다. 진행은 /api/v1/jobs/{job.id}에서 볼 수 있습니다.",
                f"The file is still being ingested; follow job {job.id} at /api/v1/jobs/{job.id}.",
                [FieldError("upload", "처리 중", "still being ingested")],
            )
        time.sleep(pause)
        pause = min(pause * 1.5, 0.5)
        job = call.services.resources.get_job(call.actor, job.id)
    if job.state is JobState.FAILED:
        error = job.error or {}
        ko = str(error.get("message") or job.message or "파일을 읽지 못했습니다.")
        en = str(error.get("message_en") or "The file could not be ingested.")
        where = str(error.get("where") or "")
        if where:
            ko, en = f"{ko} [{where}]", f"{en} [{where}]"
        raise InvalidInput(ko, en, [FieldError("upload", ko, en)])
    return job


def _ingest(call: Call, dataset: Dataset, resource_name: str) -> dict[str, Any]:
    upload = call.upload
    assert upload is not None
    # a partner's push names the requesting official and the case (form fields ``official`` and
    # ``case``) and is recorded as a transfer under its agreement, as through the native API
    job = call.services.agreements.upload(
        call.actor,
        UploadRequest(
            dataset=dataset.name,
            path=upload.path,
            filename=upload.filename,
            resource=resource_name,
            encoding=call.text("encoding") or None,
            sheet=call.text("sheet") or None,
        ),
        official=call.text("official"),
        case=call.text("case"),
    )
    job = _wait(call, job)
    name = job.resource_name or resource_name
    dataset, resource, _ = call.services.resources.get_resource(call.actor, dataset.name, name)
    return resource_dict(call.base_url, dataset, resource)


def resource_create(call: Call) -> dict[str, Any]:
    """A new resource of ``package_id`` from the multipart file ``upload``, answered once ingested."""
    dataset = call.services.catalog.get_editable(call.actor, call.require("package_id"))
    if call.upload is None:
        raise _no_links(call)
    wanted = (call.text("name") or "").strip()
    slug = wanted if _SLUG.match(wanted) else resource_slug(call.upload.filename)
    _, existing = call.services.resources.list_resources(call.actor, dataset.name)
    taken = {r.name for r in existing}
    base, n = slug[:95], 2
    while slug in taken:  # resource_create always makes a new resource
        slug, n = f"{base}-{n}", n + 1
    return _ingest(call, dataset, slug)


def resource_patch(call: Call) -> dict[str, Any]:
    """A new version from ``upload``; without a file the resource stays as it is."""
    dataset, resource = _by_id(call, call.require("id"))
    dataset = call.services.catalog.get_editable(call.actor, dataset.name)
    if call.upload is not None:
        return _ingest(call, dataset, resource.name)
    current = resource_dict(call.base_url, dataset, resource)
    if call.text("url") and call.text("url") != current["url"]:
        raise _no_links(call)
    return current


# -- datastore -----------------------------------------------------------------------------------
def _filters(raw: dict[str, Any]) -> tuple[RowFilter, ...]:
    out = []
    for column, value in raw.items():
        if isinstance(value, list):
            out.append(RowFilter(str(column), "in", value))
        else:
            out.append(RowFilter(str(column), "eq", value))
    return tuple(out)


def _sort(text: str | None) -> tuple[tuple[str, bool], ...]:
    """``'col desc, "other col"'`` as (column, descending) pairs."""
    out = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        desc = False
        lowered = part.lower()
        for suffix, is_desc in ((" desc", True), (" asc", False)):
            if lowered.endswith(suffix):
                part, desc = part[: -len(suffix)].strip(), is_desc
                break
        out.append((part.strip('"'), desc))
    return tuple(out)


def _links(call: Call, offset: int, limit: int) -> dict[str, str]:
    params = {
        k: (json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v)
        for k, v in call.params.items()
        if k != "offset" and v is not None
    }
    path = "/api/3/action/datastore_search"
    return {
        "start": f"{path}?{urlencode(params)}",
        "next": f"{path}?{urlencode({**params, 'offset': offset + limit})}",
    }


def datastore_search(call: Call) -> dict[str, Any]:
    """Rows of a table resource: resource_id, filters, q, fields, sort, limit, offset, records_format."""
    resource_id = call.require("resource_id", "id")
    dataset, resource = _by_id(call, resource_id)
    filters = call.mapping("filters") or {}
    row_filters = list(_filters(filters))
    q_raw = call.params.get("q")
    q_text: str | None = None
    if isinstance(q_raw, dict) or (isinstance(q_raw, str) and q_raw.strip().startswith("{")):
        for column, text in (call.mapping("q") or {}).items():
            row_filters.append(RowFilter(str(column), "like", f"%{text}%"))
    elif q_raw not in (None, ""):
        q_text = str(q_raw)
    fmt = call.text("records_format") or "objects"
    if fmt not in ("objects", "lists"):
        raise invalid("records_format", "objects 또는 lists만 됩니다.", "must be objects or lists")
    row_cap = call.services.settings.query.row_limit
    limit = call.integer("limit", 100, maximum=row_cap)
    offset = call.integer("offset", 0) or 0
    fields = [str(f) for f in call.items("fields") or []]
    page = call.services.resources.query_rows(
        call.actor,
        dataset.name,
        resource.name,
        RowQuery(
            filters=tuple(row_filters),
            q=q_text,
            select=tuple(fields),
            sort=_sort(call.text("sort")),
            limit=100 if limit is None else limit,
            offset=offset,
        ),
        row_cap=row_cap,
        client=call.client,
    )
    names = [str(c["name"]) for c in page.columns]
    records: list[Any] = page.rows
    if fmt == "lists":
        records = [[row.get(n) for n in names] for row in page.rows]
    out: dict[str, Any] = {
        "resource_id": resource_id,
        "fields": [
            {
                "id": str(c["name"]),
                "type": _COLUMN_TYPES.get(str(c.get("type")), "text"),
                "info": {"label": str(c.get("label") or c.get("original_name") or c["name"])},
            }
            for c in page.columns
        ],
        "records": records,
        "total": page.total,
        "total_was_estimated": False,
        "limit": page.limit,
        "offset": page.offset,
        "records_format": fmt,
        "include_total": True,
        "_links": _links(call, page.offset, page.limit),
    }
    if filters:
        out["filters"] = filters
    if q_raw not in (None, ""):
        out["q"] = q_raw
    if call.text("sort"):
        out["sort"] = call.text("sort")
    return out


def _sql_type(duck: str) -> str:
    t = duck.upper()
    if any(x in t for x in ("INT", "HUGEINT")):
        return "int8"
    if any(x in t for x in ("DOUBLE", "FLOAT", "DECIMAL", "REAL", "NUMERIC")):
        return "numeric"
    if t.startswith("TIMESTAMP"):
        return "timestamp"
    if t == "DATE":
        return "date"
    if t == "BOOLEAN":
        return "bool"
    return "text"


def datastore_search_sql(call: Call) -> dict[str, Any]:
    """One read-only SELECT in the SQL sandbox; a resource's table is its id (``"42"``)."""
    sql = call.require("sql")
    result = call.services.query.run(
        call.actor, sql, max_rows=call.services.settings.query.row_limit, client=call.client
    )
    return {
        "sql": sql,
        "fields": [{"id": c["name"], "type": _sql_type(str(c.get("type", "")))} for c in result.columns],
        "records": result.rows,
        "records_truncated": result.truncated,
    }
