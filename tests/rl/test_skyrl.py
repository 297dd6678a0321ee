"""The SkyRL-Gym adapter with the real skyrl-gym package: made by id as a SkyRL trainer makes it, driven
with raw policy text, rewarded by the fresh-container verdict."""

from __future__ import annotations

import pytest
import skyrl_gym

import swebench_runner.rl.skyrl  # noqa: F401  (registers swerun-swebench)

pytestmark = pytest.mark.docker

FIX = ("<tool_call>\n<function=str_replace_editor>\n<parameter=command>\nstr_replace\n</parameter>\n"
       "<parameter=path>\n/testbed/textkit/truncate.py\n</parameter>\n<parameter=old_str>\n    if len(text) < width:\n"
       "</parameter>\n<parameter=new_str>\n    if len(text) <= width:\n</parameter>\n</function>\n</tool_call>")
SUBMIT = "Done.\n<tool_call>\n<function=submit>\n</function>\n</tool_call>"


def test_a_skyrl_trainer_gets_the_verdict_as_reward(docker_engine):
    env = skyrl_gym.make("swerun-swebench", env_config={"split": "mini"},
                         extras={"instance_id": "swerun-mini__textkit-2", "max_turns": 5})
    try:
        prompt, meta = env.init([{"role": "user", "content": "ignored: the environment states the task"}])
        assert prompt[0]["role"] == "system" and "truncate" in prompt[1]["content"]
        assert meta["instance_id"] == "swerun-mini__textkit-2"
        out = env.step(FIX)
        assert not out["done"] and out["reward"] == 0.0 and out["observations"][0]["role"] == "user"
        out = env.step(SUBMIT)
        assert out["done"] and out["reward"] == 1.0 and out["metadata"]["outcome"] == "resolved"
        assert env.get_metrics() == {"resolved": 1.0, "fail_to_pass_fraction": 1.0, "infra_error": 0.0}
    finally:
        env.close()
