"""The one scheduler: eval, infer, validate and image builds hand it items and a work function.

``LocalScheduler`` runs them on a thread pool; ``RayScheduler`` (``scheduler_ray.py``) runs one Ray
task per item across a cluster. Either way results come back to the caller's thread, which alone
writes the run folder, so the resume rule and atomic writes hold whatever runs the work. On Ctrl-C,
SIGTERM or a bug, scheduling stops, work in flight is abandoned (it wrote nothing the run keeps) and
the backend removes this run's containers; finished results are already on disk.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from .backends.base import Backend
from .errors import SwerunError

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


class Scheduler(Protocol):
    def map(self, work: Callable[[T], R], items: Sequence[T], on_result: Callable[[T, R], None],
            on_lost: Callable[[T, Exception], None] | None = None,
            stopping: threading.Event | None = None) -> None:
        """Run ``work`` on every item; call ``on_result`` in this thread as each finishes, once per item.

        ``work`` must return, not raise, for outcomes it knows (an exception from it is a bug and stops
        the run after cleanup). An item whose work was lost with the place running it (a node gone, its
        retries spent) goes to ``on_lost``; without one, that raises ``InfraError``. ``stopping`` is set
        when the run stops, before its containers are removed, so work in flight retries nothing.
        """

    def close(self) -> None:
        """Release what the scheduler started (a local Ray instance)."""


def abandon(backend: Backend, run_id: str, *, only_mine: bool) -> None:
    """Remove the run's containers after an interruption; an engine that is gone too is not an error."""
    try:
        n = backend.cleanup(run_id, only_mine=only_mine)
        if n:
            log.warning("removed %d containers of run %s", n, run_id)
    except SwerunError as exc:
        log.warning("could not remove the containers of run %s: %s", run_id, exc)


class LocalScheduler:
    """A thread pool on this machine; ``max_workers`` instances at once."""

    def __init__(self, backend: Backend, run_id: str, max_workers: int = 1) -> None:
        self.backend, self.run_id, self.max_workers = backend, run_id, max(1, max_workers)

    def map(self, work: Callable[[T], R], items: Sequence[T], on_result: Callable[[T, R], None],
            on_lost: Callable[[T, Exception], None] | None = None,
            stopping: threading.Event | None = None) -> None:
        if not items:
            return
        pool = ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="swerun")
        finished: queue.SimpleQueue[tuple[T, Future[Any]]] = queue.SimpleQueue()
        try:
            for item in items:  # each finished future lands in one queue: O(1) per result at any size
                pool.submit(work, item).add_done_callback(lambda fut, item=item: finished.put((item, fut)))
            for _ in range(len(items)):
                while True:
                    try:
                        item, fut = finished.get(timeout=1.0)  # a timeout, so Ctrl-C reaches this thread
                        break
                    except queue.Empty:
                        continue
                on_result(item, fut.result())
        except BaseException:
            if stopping is not None:
                stopping.set()
            pool.shutdown(wait=False, cancel_futures=True)
            abandon(self.backend, self.run_id, only_mine=True)
            raise
        pool.shutdown(wait=True)

    def close(self) -> None:
        pass


def make_scheduler(backend: Backend, settings: Any) -> Scheduler:
    """The scheduler the settings name: Ray for ``backend="ray"``, else the local pool."""
    if settings.scheduler == "ray" or (settings.scheduler == "auto" and settings.backend == "ray"):
        from .scheduler_ray import RayScheduler

        return RayScheduler(backend, settings.run_id, address=settings.ray_address,
                            slots_per_task=settings.slots_per_task, local_slots=settings.max_workers)
    return LocalScheduler(backend, settings.run_id, settings.max_workers)
