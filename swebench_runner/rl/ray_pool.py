"""``RayEnvPool``: the environment pool across a Ray cluster, for trainers that need more environments
than one machine's engine holds.

Every node that offers ``docker_slots`` gets one actor, pinned to it, that keeps an ``EnvPool`` on
that node's engine (its share of ``size``, by slots). A trainer's environment (``pool.env()``, a
gymnasium environment) is placed at each reset on the live node with the most containers ready, and its
steps go to that node's actor; observations, actions and ``info`` cross as the same plain data as
``SWEEnv``'s. Rewards are graded on the node that ran the episode, by the same code as ``swerun eval``.

When a node is lost, the episodes it held end at their next step with ``info["infra_error"]`` (masked,
like every infrastructure failure), the next reset goes to a live node, and the containers the dead
actor left are removed by label (orphans: the process that started them is gone) on every node still
alive; a machine that comes back removes the rest at its next start (``prepare_run``). ``close()``
removes every container of the pool's run id on every live node.

Raises: ``InputError`` for a bad size or an instance id the dataset lacks, ``InfraError`` when no node
can hold an environment (or Ray cannot be reached). Ray is imported only when a pool is made.
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
import threading
import time
from typing import Any

import gymnasium

from ..backends.ray import SLOTS, RayBackend
from ..errors import InfraError, InputError
from ..scheduler_ray import connect, import_ray
from ..types import Outcome
from .pool import EnvPool, NoneReady

log = logging.getLogger(__name__)


class EnvHost:
    """The actor on one node: an ``EnvPool`` on the node's engine and the environments drawn from it."""

    def __init__(self, size: int, max_starts: int, run_id: str, first: int, env_kwargs: dict[str, Any]) -> None:
        import ray

        self.node = ray.get_runtime_context().get_node_id()
        self.pool = EnvPool(size, max_starts=max_starts, run_id=run_id, first=first, backend="docker", **env_kwargs)
        self.envs: dict[str, Any] = {}
        self._lock = threading.Lock()

    def where(self) -> str:
        """The node this actor (and every container of its pool) runs on."""
        return self.node

    def ready(self) -> int:
        return self.pool.ready()

    def wait_ready(self, timeout: float) -> bool:
        return self.pool.wait_ready(timeout=timeout)

    def reset(self, key: str, seed: int | None, options: dict[str, Any] | None,
              ready_only: bool) -> tuple[dict, dict] | None:
        """The episode's first observation, or None when ``ready_only`` and nothing is ready here."""
        with self._lock:
            env = self.envs.get(key) or self.envs.setdefault(key, self.pool.env())
        try:
            obs, info = env.reset(seed=seed, options={**(options or {}), "ready_only": ready_only})
        except NoneReady:
            return None
        return obs, {**info, "node": self.node}

    def step(self, key: str, action: Any) -> tuple[dict, float, bool, bool, dict]:
        env = self.envs.get(key)
        if env is None:
            raise InputError("step() needs an episode: call reset() first")
        obs, reward, terminated, truncated, info = env.step(action)
        return obs, reward, terminated, truncated, {**info, "node": self.node}

    def close_env(self, key: str) -> None:
        with self._lock:
            env = self.envs.pop(key, None)
        if env is not None:
            env.close()

    def close(self) -> None:
        with self._lock:
            envs, self.envs = list(self.envs.values()), {}
        for env in envs:
            env.close()
        self.pool.close()


class _Host:
    def __init__(self, actor: Any, node: str) -> None:
        self.actor, self.node = actor, node
        self.alive = True


