"""EnvPool on real containers: resets take containers started ahead, every container is gone after
close(), and a pool made after a trainer was killed removes what the dead process left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from swebench_runner.backends.docker_engine import OWNER_LABEL, RUN_LABEL
from swebench_runner.rl import EnvPool

pytestmark = pytest.mark.docker

IDS = ["swerun-mini__textkit-2", "swerun-mini__envfile-1"]


def _containers(engine, run_id):
    return engine.containers.list(all=True, filters={"label": f"{RUN_LABEL}={run_id}"})


def test_resets_take_containers_started_ahead_and_close_removes_them_all(docker_engine):
    pool = EnvPool(4, split="mini", instance_ids=IDS, run_id="rl-pool-test")
    try:
        assert pool.wait_ready(timeout=300) and pool.ready() == 4
        env = pool.env()
        before = {c.id for c in _containers(docker_engine, "rl-pool-test")}
        obs, info = env.reset(options={"instance_id": IDS[0]})
        assert info["from_pool"] and info["instance_id"] == IDS[0]
        assert {c.id for c in _containers(docker_engine, "rl-pool-test")} >= before  # handed over, not started
        _, reward, term, _, info = env.step({"name": "submit", "arguments": {}})
        assert (reward, term, info["outcome"]) == (0.0, True, "empty_patch")
        assert pool.wait_ready(timeout=300)  # refilled
        env.reset()  # any instance
        env.close()
    finally:
        pool.close()
    assert _containers(docker_engine, "rl-pool-test") == []


TRAINER = """
import time
from swebench_runner.rl import EnvPool
pool = EnvPool(2, split="mini", instance_ids=["swerun-mini__textkit-2"], run_id="rl-pool-crash")
pool.wait_ready(timeout=300)
print("READY", flush=True)
time.sleep(600)
"""


def test_a_killed_trainers_containers_are_reaped_by_the_next_pool(docker_engine, tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", TRAINER], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "READY"
        left = _containers(docker_engine, "rl-pool-crash")
        assert len([c for c in left if c.labels.get("swerun.role") == "rl-pool"]) == 2
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    dead = {c.labels.get(OWNER_LABEL) for c in _containers(docker_engine, "rl-pool-crash")}
    pool = EnvPool(1, split="mini", instance_ids=["swerun-mini__textkit-2"], run_id="rl-pool-crash")
    try:
        pool.wait_ready(timeout=300)
        owners = {c.labels.get(OWNER_LABEL) for c in _containers(docker_engine, "rl-pool-crash")}
        assert owners and not owners & dead  # the dead trainer's are gone, only the new pool's remain
    finally:
        pool.close()
    assert _containers(docker_engine, "rl-pool-crash") == []
    time.sleep(0)
