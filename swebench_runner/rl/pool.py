"""``EnvPool``: episode containers started ahead, so a reset costs handing one over, not starting one.

A trainer asks for environments (``pool.env()``); each ``reset`` takes a ready container of the instance
it names (or any, when it names none) and the pool starts a replacement in the background, at most
``max_starts`` at once (the engine serializes starts; a burst of 64 only queues there). Containers a
pool made carry its run id: ``close()`` removes every one of them, handed out or not, and a pool made
with the same run id after a crashed trainer first removes what the dead process left (by label, by
owner). Infrastructure failures while starting are logged and retried by the next refill; a ``reset``
that finds nothing ready starts one itself, so a failure surfaces there as ``InfraError``.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ..errors import InfraError, InputError, SwerunError
from .env import SWEEnv, _Episode

log = logging.getLogger(__name__)


class NoneReady(SwerunError):
    """A ``ready_only`` reset found no container ready for it (the caller tries another pool)."""


class EnvPool:
    def __init__(self, size: int = 8, *, max_starts: int = 4, run_id: str = "rl-pool", first: int = 0,
                 **env_kwargs: Any) -> None:
        """``first``: the position in the sorted instance ids the round-robin fill starts at (pools on
        several nodes start apart, so together they hold more distinct instances ready)."""
        if size < 1:
            raise InputError("a pool holds at least one environment", field="size")
        self.proto = SWEEnv(run_id=run_id, share_netns=True, **env_kwargs)  # close() removes the run's all
        self.size = size
        self._ids = sorted(self.proto.dataset.by_id())
        self._next = first
        self._ready: dict[str, deque[_Episode]] = {}
        self._starting = 0
        self._cond = threading.Condition()
        self._closed = False
        self._starter = ThreadPoolExecutor(max_workers=max(1, max_starts), thread_name_prefix="swerun-pool")
        self._refill()

    # -- what trainers use ------------------------------------------------------------------------------

    def env(self) -> SWEEnv:
        """A gymnasium environment whose resets take containers from this pool."""
        return SWEEnv(pool=self)

    def ready(self) -> int:
        with self._cond:
            return sum(len(q) for q in self._ready.values())

    def wait_ready(self, n: int | None = None, timeout: float = 300.0) -> bool:
        """Block until ``n`` (default: all) containers are ready; False on timeout."""
        want = self.size if n is None else n
        with self._cond:
            return self._cond.wait_for(lambda: self._closed or sum(len(q) for q in self._ready.values()) >= want,
                                       timeout)

    def close(self) -> None:
        """Every container the pool made is removed, those handed out included."""
        with self._cond:
            self._closed = True
            waiting = [ep for q in self._ready.values() for ep in q]
            self._ready.clear()
            self._cond.notify_all()
        self._starter.shutdown(wait=True, cancel_futures=True)
        for ep in waiting:
            ep.sandbox.close()
        try:
            self.proto.backend.cleanup(self.proto.settings.run_id)
        except SwerunError as exc:
            log.warning("could not remove the pool's containers: %s", exc)

    # -- the pool's side of a reset ---------------------------------------------------------------------

    def take(self, instance_id: str | None, rng: Any = None, *, start: bool = True) -> _Episode:
        """A ready episode of ``instance_id`` (any instance when None); started here if none is ready,
        or ``NoneReady`` when ``start`` is False."""
        if instance_id is not None and instance_id not in self._ids:
            raise InputError(f"no instance {instance_id!r} in the pool's dataset", field="options.instance_id")
        with self._cond:
            if self._closed:
                raise InputError("the pool is closed")
            ep = self._pop(instance_id)
        self._refill()
        if ep is not None:
            return ep
        if not start:
            raise NoneReady(f"no container of {instance_id or 'any instance'} is ready")
        instance = self.proto.dataset.by_id()[instance_id or self._ids[0]]
        return self.proto.start_episode(instance, role="rl-pool")

    def _pop(self, instance_id: str | None) -> _Episode | None:
        if instance_id is not None:
            q = self._ready.get(instance_id)
            return q.popleft() if q else None
        for q in self._ready.values():
            if q:
                return q.popleft()
        return None

    def _refill(self) -> None:
        with self._cond:
            if self._closed:
                return
            missing = self.size - self._starting - sum(len(q) for q in self._ready.values())
            picks = []
            for _ in range(max(0, missing)):
                picks.append(self._ids[self._next % len(self._ids)])
                self._next += 1
            self._starting += len(picks)
        for iid in picks:
            fut: Future[Any] = self._starter.submit(self._start, iid)
            fut.add_done_callback(lambda f: f.cancelled() and self._started_none())

    def _started_none(self) -> None:
        with self._cond:
            self._starting -= 1

    def _start(self, iid: str) -> None:
        try:
            ep = self.proto.start_episode(self.proto.dataset.by_id()[iid], role="rl-pool")
        except InfraError as exc:
            log.warning("pool: could not start %s: %s", iid, exc)
            with self._cond:
                self._starting -= 1
            return
        with self._cond:
            self._starting -= 1
            if self._closed:
                ep.sandbox.close()
                return
            self._ready.setdefault(iid, deque()).append(ep)
            self._cond.notify_all()