class RayEnvPool:
    """``size`` environments kept ready across the cluster at ``address`` (None: the cluster this process
    is connected to, else a new local Ray instance); ``env_kwargs`` are ``SWEEnv``'s (dataset, split,
    instance ids, image and repository options). ``max_starts`` caps container starts per node."""

    READY_TTL = 0.5  # seconds a placement trusts the nodes' ready counts before asking again

    def __init__(self, size: int = 8, *, address: str | None = None, max_starts: int = 4,
                 run_id: str | None = None, **env_kwargs: Any) -> None:
        if size < 1:
            raise InputError("a pool holds at least one environment", field="size")
        ray = import_ray()
        self._started_ray = connect(address, local_slots=size)
        self.run_id = run_id or f"rl-ray-{secrets.token_hex(4)}"
        nodes = [n for n in ray.nodes() if n.get("Alive") and n.get("Resources", {}).get(SLOTS, 0) > 0]
        if not nodes:
            raise InfraError(f"no node of the Ray cluster offers {SLOTS}")
        RayBackend().prepare_run(self.run_id)  # every node: network, and what a crashed trainer left
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        slots = sum(n["Resources"][SLOTS] for n in nodes)
        remote = ray.remote(num_cpus=0, max_restarts=0)(EnvHost)
        self.hosts: list[_Host] = []
        first = 0
        for n in nodes:
            share = max(1, math.ceil(size * n["Resources"][SLOTS] / slots))
            actor = remote.options(
                scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False),
                max_concurrency=2 * share + 8).remote(share, max_starts, self.run_id, first, env_kwargs)
            self.hosts.append(_Host(actor, n["NodeID"]))
            first += share
        self._lock = threading.Lock()
        self._closed = False
        self._ready: dict[str, int] = {}  # ready containers per node, as last asked
        self._seen_at = -1e9
        self._inflight: dict[str, int] = {}  # resets placed on a node and not yet answered
        try:
            for host in self.hosts:  # the actors' constructors run by now: a bad dataset or id surfaces here
                host.node = ray.get(host.actor.where.remote())
        except BaseException:
            self.close()
            raise

    # -- what trainers use ------------------------------------------------------------------------------

    def env(self) -> RayEnv:
        return RayEnv(self)

    def wait_ready(self, timeout: float = 300.0) -> bool:
        calls = [(h, h.actor.wait_ready.remote(timeout)) for h in self.live()]
        return all(self._get(h, ref, timeout + 30, default=False) for h, ref in calls)

    def ready(self) -> dict[str, int]:
        """Ready containers per live node."""
        calls = [(h, h.actor.ready.remote()) for h in self.live()]
        return {h.node: self._get(h, ref, 60, default=0) for h, ref in calls}

    def reap(self) -> int:
        """Remove, on every live node, the run's containers whose starting process is gone (a lost
        node's actor, a crashed trainer); returns how many went."""
        return RayBackend().cleanup(self.run_id, only_orphans=True)

    def close(self) -> None:
        ray = import_ray()
        with self._lock:
            if self._closed:
                return
            self._closed = True
        calls = [(h, h.actor.close.remote()) for h in self.live()]
        for host, ref in calls:
            self._get(host, ref, 300, default=None)
            ray.kill(host.actor)
        try:
            RayBackend().cleanup(self.run_id)
        except InfraError as exc:
            log.warning("could not remove the pool's containers: %s", exc)
        if self._started_ray:
            ray.shutdown()

    # -- placement and node loss ------------------------------------------------------------------------

    def live(self) -> list[_Host]:
        return [h for h in self.hosts if h.alive]

    def claim(self) -> list[_Host]:
        """Live hosts in the order a reset should try them: the most containers ready and not yet claimed
        by resets in flight first. The first is claimed (``release`` gives it back): 64 resets at once
        spread over the nodes instead of all landing on the one that looked fullest. The counts are a
        guess (a node's pool refills on its own); a reset that finds nothing ready tries the next node."""
        now = time.monotonic()
        with self._lock:
            stale = now - self._seen_at > self.READY_TTL
        if stale:
            ready = self.ready()
            with self._lock:
                self._ready, self._seen_at = ready, time.monotonic()
        with self._lock:
            order = sorted(self.live(), key=lambda h: -(self._ready.get(h.node, 0) - self._inflight.get(h.node, 0)))
            if order:
                self._inflight[order[0].node] = self._inflight.get(order[0].node, 0) + 1
            return order

    def release(self, host: _Host) -> None:
        """A claimed reset was answered: the container it took is no longer ready there."""
        with self._lock:
            self._inflight[host.node] = max(0, self._inflight.get(host.node, 0) - 1)
            self._ready[host.node] = max(0, self._ready.get(host.node, 0) - 1)

    def lost(self, host: _Host, why: Exception) -> None:
        with self._lock:
            if not host.alive:
                return
            host.alive = False
        log.warning("node %s of the environment pool was lost: %s", host.node[:12], why)
        threading.Thread(target=self._reap_after_loss, name="swerun-pool-reap", daemon=True).start()

    def _reap_after_loss(self, rounds: int = 15, period: float = 2.0) -> None:
        """The dead actor's processes may take a moment to exit; until they have, its containers are not
        yet orphans. Reap a few times."""
        stop = threading.Event()
        for _ in range(rounds):
            if self._closed or stop.wait(period):
                return
            try:
                self.reap()
            except InfraError as exc:
                log.warning("reaping after a node loss failed: %s", exc)

    def _get(self, host: _Host, ref: Any, timeout: float, default: Any) -> Any:
        ray = import_ray()
        try:
            return ray.get(ref, timeout=timeout)
        except ray.exceptions.RayActorError as exc:
            self.lost(host, exc)
            return default
        except ray.exceptions.GetTimeoutError:
            return default


