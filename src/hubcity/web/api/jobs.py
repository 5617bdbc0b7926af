"""/api/v1/jobs: progress of long work."""

from __future__ import annotations

from fastapi import APIRouter

from hubcity.web.api.schemas import JobRead
from hubcity.web.deps import ActorDep, ServicesDep

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("/{job_id}", response_model=JobRead, summary="A job's state and progress")
def get_job(job_id: str, services: ServicesDep, actor: ActorDep) -> JobRead:
    return JobRead.of(services.resources.get_job(actor, job_id))
