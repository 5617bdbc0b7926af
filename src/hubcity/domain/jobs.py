"""Long work (ingest, later harvest and training) as jobs with progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = ["Job", "JobState"]


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in {JobState.SUCCEEDED, JobState.FAILED}


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    state: JobState
    created_at: datetime
    dataset_id: int | None = None
    dataset_name: str | None = None
    resource_name: str | None = None
    version_id: int | None = None
    version_number: int | None = None
    created_by: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    bytes_done: int = 0
    bytes_total: int = 0
    rows_done: int = 0
    stage: str = ""
    message: str = ""
    error: dict[str, Any] | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def progress(self) -> float:
        """0.0–1.0; reading the file is 90 %, publishing the last 10 %."""
        if self.state is JobState.SUCCEEDED:
            return 1.0
        if self.bytes_total <= 0:
            return 0.0
        return round(min(0.9 * self.bytes_done / self.bytes_total, 0.99), 4)
