"""Quirks of real model servers, each against a real chat-completions server on 127.0.0.1: a model name
the server does not serve is refused at start naming the served one; a refused tool_choice is dropped;
a stream without usage is counted locally and marked estimated; a context-length refusal is answered
by trimming the history, not by ending the run."""

from __future__ import annotations

import json

from pydantic import SecretStr

from swebench_runner.agent.loop import AgentLimits, ToolLoop
from swebench_runner.agent.tools import TOOLS, ToolBox
from swebench_runner.agent.trajectory import ExitStatus, Trajectory
from swebench_runner.backends.fake import FakeSandbox
from swebench_runner.dataset import load_dataset
from swebench_runner.model import Message, ModelSettings, OpenAIClient

from ..helpers import swerun
from .fake_openai import FakeOpenAIServer, Reply, tool

HISTORY = [Message(role="system", content="s"), Message(role="user", content="fix it")]


def _settings(srv, **kw) -> ModelSettings:
    return ModelSettings(model="fake-model", label="fake-model", base_url=srv.url, api_key=SecretStr("sk-quirks"),
                         retry_base_delay=0.01, **kw)


def test_a_model_the_server_does_not_serve_is_refused_at_start(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    with FakeOpenAIServer([], model="qwen2.5-coder-7b-instruct") as srv:
        res = swerun("--model", "openai:qwen-coder", "--base-url", srv.url, "--split", "mini", "--run-id", "wrongname",
                     cwd=tmp_path)
        assert srv.requests == []  # no completion was asked
    assert res.returncode == 2, res.stderr
    assert "does not serve 'qwen-coder'" in res.stderr and "qwen2.5-coder-7b-instruct" in res.stderr
    assert not (tmp_path / "results" / "wrongname").exists()


def test_a_refused_tool_choice_is_dropped_and_not_sent_again():
    def script(req):
        if "tool_choice" in req.body:
            return Reply(status=400, raw_body=json.dumps({"error": {"message": "tool_choice 'required' is not "
                                                                               "supported by this server"}}))
        return tool("submit")

    with FakeOpenAIServer(script) as srv:
        client = OpenAIClient(_settings(srv, tool_choice="required"))
        first = client.complete(HISTORY, TOOLS)
        second = client.complete(HISTORY, TOOLS)
    assert first.message.tool_calls[0].name == second.message.tool_calls[0].name == "submit"
    assert ["tool_choice" in r.body for r in srv.requests] == [True, False, False]
    assert first.attempts == 1


def test_a_stream_without_usage_is_counted_locally_and_marked_estimated():
    chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "fake-model",
             "choices": [{"index": 0, "delta": {"role": "assistant", "content": "thinking about it"},
                          "finish_reason": "stop"}]}
    sse = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n"
    with FakeOpenAIServer([Reply(raw_body=sse, headers={"Content-Type": "text/event-stream"})]) as srv:
        reply = OpenAIClient(_settings(srv, stream=True, input_cost_per_mtok=1.0)).complete(HISTORY, TOOLS)
    assert reply.message.content == "thinking about it"
    assert reply.usage.estimated and reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    assert reply.cost > 0


def test_a_context_length_refusal_trims_the_history_and_goes_on():
    too_long = Reply(status=400, raw_body=json.dumps({"error": {"message": "This model's maximum context length is "
                                                                           "8192 tokens. However, you requested 9000"}}))
    def script(req):
        if len(req.text()) > 15000:  # the server's own limit, lower than the context the client was told
            return too_long
        n = sum(1 for m in req.messages if m["role"] == "assistant")
        return tool("bash", command=f"cat part{n}.log") if n < 6 else tool("submit")

    textkit2 = load_dataset("mini").by_id()["swerun-mini__textkit-2"]
    with FakeOpenAIServer(script) as srv:
        box = FakeSandbox(commands=lambda cmd: (0, "log line\n" * 550))  # 5,000 characters a step
        traj = Trajectory(instance_id=textkit2.instance_id, model_name_or_path="fake-model", agent="swerun")
        limits = AgentLimits(output_limit=50000)
        ToolLoop(OpenAIClient(_settings(srv, context_length=6000, max_tokens=100)), ToolBox(box, output_limit=50000),
                 limits).run(textkit2, traj)
    assert traj.exit_status is ExitStatus.SUBMITTED, traj.exit_reason
    assert sum(s.context_trims for s in traj.steps) >= 1
    assert any("elided" in (m.get("content") or "") for m in srv.requests[-1].messages)
