"""Episodes of a whole agent against the policy's OpenAI-compatible server (a real one on 127.0.0.1):
the trajectory comes back with its tool calls and token usage, and the reward is the verdict."""

from __future__ import annotations

import pytest

from swebench_runner.rl import run_episode

from ..agent.fake_openai import FakeOpenAIServer, tool

pytestmark = pytest.mark.docker

T2 = "swerun-mini__textkit-2"


def test_swerun_loop_episode_earns_the_verdict(docker_engine):
    fix = [tool("str_replace_editor", command="str_replace", path="/testbed/textkit/truncate.py",
                old_str="    if len(text) < width:", new_str="    if len(text) <= width:"), tool("submit")]
    with FakeOpenAIServer(lambda req: fix[min(sum(m["role"] == "assistant" for m in req.messages), 1)],
                          model="policy") as srv:
        out = run_episode(T2, "swerun", srv.url)
    assert out.reward == 1.0 and out.info["outcome"] == "resolved"
    assert out.trajectory["exit_status"] == "submitted" and out.trajectory["totals"]["steps"] == 2
    assert out.trajectory["steps"][0]["tools"][0]["name"] == "str_replace_editor"
    assert out.info["usage"]["prompt_tokens"] > 0


def test_an_episode_without_a_fix_earns_nothing(docker_engine):
    with FakeOpenAIServer([tool("submit")], model="policy") as srv:
        out = run_episode(T2, "swerun", srv.url)
    assert (out.reward, out.info["outcome"]) == (0.0, "empty_patch")
