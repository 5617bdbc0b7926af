"""Jobs on huey: SQLite storage by default, worker threads in the server process.

``hubcity serve`` starts the workers with the app; ``hubcity worker`` runs them
in a process of their own. ``immediate`` runs each job inline (the CLI's
``ingest`` and the demo loader use it to show progress in the terminal).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from huey import SqliteHuey, crontab
from huey.consumer import Consumer

__all__ = ["HueyQueue"]

log = logging.getLogger(__name__)


class _QuietConsumer(Consumer):  # type: ignore[misc]
    """A consumer that leaves signal handling to the host process (uvicorn, the CLI)."""

    def _set_signal_handlers(self) -> None:
        return None


class HueyQueue:
    def __init__(
        self, path: Path, runner: Callable[[str], None], *, workers: int = 2, immediate: bool = False
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.huey = SqliteHuey(name="hubcity", filename=str(path), immediate=immediate, results=False)
        self._task = self.huey.task(name="hubcity.run_job")(runner)
        self._workers = workers
        self._consumer: Consumer | None = None
        self._periodic = False

    @property
    def immediate(self) -> bool:
        return bool(self.huey.immediate)

    def enqueue(self, job_id: str) -> None:
        self._task(job_id)

    def add_task(self, name: str, runner: Callable[[int], None]) -> Callable[[int], None]:
        """Another kind of job on the same queue (e.g. harvest runs); returns its enqueue function."""
        task = self.huey.task(name=name)(runner)

        def enqueue(item_id: int) -> None:
            task(item_id)

        return enqueue

    def add_periodic(self, name: str, check: Callable[[], object], *, every_minutes: int) -> None:
        """Call ``check`` every few minutes in the workers (e.g. to queue scheduled harvests)."""

        def run() -> None:
            check()

        self.huey.periodic_task(crontab(minute=f"*/{every_minutes}"), name=name)(run)
        self._periodic = True

    def start(self) -> None:
        if self.immediate or self._consumer is not None:
            return
        self._consumer = _QuietConsumer(
            self.huey,
            workers=self._workers,
            worker_type="thread",
            periodic=self._periodic,
            initial_delay=0.05,
            backoff=1.5,
            max_delay=0.5,
            check_worker_health=False,
        )
        self._consumer.start()
        log.info("job workers started: %d threads", self._workers)

    def run_forever(self) -> None:
        """Block serving jobs (``hubcity worker``)."""
        consumer = Consumer(
            self.huey,
            workers=self._workers,
            worker_type="thread",
            periodic=self._periodic,
            initial_delay=0.05,
            backoff=1.5,
            max_delay=0.5,
        )
        consumer.run()

    def stop(self) -> None:
        if self._consumer is not None:
            self._consumer.stop(graceful=True)
            self._consumer = None
