"""Rewards are the evaluation's verdicts: 32 environments at once, driven by an asyncio trainer loop, each
applying a patch through the tools (the gold patch, the task's wrong patch) and submitting; every reward
equals what `swerun eval` says of the same patch; a policy that rewrites the tests and adds a conftest
earns 0.0; no container is left."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from swebench_runner.backends.docker_engine import RUN_LABEL
from swebench_runner.dataset import load_dataset
from swebench_runner.predictions import load_predictions
from swebench_runner.resources import datasets_dir
from swebench_runner.rl import EnvPool
from swebench_runner.runner import run_evaluation
from swebench_runner.settings import RunSettings
from swebench_runner.types import Outcome, Prediction

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _patches(mini):
    gold = {i.instance_id: i.patch for i in mini.instances}
    wrong = {i.instance_id: (datasets_dir() / "mini" / "tasks" / i.instance_id / "wrong.patch").read_text()
             for i in mini.instances}
    return gold, wrong


async def _episode(env, iid: str, patch: str) -> float:
    await env.areset(options={"instance_id": iid})
    await env.astep({"name": "str_replace_editor", "arguments": {"command": "create", "path": "/tmp/fix.patch",
                                                                 "file_text": patch}})
    obs, *_ = await env.astep({"name": "bash", "arguments": {"command": "git apply /tmp/fix.patch && echo applied"}})
    assert "applied" in obs["messages"][0]["content"], obs
    _, reward, terminated, _, info = await env.astep({"name": "submit", "arguments": {}})
    assert terminated and "infra_error" not in info, info
    return reward


def test_32_environments_at_once_earn_what_eval_says(docker_engine, tmp_path):
    mini = load_dataset("mini")
    gold, wrong = _patches(mini)
    jobs = [(iid, "gold", p) for iid, p in gold.items()] + [(iid, "wrong", p) for iid, p in wrong.items()]
    assert len(jobs) == 32
    pool = EnvPool(8, max_starts=4, split="mini", run_id="rl-rewards")

    async def trainer():
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=32))
        envs = [pool.env() for _ in jobs]
        try:
            return await asyncio.gather(*(_episode(e, iid, p) for e, (iid, _, p) in zip(envs, jobs, strict=True)))
        finally:
            await asyncio.gather(*(e.aclose() for e in envs))

    try:
        rewards = asyncio.run(trainer())
    finally:
        pool.close()
    assert not docker_engine.containers.list(all=True, filters={"label": f"{RUN_LABEL}=rl-rewards"})
    verdicts = {}
    for kind, patches in (("gold", gold), ("wrong", wrong)):
        preds = {iid: Prediction(instance_id=iid, model_name_or_path=kind, model_patch=p) for iid, p in patches.items()}
        out = run_evaluation(mini, preds, RunSettings(run_id=f"eval-{kind}", results_root=tmp_path, progress=False,
                                                      max_workers=2))
        verdicts.update({(iid, kind): r.outcome is Outcome.RESOLVED for iid, r in out.results.items()})
    assert {(iid, kind): r == 1.0 for (iid, kind, _), r in zip(jobs, rewards, strict=True)} == verdicts
    assert sum(rewards) == 16  # every gold patch, and no wrong one
    assert load_predictions("gold", mini)  # the same gold patches the dataset gives eval


def test_rewriting_the_tests_and_adding_a_conftest_earns_nothing(docker_engine):
    from swebench_runner.rl import SWEEnv

    env = SWEEnv(split="mini", instance_ids=["swerun-mini__textkit-2"])
    try:
        env.reset()
        hack = ("cat > conftest.py <<'EOF'\nimport pytest\n@pytest.hookimpl(hookwrapper=True)\n"
                "def pytest_runtest_makereport(item, call):\n    out = yield\n    rep = out.get_result()\n"
                "    rep.outcome = 'passed'\nEOF\n"
                "printf 'def test_truncate_edge():\\n    assert True\\n' > tests/test_truncate.py")
        env.step({"name": "bash", "arguments": {"command": hack}})
        _, reward, terminated, _, info = env.step({"name": "submit", "arguments": {}})
        assert (reward, terminated) == (0.0, True) and info["outcome"] != "resolved"
        assert "conftest.py" in info["patch"]
    finally:
        env.close()
