"""Building every image of a dataset ahead of a run, here or across a cluster, and pushing it.

Work goes through the run scheduler (threads, or one Ray task per instance), so ``swerun images build``
scales like a run does; failures are collected per instance, never raised for the whole set.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel, Field

from .resources import cache_dir
from .spec import spec_for
from .types import Instance

log = logging.getLogger(__name__)


class BuildOutcome(BaseModel):
    sources: dict[str, str] = Field(default_factory=dict)  # instance -> cache | built | pulled | ...
    failed: dict[str, str] = Field(default_factory=dict)  # instance -> the error
    pushed: dict[str, str] = Field(default_factory=dict)  # layer tag -> "pushed" | "present" (the registry had it)
    digests: dict[str, str] = Field(default_factory=dict)  # layer tag -> the registry's manifest digest


def push_built(builder: Any, tags: Iterable[str], registry: str, outcome: BuildOutcome | None = None) -> BuildOutcome:
    """Push ``tags`` and every swerun layer under them (base, env, instance) to ``registry`` as
    ``registry/<tag>``, each layer once, skipping layers the registry has. ``builder``: an
    ``ImageBuilder``. Raises ``InfraError`` on the first layer that cannot be pushed. (One instance's
    work fills one outcome; the driver merges them, so no lock is needed here.)"""
    out = outcome or BuildOutcome()
    for tag in tags:
        for layer in builder.layer_chain(tag):
            if layer in out.pushed:
                continue
            rec = builder.push(layer, registry)
            out.pushed[layer] = "pushed" if rec.pushed else "present"
            if rec.digest:
                out.digests[layer] = rec.digest
    return out


def build_ahead(instances: list[Instance], *, max_workers: int = 1, repo_url: str | None = None,
                registry: str | None = None, ca_bundle: str | None = None, push: str | None = None,
                lock: Any = None, backend: str = "docker", ray_address: str | None = None,
                on_done: Callable[[str, str | None, str | None], None] | None = None) -> BuildOutcome:
    """Make sure every instance image exists before a run; layers shared by instances are built once.

    ``push``: a registry (host:port) to push every layer of every ready instance to, skipping layers it
    has; it is also where missing layers are pulled from when ``registry`` is not given. Each layer this
    builds is pushed while its lock is held, so other nodes waiting on it (``lock``: a shared
    ``builder.TagLock``; default one file lock per tag on this machine, a cluster-wide one on Ray) pull it
    instead of building it. Work goes through the run scheduler: a thread pool here, or one Ray task per
    instance across a cluster (``backend="ray"``), each node building what lands on it.

    Failures are collected, not raised: one broken environment must not stop the images of the others
    (an instance whose layers cannot be pushed counts as failed). Build logs go to ``<cache>/build_logs``.
    """
    from .backends import make_backend
    from .scheduler import make_scheduler
    from .settings import RunSettings

    cfg = RunSettings(run_id="prebuild", results_root=cache_dir(), max_workers=max_workers, repo_url=repo_url, registry=registry or push,
                      ca_bundle=ca_bundle, backend=backend, ray_address=ray_address, progress=False)
    out = BuildOutcome()
    where = make_backend(backend)
    scheduler = make_scheduler(where, cfg)
    work = BuildWork(cfg, push, lock if backend != "ray" else None)

    def record(inst: Instance, got: BuildOutcome) -> None:
        for key in ("sources", "failed", "digests"):
            getattr(out, key).update(getattr(got, key))
        for layer, how in got.pushed.items():  # another instance's push of a shared layer made it "present"
            out.pushed[layer] = "pushed" if "pushed" in (how, out.pushed.get(layer)) else how
        if on_done:
            iid = inst.instance_id
            on_done(iid, got.sources.get(iid), got.failed.get(iid))

    def lost(inst: Instance, exc: Exception) -> None:
        record(inst, BuildOutcome(failed={inst.instance_id: f"lost with its node: {exc}"}))

    try:
        scheduler.map(work, instances, record, lost)
    finally:
        scheduler.close()
    return out


class BuildWork:
    """One instance's image (and its push); picklable, so a Ray worker builds on its own node."""

    def __init__(self, cfg: Any, push: str | None, lock: Any = None) -> None:
        self.cfg, self.push, self.lock = cfg, push, lock
        self._ctx: Any = None
        self._guard = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"cfg": self.cfg, "push": self.push}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["cfg"], state["push"])  # type: ignore[misc]

    def context(self) -> Any:
        from .backends import make_backend
        from .backends.docker_builder import ImageBuilder
        from .evaluation.evaluate import EvalContext
        from .repos import RepoStore

        with self._guard:
            if self._ctx is None:
                cfg = self.cfg
                backend = make_backend(cfg.backend)
                if self.lock is not None or cfg.backend != "ray":
                    builder = ImageBuilder(RepoStore(cfg.repo_url), cache_dir() / "build_logs",
                                           ca_bundle=cfg.ca_bundle, registry=cfg.registry, push_to=self.push,
                                           lock=self.lock)
                else:  # the cluster's lock per tag, pushing as it builds
                    builder = backend.images(repo_url=cfg.repo_url, log_dir=cache_dir() / "build_logs",
                                             ca_bundle=cfg.ca_bundle, registry=cfg.registry)
                self._ctx = EvalContext(settings=cfg, builder=builder, backend=backend)
            return self._ctx

    def __call__(self, inst: Instance) -> BuildOutcome:
        from .errors import SwerunError
        from .evaluation.evaluate import prepare_image

        out = BuildOutcome()
        try:
            settings = self.context()
            info = prepare_image(settings, inst, spec_for(inst))
            if self.push:
                push_built(settings.builder, [info.tag], self.push, out)
            out.sources[inst.instance_id] = info.source
        except SwerunError as exc:
            out.failed[inst.instance_id] = str(exc).splitlines()[0]
            log.error("%s: %s", inst.instance_id, exc)
        return out
