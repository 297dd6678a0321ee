"""RL reset latency, side by side in one run: a bare ``docker run`` of the instance image, a cold
``SWEEnv.reset`` (starts its container) and a reset from a warm ``EnvPool``, at 1, 8, 32 and 64
environments resetting at once; with ``--ray``, also a reset from a warm ``RayEnvPool`` across a local
multi-node cluster (a head without docker slots, two worker raylets). Prints p50/p99 per kind and the
ratios the targets are stated in (cold within 10% of bare; pool under 0.2 s at 64).

    python benchmarks/rl_reset.py [--concurrency 1,8,32,64] [--ray]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from swebench_runner.backends.docker_engine import client, ensure_network  # noqa: E402
from swebench_runner.rl import EnvPool, RayEnvPool, SWEEnv  # noqa: E402

IID = "swerun-mini__textkit-2"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def at_once(n: int, fn) -> list[float]:
    def timed(_: int) -> float:
        t0 = time.monotonic()
        fn()
        return time.monotonic() - t0

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(timed, range(n)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--concurrency", default="1,8,32,64")
    ap.add_argument("--ray", action="store_true", help="also reset from a RayEnvPool on a local cluster")
    args = ap.parse_args()
    levels = [int(x) for x in args.concurrency.split(",")]
    cluster = local_cluster(max(levels)) if args.ray else None
    probe = SWEEnv(split="mini", instance_ids=[IID], run_id="bench-rl-cold")
    probe.reset()  # builds or reuses the image, prepares the run
    image = probe._episode.image.tag
    probe.close()
    net = ensure_network()
    rows = []
    for n in levels:
        started = []

        def bare(started: list = started) -> None:
            started.append(client().containers.run(image, ["sleep", "infinity"], init=True, detach=True, network=net,
                                                   labels={"swerun.run": "bench-rl-bare"}))

        t_bare = at_once(n, bare)
        for c in started:
            c.remove(force=True)
        envs = [SWEEnv(split="mini", instance_ids=[IID], run_id="bench-rl-cold") for _ in range(n)]
        it = iter(envs)
        t_cold = at_once(n, lambda it=it: next(it).reset())
        for e in envs:
            e.close()
        pool = EnvPool(n, max_starts=8, split="mini", instance_ids=[IID], run_id="bench-rl-pool")
        pool.wait_ready(timeout=900)
        penvs = [pool.env() for _ in range(n)]
        pit = iter(penvs)
        t_pool = at_once(n, lambda pit=pit: next(pit).reset(options={"instance_id": IID}))
        for e in penvs:
            e.close()
        pool.close()
        ray_col = ""
        if cluster is not None:
            rpool = RayEnvPool(n, address=cluster.address, split="mini", instance_ids=[IID], run_id="bench-rl-ray")
            rpool.wait_ready(timeout=900)
            renvs = [rpool.env() for _ in range(n)]
            rit = iter(renvs)
            t_ray = at_once(n, lambda rit=rit: next(rit).reset(options={"instance_id": IID}))
            rpool.close()
            ray_col = f" | ray pool reset p50 {statistics.median(t_ray) * 1000:6.1f}ms p99 {pct(t_ray, .99) * 1000:6.1f}ms"
        rows.append((n, t_bare, t_cold, t_pool))
        print(f"{n:>3} at once  bare docker run p50 {statistics.median(t_bare):6.2f}s p99 {pct(t_bare, .99):6.2f}s | "
              f"cold reset p50 {statistics.median(t_cold):6.2f}s p99 {pct(t_cold, .99):6.2f}s "
              f"(x{statistics.median(t_cold) / statistics.median(t_bare):.2f} of bare) | pool reset p50 "
              f"{statistics.median(t_pool) * 1000:6.1f}ms p99 {pct(t_pool, .99) * 1000:6.1f}ms{ray_col}", flush=True)
    if cluster is not None:
        import ray

        ray.shutdown()
        cluster.shutdown()


def local_cluster(slots: int):
    """A head without docker slots and two worker raylets that together hold ``slots`` containers."""
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "resources": {"docker_slots": 0},
                                                            "include_dashboard": False})
    for _ in range(2):
        cluster.add_node(num_cpus=1, resources={"docker_slots": max(1, (slots + 1) // 2)})
    cluster.wait_for_nodes()
    return cluster


if __name__ == "__main__":
    main()
