"""Usage figures, gathered in memory and written in batches.

Every page view, API read and download adds one to a dataset's figures. Written one by one, that
was a commit on every request; here the counts gather in memory and a background thread writes
them every ``every_seconds`` (2 s) in one transaction, and :meth:`UsageCounter.close` writes what
is left when the services close (the server's shutdown, the end of a CLI command). A count that
cannot be written is kept for the next try. A process killed outright loses at most the last few
seconds of counts. Only counts are kept, never who.
"""

from __future__ import annotations

import logging
import threading

from hubcity.domain.datasets import Usage
from hubcity.ports import MetadataStore

__all__ = ["UsageCounter"]

log = logging.getLogger(__name__)


class UsageCounter:
    def __init__(self, store: MetadataStore, *, every_seconds: float = 2.0) -> None:
        self.store = store
        self.every_seconds = every_seconds
        self._pending: dict[int, Usage] = {}
        self._lock = threading.Lock()  # guards _pending and the thread's start
        self._writing = threading.Lock()  # one batch written at a time
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, dataset_id: int, usage: Usage) -> None:
        """Count uses of a dataset; they reach the database within ``every_seconds``."""
        if not usage:
            return
        with self._lock:
            before = self._pending.get(dataset_id)
            self._pending[dataset_id] = before + usage if before else usage
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="hubcity-usage", daemon=True)
                self._thread.start()

    def pending(self) -> dict[int, Usage]:
        """The counts not written yet, by dataset id."""
        with self._lock:
            return dict(self._pending)

    def flush(self) -> int:
        """Write the counts gathered so far in one transaction; returns how many datasets they
        concern. On failure the counts are kept for the next flush and the error is raised."""
        with self._writing:
            with self._lock:
                batch, self._pending = self._pending, {}
            if not batch:
                return 0
            try:
                self.store.count_usage(batch)
            except BaseException:
                with self._lock:
                    for dataset_id, usage in batch.items():
                        later = self._pending.get(dataset_id)
                        self._pending[dataset_id] = usage + later if later else usage
                raise
            return len(batch)

    def _run(self) -> None:
        while not self._stop.wait(self.every_seconds):
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the database may be away for a while: try again later
                log.warning("usage figures not written yet; will try again", exc_info=True)

    def close(self) -> None:
        """Stop the background writer and write what is left."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join()
        try:
            self.flush()
        except Exception:  # noqa: BLE001 - shutting down: say what is lost, do not fail the shutdown
            lost = self.pending()
            log.exception("usage figures of %d datasets could not be written at shutdown", len(lost))
