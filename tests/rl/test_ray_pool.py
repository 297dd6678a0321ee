"""The environment pool across a real Ray cluster on this machine (a head without docker slots and
worker raylets with their own): episodes on every node earn what eval says, and a worker node killed
under running episodes masks only those episodes, later resets go to the nodes left, and no container
of the pool outlives it."""

from __future__ import annotations

import asyncio
import time

import pytest

from swebench_runner.backends.docker_engine import OWNER_LABEL, RUN_LABEL, _owner_alive
from swebench_runner.dataset import load_dataset
from swebench_runner.rl import RayEnvPool

pytestmark = [pytest.mark.docker, pytest.mark.slow]

T2, E1 = "swerun-mini__textkit-2", "swerun-mini__envfile-1"


def _containers(engine, run_id):
    return engine.containers.list(all=True, filters={"label": f"{RUN_LABEL}={run_id}"})


def _bash(command):
    return {"name": "bash", "arguments": {"command": command}}


async def _solve(env, iid, patch):
    _, info = await env.areset(options={"instance_id": iid})
    if patch:
        await env.astep({"name": "str_replace_editor", "arguments": {"command": "create", "path": "/tmp/p.diff",
                                                                     "file_text": patch}})
        await env.astep(_bash("git apply /tmp/p.diff"))
    _, reward, terminated, _, out = await env.astep({"name": "submit", "arguments": {}})
    assert terminated and "infra_error" not in out, out
    return info["node"], reward


def test_episodes_on_every_node_earn_what_eval_says(docker_engine, ray_cluster):
    cluster, workers = ray_cluster
    gold = load_dataset("mini").by_id()[T2].patch
    pool = RayEnvPool(4, address=cluster.address, split="mini", instance_ids=[T2, E1], run_id="rl-ray-pool")
    try:
        assert pool.wait_ready(timeout=300)
        assert sum(pool.ready().values()) == 4 and len(pool.ready()) == 2  # two per worker, none on the head

        async def trainer():
            envs = [pool.env() for _ in range(4)]
            jobs = [_solve(e, T2, gold if k % 2 == 0 else "") for k, e in enumerate(envs)]
            out = await asyncio.gather(*jobs)
            await asyncio.gather(*(e.aclose() for e in envs))
            return out

        out = asyncio.run(trainer())
        assert [r for _, r in out] == [1.0, 0.0, 1.0, 0.0]
        assert len({node for node, _ in out}) == 2  # the episodes ran on both worker nodes
    finally:
        pool.close()
    assert _containers(docker_engine, "rl-ray-pool") == []


def test_a_lost_node_masks_its_episodes_and_leaves_no_container(docker_engine, ray_cluster):
    cluster, _ = ray_cluster
    victim = cluster.add_node(num_cpus=1, resources={"docker_slots": 2})
    cluster.wait_for_nodes()
    run_id = "rl-ray-node-loss"
    pool = RayEnvPool(6, address=cluster.address, split="mini", instance_ids=[T2], run_id=run_id)
    try:
        assert pool.wait_ready(timeout=300)
        envs = [pool.env() for _ in range(6)]
        nodes = [env.reset(options={"instance_id": T2})[1]["node"] for env in envs]
        assert nodes.count(victim.node_id) == 2, nodes  # the pool spread its ready containers by slots
        for env in envs:
            obs, *_ = env.step(_bash("echo before > /tmp/mark && cat /tmp/mark"))
            assert obs["messages"][0]["content"].strip() == "before"

        cluster.remove_node(victim, allow_graceful=False)
        for env, node in zip(envs, nodes, strict=True):
            obs, reward, terminated, truncated, info = env.step(_bash("cat /tmp/mark"))
            if node != victim.node_id:
                assert obs["messages"][0]["content"].strip() == "before" and not terminated
                continue
            deadline = time.monotonic() + 60  # the actor's process outlives its raylet by a moment
            while not terminated:
                assert time.monotonic() < deadline, "the lost node's episode kept answering"
                time.sleep(0.5)
                obs, reward, terminated, truncated, info = env.step(_bash("cat /tmp/mark"))
            # masked, not a 0 to learn from
            assert (reward, info["exit"]) == (0.0, "node_lost") and info["infra_error"], info
        again = [env.reset(options={"instance_id": T2})[1]["node"] for env, n in zip(envs, nodes, strict=True)
                 if n == victim.node_id]
        assert len(again) == 2 and victim.node_id not in again  # the next resets went to the nodes left

        deadline = time.monotonic() + 90  # the dead actor's containers are reaped by the nodes left
        while [c for c in _containers(docker_engine, run_id) if not _owner_alive(c.labels.get(OWNER_LABEL))]:
            assert time.monotonic() < deadline, "the lost node's containers were not reaped"
            time.sleep(1)
    finally:
        pool.close()
    assert _containers(docker_engine, run_id) == []