def _node_lost_step(why: str) -> tuple[dict, float, bool, bool, dict]:
    return {"messages": []}, 0.0, True, False, {
        "exit": "node_lost", "outcome": Outcome.INFRA_ERROR.value, "resolved": False, "infra_error": why,
        "tests_status": None, "fail_to_pass_fraction": 0.0, "patch": None}


class RayEnv(gymnasium.Env):
    """One environment of a ``RayEnvPool``: ``SWEEnv``'s protocol, each episode on one node."""

    metadata = {"render_modes": []}

    def __init__(self, pool: RayEnvPool) -> None:
        self.pool = pool
        self.key = secrets.token_hex(8)
        self.host: _Host | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[dict, dict]:
        super().reset(seed=seed)
        ray = import_ray()
        self._release(ray)
        order = self.pool.claim()
        # a ready container on any node first (one round trip each), then a start on the best node
        tries = [(host, True) for host in order] + [(host, False) for host in order]
        for k, (host, ready_only) in enumerate(tries):
            if not host.alive:
                continue
            try:
                got = ray.get(host.actor.reset.remote(self.key, seed, options, ready_only))
            except ray.exceptions.RayActorError as exc:
                self.pool.lost(host, exc)
                continue
            finally:
                if k == 0:
                    self.pool.release(host)
            if got is not None:
                self.host = host
                return got
        raise InfraError("no live node of the Ray cluster could start an environment")

    def step(self, action: dict[str, Any] | str) -> tuple[dict, float, bool, bool, dict]:
        ray = import_ray()
        host = self.host
        if host is None:
            raise InputError("step() needs an episode: call reset() first")
        try:
            return ray.get(host.actor.step.remote(self.key, action))
        except ray.exceptions.RayActorError as exc:
            self.host = None
            self.pool.lost(host, exc)
            return _node_lost_step(f"the node running this environment was lost ({host.node[:12]})")

    def close(self) -> None:
        self._release(import_ray())

    async def areset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[dict, dict]:
        return await asyncio.to_thread(self.reset, seed=seed, options=options)

    async def astep(self, action: dict[str, Any] | str) -> tuple[dict, float, bool, bool, dict]:
        return await asyncio.to_thread(self.step, action)

    async def aclose(self) -> None:
        await asyncio.to_thread(self.close)

    def _release(self, ray: Any) -> None:
        host, self.host = self.host, None
        if host is not None and host.alive:
            try:
                ray.get(host.actor.close_env.remote(self.key), timeout=120)
            except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError):
                pass
