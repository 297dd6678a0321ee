"""SWEEnv on real containers: a fix earns 1.0 from a fresh-container verdict, no fix 0.0, text actions are
parsed like the agent's, the container is gone after close; an infrastructure failure is flagged, not
scored (in-memory backend)."""

from __future__ import annotations

import asyncio

import pytest

from swebench_runner.backends.docker_engine import RUN_LABEL
from swebench_runner.backends.fake import FakeBackend
from swebench_runner.errors import InputError
from swebench_runner.rl import SWEEnv

T2 = "swerun-mini__textkit-2"
FIX = {"name": "str_replace_editor", "arguments": {"command": "str_replace", "path": "/testbed/textkit/truncate.py",
                                                   "old_str": "    if len(text) < width:",
                                                   "new_str": "    if len(text) <= width:"}}


@pytest.fixture()
def env(docker_engine):
    e = SWEEnv(split="mini", instance_ids=[T2, "swerun-mini__textkit-1"])
    yield e
    e.close()


@pytest.mark.docker
def test_a_fix_earns_one_from_a_fresh_container(env, docker_engine):
    obs, info = env.reset(options={"instance_id": T2})
    assert info["instance_id"] == T2 and info["image_id"].startswith("sha256:") and info["reset_seconds"] > 0
    assert [m["role"] for m in obs["messages"]] == ["system", "user"]
    assert "truncate" in obs["messages"][1]["content"] and {t["function"]["name"] for t in obs["tools"]} == {
        "bash", "str_replace_editor", "submit"}
    obs, reward, term, trunc, info = env.step({"name": "bash", "arguments": {"command": "grep -n 'len(text) < width' "
                                                                             "textkit/truncate.py"}})
    assert obs["messages"][0]["content"].startswith("28:") and (reward, term, trunc) == (0.0, False, False)
    text = ("I will fix it.\n<tool_call>\n<function=str_replace_editor>\n<parameter=command>\nstr_replace\n"
            "</parameter>\n<parameter=path>\n/testbed/textkit/truncate.py\n</parameter>\n<parameter=old_str>\n"
            "    if len(text) < width:\n</parameter>\n<parameter=new_str>\n    if len(text) <= width:\n"
            "</parameter>\n</function>\n</tool_call>")
    obs, reward, term, trunc, info = env.step(text)  # raw assistant text, Qwen3-Coder XML
    assert "has been edited" in obs["messages"][0]["content"] or "edited" in obs["messages"][0]["content"]
    obs, reward, term, trunc, info = env.step({"name": "submit", "arguments": {}})
    assert (reward, term, trunc) == (1.0, True, False)
    assert info["outcome"] == "resolved" and info["fail_to_pass_fraction"] == 1.0 and "infra_error" not in info
    assert "+    if len(text) <= width:" in info["patch"]
    assert set(info["tests_status"]["FAIL_TO_PASS"]["success"]) == set(env.dataset.by_id()[T2].FAIL_TO_PASS)
    with pytest.raises(InputError):
        env.step({"name": "submit"})
    env.close()
    assert not docker_engine.containers.list(all=True, filters={"label": f"{RUN_LABEL}={env.settings.run_id}"})


@pytest.mark.docker
def test_no_fix_earns_zero_and_the_step_limit_truncates(docker_engine):
    from swebench_runner.rl import EpisodeLimits

    env = SWEEnv(split="mini", instance_ids=[T2], limits=EpisodeLimits(max_steps=2))
    try:
        env.reset()
        _, reward, term, trunc, info = env.step("no tool call here")
        assert info["format_error"] and (reward, term, trunc) == (0.0, False, False)
        _, reward, term, trunc, info = env.step({"name": "bash", "arguments": {"command": "true"}})
        assert (reward, term, trunc) == (0.0, False, True) and info["exit"] == "step_limit"
        assert info["outcome"] == "empty_patch" and info["fail_to_pass_fraction"] == 0.0
        obs, info = asyncio.run(env.areset(options={"instance_id": T2}))  # the asyncio API, a second episode
        _, reward, term, _, info = asyncio.run(env.astep(FIX))
        _, reward, term, _, info = asyncio.run(env.astep({"name": "submit", "arguments": {}}))
        assert (reward, term, info["outcome"]) == (1.0, True, "resolved")
    finally:
        asyncio.run(env.aclose())
    assert not docker_engine.containers.list(all=True, filters={"label": f"{RUN_LABEL}={env.settings.run_id}"})


def test_an_infrastructure_failure_is_flagged_not_scored():
    """The in-memory backend answers the grading script with nothing: no verdict, so no reward to learn from."""
    files = {"/testbed/textkit/truncate.py": "def truncate(text, width):\n    if len(text) < width:\n"}
    env = SWEEnv(split="mini", instance_ids=[T2], backend=FakeBackend(sandbox_files=lambda image: files), retries=0)
    env.reset()
    _, reward, term, _, info = env.step(FIX)
    assert reward == 0.0 and not term
    _, reward, term, _, info = env.step({"name": "submit", "arguments": {}})
    assert (reward, term) == (0.0, True) and info["outcome"] == "infra_error" and info["infra_error"]
    env.close()
    with pytest.raises(InputError, match="no instance 'nope'"):
        env.reset(options={"instance_id": "nope"})


@pytest.mark.docker
def test_environments_sharing_a_run_id_leave_each_others_containers_alone(docker_engine):
    """The second environment's first reset reaps orphans of the run: never the first one's container;
    closing one removes only its own."""
    a = SWEEnv(split="mini", instance_ids=[T2], run_id="rl-shared")
    b = SWEEnv(split="mini", instance_ids=[T2], run_id="rl-shared")
    try:
        a.reset()
        b.reset()
        obs, *_ = a.step({"name": "bash", "arguments": {"command": "echo alive"}})
        assert obs["messages"][0]["content"].strip() == "alive"
        b.close()
        obs, *_ = a.step({"name": "bash", "arguments": {"command": "echo still"}})
        assert obs["messages"][0]["content"].strip() == "still"
    finally:
        a.close()
        b.close()
    assert not docker_engine.containers.list(all=True, filters={"label": f"{RUN_LABEL}=rl-shared"})
