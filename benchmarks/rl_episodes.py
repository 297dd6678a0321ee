"""RL episodes end to end, side by side in one run: the environment pool on this machine's engine and
the pool across a local multi-node Ray cluster (a head without docker slots and two worker raylets),
driven by the same asyncio trainer with the gold-applying policy on every ``mini`` instance.

Per pool it prints episodes per hour, reset and step latency p50/p99 (a ``true`` bash step: the cost of
a step outside the command), reward latency (the submit step: patch taken, graded in a fresh
container) against the test command's own time inside that container, and the memory of an idle
episode container.

    python benchmarks/rl_episodes.py [--episodes 32] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from swebench_runner.backends.docker_engine import RUN_LABEL, client  # noqa: E402
from swebench_runner.dataset import load_dataset  # noqa: E402
from swebench_runner.rl import EnvPool, RayEnvPool  # noqa: E402


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def idle_memory_mb(run_id: str) -> float:
    """Mean memory of the run's idle pool containers, as the engine's cgroup accounting reports it."""
    conts = client().containers.list(filters={"label": [f"{RUN_LABEL}={run_id}", "swerun.role=rl-pool"]})
    usage = [c.stats(stream=False)["memory_stats"].get("usage", 0) / 2**20 for c in conts[:8]]
    return statistics.mean(usage) if usage else float("nan")


async def episode(env, gold: dict[str, str], t: dict[str, list[float]]) -> float:
    """One episode of whatever instance the pool hands over (a trainer sampling tasks lets it choose)."""
    t0 = time.monotonic()
    _, first = await env.areset()
    t["reset"].append(time.monotonic() - t0)
    patch = gold[first["instance_id"]]
    t0 = time.monotonic()
    await env.astep({"name": "bash", "arguments": {"command": "true"}})
    t["step"].append(time.monotonic() - t0)
    await env.astep({"name": "str_replace_editor", "arguments": {"command": "create", "path": "/tmp/gold.diff",
                                                                 "file_text": patch}})
    await env.astep({"name": "bash", "arguments": {"command": "git apply /tmp/gold.diff"}})
    t0 = time.monotonic()
    _, reward, _, _, info = await env.astep({"name": "submit", "arguments": {}})
    t["reward"].append(time.monotonic() - t0)
    if info.get("test_seconds") is not None:
        t["tests"].append(info["test_seconds"])
    return reward


def drive(pool, instances, episodes: int, concurrency: int) -> tuple[float, dict[str, list[float]], list[float]]:
    t: dict[str, list[float]] = {"reset": [], "step": [], "reward": [], "tests": []}

    async def trainer() -> list[float]:
        envs = [pool.env() for _ in range(concurrency)]
        gold = {i.instance_id: i.patch for i in instances}
        todo = list(range(episodes))
        rewards: list[float] = []

        async def worker(env) -> None:
            while todo:
                todo.pop()
                rewards.append(await episode(env, gold, t))
            await env.aclose()

        await asyncio.gather(*(worker(e) for e in envs))
        return rewards

    t0 = time.monotonic()
    rewards = asyncio.run(trainer())
    return time.monotonic() - t0, t, rewards


def report(name: str, wall: float, t: dict[str, list[float]], rewards: list[float], mem: float) -> None:
    ms = lambda xs, q: pct(xs, q) * 1000  # noqa: E731
    print(f"{name:<6} {len(rewards)} episodes, reward {sum(rewards):.0f}/{len(rewards)}, {wall:6.1f}s: "
          f"{len(rewards) / wall * 3600:6.0f} episodes/hour | reset p50 {ms(t['reset'], .5):6.1f}ms "
          f"p99 {ms(t['reset'], .99):6.1f}ms | step p50 {ms(t['step'], .5):5.1f}ms p99 {ms(t['step'], .99):5.1f}ms | "
          f"reward p50 {statistics.median(t['reward']):5.2f}s vs tests {statistics.median(t['tests']):5.2f}s "
          f"(+{statistics.median(t['reward']) - statistics.median(t['tests']):.2f}s) | idle container {mem:5.1f} MB",
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=32)
    ap.add_argument("--concurrency", type=int, default=4)
    args = ap.parse_args()
    instances = load_dataset("mini").instances
    ids = [i.instance_id for i in instances]

    size = 2 * args.concurrency  # a ready container for every environment while the last one is graded
    pool = EnvPool(size, split="mini", instance_ids=ids, run_id="bench-rl-local")
    pool.wait_ready(timeout=900)
    mem = idle_memory_mb("bench-rl-local")
    wall, t, rewards = drive(pool, instances, args.episodes, args.concurrency)
    pool.close()
    report("local", wall, t, rewards, mem)

    import ray
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "resources": {"docker_slots": 0},
                                                            "include_dashboard": False})
    for _ in range(2):
        cluster.add_node(num_cpus=1, resources={"docker_slots": args.concurrency})
    cluster.wait_for_nodes()
    try:
        rpool = RayEnvPool(size, address=cluster.address, split="mini", instance_ids=ids,
                           run_id="bench-rl-ray")
        rpool.wait_ready(timeout=900)
        mem = idle_memory_mb("bench-rl-ray")
        wall, t, rewards = drive(rpool, instances, args.episodes, args.concurrency)
        rpool.close()
        report("ray", wall, t, rewards, mem)
    finally:
        ray.shutdown()
        cluster.shutdown()


if __name__ == "__main__":
    main()
