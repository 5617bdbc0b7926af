"""The upload page and the job page.

With JavaScript the page posts the file to the JSON API itself (upload progress,
then the job's progress). Without it, the form posts here; the file is handed to
the same service and the browser lands on ``/jobs/{id}``, which refreshes until
the job ends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hubcity.domain.datasets import Dataset, Resource
from hubcity.domain.jobs import JobState
from hubcity.errors import IngestError, InvalidInput
from hubcity.services.resources import UploadRequest
from hubcity.web.api.resources import save_upload
from hubcity.web.api.schemas import DatasetRead, JobRead
from hubcity.web.deps import ActorDep, ServicesDep, check_csrf
from hubcity.web.ui.rendering import render

__all__ = ["router"]

router = APIRouter()

ENCODINGS = ("", "utf-8", "cp949")


def _page(
    request: Request,
    actor: Any,
    dataset: Dataset,
    resources: list[Resource],
    *,
    values: dict[str, str] | None = None,
    error: tuple[str, str] | None = None,
    status: int = 200,
    partner_push: bool = False,
) -> Response:
    api_url = f"/api/v1/datasets/{dataset.name}/resources"
    context = {
        "partner_push": partner_push,  # a partner's dataset: the push names the official and case
        "dataset": dataset,
        "resources": resources,
        "encodings": ENCODINGS,
        "values": values or {},
        "error": error,
        "api_url": api_url,
    }
    data = {
        "dataset": DatasetRead.of(dataset, resources),
        "upload_url": api_url,
        "method": "POST multipart/form-data: file, resource, encoding, sheet",
        "encodings": [e for e in ENCODINGS if e],
    }
    return render(request, "upload.html", context, actor=actor, data=data, status=status)


@router.get("/datasets/{name}/upload", name="upload")
def upload_page(request: Request, name: str, services: ServicesDep, actor: ActorDep) -> Response:
    if not actor.authenticated:
        return RedirectResponse(f"/login?next=/datasets/{name}/upload", status_code=303)
    services.catalog.get_editable(actor, name)
    dataset, resources = services.resources.list_resources(actor, name)
    return _page(request, actor, dataset, resources, partner_push=services.agreements.partner_owned(dataset))


@router.post("/datasets/{name}/upload")
async def upload_form(
    request: Request,
    name: str,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
    resource: Annotated[str, Form()] = "",
    encoding: Annotated[str, Form()] = "",
    sheet: Annotated[str, Form()] = "",
    official: Annotated[str, Form()] = "",
    case: Annotated[str, Form()] = "",
) -> Response:
    """The no-JavaScript path: take the file, start the job, show the job page."""
    check_csrf(request, csrf)
    if not actor.authenticated:
        return RedirectResponse(f"/login?next=/datasets/{name}/upload", status_code=303)
    await run_in_threadpool(services.catalog.get_editable, actor, name)
    values = {"resource": resource, "encoding": encoding, "sheet": sheet, "official": official, "case": case}
    try:
        if file is None or not file.filename:
            raise InvalidInput("올릴 파일을 고르세요.", "Choose a file to upload.")
        path = await save_upload(file, services.settings.uploads_dir)
        request_ = UploadRequest(
            dataset=name,
            path=path,
            filename=Path(file.filename).name,
            resource=resource.strip() or None,
            encoding=encoding.strip() or None,
            sheet=sheet.strip() or None,
        )
        job = await run_in_threadpool(
            lambda: services.agreements.upload(actor, request_, official=official, case=case)
        )
    except (InvalidInput, IngestError) as exc:
        dataset, resources = await run_in_threadpool(services.resources.list_resources, actor, name)
        return _page(request, actor, dataset, resources, values=values, error=(exc.message, exc.message_en),
                     status=422, partner_push=services.agreements.partner_owned(dataset))  # fmt: skip
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/jobs/{job_id}", name="job")
def job_page(request: Request, job_id: str, services: ServicesDep, actor: ActorDep) -> Response:
    job = services.resources.get_job(actor, job_id)
    target = None
    if job.dataset_name and job.resource_name:
        target = f"/datasets/{job.dataset_name}?resource={job.resource_name}"
    context = {
        "job": job,
        "finished": job.state.finished,
        "succeeded": job.state is JobState.SUCCEEDED,
        "target": target,
        "percent": round(job.progress * 100),
    }
    return render(request, "job.html", context, actor=actor, data=JobRead.of(job))
