"""One Ray task per instance or episode, across a cluster; only the driver writes the run folder.

Each task holds ``slots_per_task`` of the ``docker_slots`` custom resource, which every node offers
as many times as it may run containers at once, so Ray places work only where an engine has room. A
task whose node dies is retried by Ray on another node (``max_retries``, system failures only: an
exception the work raised is a bug and is not retried); results come back here, where each instance is
recorded exactly once, the first time a result for it arrives. ``ray.wait`` takes finished tasks in
batches so the driver's cost per result stays flat at 20,000 tasks.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .backends.base import Backend
from .backends.ray import SLOTS
from .errors import InfraError, InputError
from .scheduler import abandon

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

NODE_LOSS_RETRIES = 3
BATCH = 512


def _call(work: Callable[[Any], Any], item: Any) -> Any:
    return work(item)


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise InputError("--backend ray needs Ray: pip install 'swerun[ray]'", field="backend") from None
    return ray


def connect(address: str | None, local_slots: int) -> bool:
    """Join the cluster at ``address`` (or start a local Ray instance offering ``local_slots`` docker
    slots); returns whether this call started Ray (and so should stop it)."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    # what the CLI put in the environment (spec folders, repository URLs, caches) holds on every node too
    env = {k: v for k, v in os.environ.items() if k.startswith("SWERUN_")}
    runtime_env = {"env_vars": env} if env else None
    try:
        if address:
            ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING, runtime_env=runtime_env)
        else:
            # "local": a new instance of our own, never a cluster some `ray start` left running here
            ray.init(address="local", resources={SLOTS: local_slots}, include_dashboard=False,
                     log_to_driver=False, logging_level=logging.WARNING, runtime_env=runtime_env)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise InfraError(f"cannot reach the Ray cluster at {address or 'a new local instance'}: {exc}") from None
    return True


class RayScheduler:
    def __init__(self, backend: Backend, run_id: str, *, address: str | None = None, slots_per_task: float = 1.0,
                 local_slots: int = 1) -> None:
        self.backend, self.run_id, self.slots = backend, run_id, slots_per_task
        self._started = connect(address, local_slots)

    def map(self, work: Callable[[T], R], items: Sequence[T], on_result: Callable[[T, R], None],
            on_lost: Callable[[T, Exception], None] | None = None,
            stopping: threading.Event | None = None) -> None:
        if not items:
            return
        ray = import_ray()
        remote = ray.remote(num_cpus=0, resources={SLOTS: self.slots}, max_retries=NODE_LOSS_RETRIES,
                            retry_exceptions=False)(_call)
        work_ref = ray.put(work)
        refs = {remote.remote(work_ref, item): item for item in items}
        pending = list(refs)
        try:
            while pending:
                ready, pending = ray.wait(pending, num_returns=min(len(pending), BATCH), timeout=1.0)
                for ref in ready:
                    item = refs.pop(ref)
                    try:
                        result = ray.get(ref)
                    except (ray.exceptions.RayTaskError, KeyboardInterrupt):
                        raise
                    except ray.exceptions.RayError as exc:  # lost with its retries: the node(s) are gone
                        if on_lost is None:
                            raise InfraError(f"a Ray task was lost: {exc}") from None
                        on_lost(item, exc)
                        continue
                    on_result(item, result)
        except BaseException:
            if stopping is not None:
                stopping.set()
            for ref in pending:
                ray.cancel(ref, force=True)
            abandon(self.backend, self.run_id, only_mine=False)
            raise

    def close(self) -> None:
        if self._started:
            import_ray().shutdown()
            self._started = False
