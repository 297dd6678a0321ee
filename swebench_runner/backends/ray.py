"""Docker engines across a Ray cluster behind the backend contract.

Sandboxes and one-shot scripts run on the engine of the node the calling Ray task was placed on (the
task holds one ``docker_slots`` unit, so a node never runs more containers than it offers slots).
Images are made under a cluster-wide lock per tag (``RayTagLock``) and, given a registry, pushed
as they are built, so a tag is built once per cluster. Preparing and cleaning up a run happen on every alive node: one small task pinned to each, so the
containers a dead worker left on its node are removed by label there. Ray is imported only here.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ..errors import BackendUnavailable
from .base import Limits, Mount, RunResult
from .docker import DockerBackend

log = logging.getLogger(__name__)

SLOTS = "docker_slots"


def _on_node(run_id: str | None, what: str, only_orphans: bool) -> int:
    backend = DockerBackend()
    if what == "prepare":
        return backend.prepare_run(run_id or "")
    return backend.cleanup(run_id, only_orphans=only_orphans)


def on_every_node(fn: Any, *args: Any) -> list[Any]:
    """``fn(*args)`` once on every alive node that offers docker slots; results in node order."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    if not ray.is_initialized():
        raise BackendUnavailable("Ray is not initialised in this process")
    nodes = [n for n in ray.nodes() if n.get("Alive") and n.get("Resources", {}).get(SLOTS, 0) > 0]
    remote = ray.remote(num_cpus=0, max_retries=0)(fn)
    refs = [remote.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)).remote(*args)
            for n in nodes]
    out = []
    for ref in refs:
        try:
            out.append(ray.get(ref, timeout=300))
        except Exception as exc:  # noqa: BLE001 -- a node that died since ray.nodes() answered: nothing left to clean there
            log.warning("a node did not answer the cleanup: %s", exc)
            out.append(None)
    return out


class RayBackend:
    name = "ray"

    def __init__(self) -> None:
        self.local = DockerBackend()  # used where a Ray task runs: that node's engine
        self._seen: dict[str, Any] = {"backend": self.name}  # the cluster as last seen while connected

    def describe(self) -> dict[str, Any]:
        try:
            import ray

            if ray.is_initialized():
                nodes = [n for n in ray.nodes() if n.get("Alive")]
                self._seen = {"backend": self.name, "ray": ray.__version__, "nodes": len(nodes),
                              SLOTS: sum(n.get("Resources", {}).get(SLOTS, 0) for n in nodes)}
        except Exception as exc:  # noqa: BLE001 -- describe never raises; it says what it last knew
            log.debug("cannot describe the Ray cluster: %s", exc)
        return dict(self._seen)

    def prepare_run(self, run_id: str) -> int:
        self.describe()
        return sum(n or 0 for n in on_every_node(_on_node, run_id, "prepare", True))

    def cleanup(self, run_id: str | None = None, *, only_mine: bool = False, only_orphans: bool = False) -> int:
        # "mine" means nothing across processes: the workers that started them were this run's
        return sum(n or 0 for n in on_every_node(_on_node, run_id, "cleanup", only_orphans))

    def open_sandbox(self, image: str, *, run_id: str, name: str, labels: Mapping[str, str] | None = None,
                     mounts: list[Mount] | None = None, limits: Limits | None = None, workdir: str = "/testbed",
                     env: Mapping[str, str] | None = None) -> Any:
        return self.local.open_sandbox(image, run_id=run_id, name=name, labels=labels, mounts=mounts,
                                       limits=limits, workdir=workdir, env=env)

    def run_script(self, image: str, script: str, *, files: Mapping[str, bytes | str], run_id: str, name: str,
                   timeout: float, env: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None,
                   limits: Limits | None = None) -> RunResult:
        return self.local.run_script(image, script, files=files, run_id=run_id, name=name, timeout=timeout, env=env,
                                     labels=labels, limits=limits)

    def images(self, *, repo_url: str | None, log_dir: Any, ca_bundle: str | None, registry: str | None) -> Any:
        """This node's builder, with a cluster-wide lock per tag; with a registry, every layer built is
        pushed under its tag before the lock is let go, so the next node pulls it instead of building."""
        from ..repos import RepoStore
        from .docker_builder import ImageBuilder

        # without a shared registry every node builds its own copy: a cluster-wide lock would only make
        # the nodes take turns, so each keeps its machine's file lock
        return ImageBuilder(RepoStore(repo_url), log_dir, ca_bundle=ca_bundle, registry=registry,
                            push_to=registry, lock=RayTagLock() if registry else None)

    def run_argv(self, image: str, command: list[str], **kw: Any) -> list[str]:
        return self.local.run_argv(image, command, **kw)

    def shell_argv(self, sandbox: Any) -> list[str]:
        return self.local.shell_argv(sandbox)

    def image_inventory(self, label: str) -> list[dict[str, Any]]:
        return self.local.image_inventory(label)

    def remove_image(self, ref: str) -> str | None:
        return self.local.remove_image(ref)

    def storage_root(self) -> str | None:
        return self.local.storage_root()


_LOCKS_ACTOR = "swerun-tag-locks"


def _locks_actor() -> Any:
    """The cluster's one lock table: a named, detached actor, made by whoever asks first."""
    import ray

    @ray.remote(num_cpus=0)
    class TagLocks:
        """tag -> (holder, last renewal). A holder that stops renewing (its node died) loses the tag."""

        def __init__(self) -> None:
            self.held: dict[str, tuple[str, float]] = {}

        def acquire(self, tag: str, holder: str, lease: float) -> bool:
            now = time.time()
            cur = self.held.get(tag)
            if cur is None or cur[0] == holder or now - cur[1] > lease:
                self.held[tag] = (holder, now)
                return True
            return False

        def release(self, tag: str, holder: str) -> None:
            if self.held.get(tag, ("",))[0] == holder:
                del self.held[tag]

    return TagLocks.options(name=_LOCKS_ACTOR, namespace="swerun", lifetime="detached",
                            get_if_exists=True).remote()


class RayTagLock:
    """``builder.TagLock`` across a cluster: two nodes never build the same tag at once. The holder
    renews its lease while it builds; a lease not renewed for ``lease`` seconds (a lost node) expires."""

    def __init__(self, lease: float = 120.0, poll: float = 1.0) -> None:
        self.lease, self.poll = lease, poll

    @contextmanager
    def hold(self, tag: str) -> Iterator[None]:
        import ray

        actor = _locks_actor()
        holder = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{time.monotonic_ns()}"
        while not ray.get(actor.acquire.remote(tag, holder, self.lease)):
            time.sleep(self.poll)
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(self.lease / 4):
                ray.get(actor.acquire.remote(tag, holder, self.lease))

        keeper = threading.Thread(target=renew, name=f"lease {tag}", daemon=True)
        keeper.start()
        try:
            yield
        finally:
            stop.set()
            keeper.join()
            ray.get(actor.release.remote(tag, holder))
