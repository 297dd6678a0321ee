"""The OpenAI-compatible client against a real HTTP server: tool calls, streaming, usage, cost, faults."""

import json
import logging

import pytest
from pydantic import SecretStr

from swebench_runner.agent.tools import TOOLS
from swebench_runner.model import Message, ModelAPIError, ModelSettings, OpenAIClient, ToolMode

from .conftest import SENTINEL_KEY
from .fake_openai import Reply, error, tool

HISTORY = [Message(role="system", content="sys"), Message(role="user", content="fix the bug")]


def client(srv, sleeps=None, **kw):
    settings = ModelSettings(
        model="fake-model",
        label="fake-model",
        base_url=srv.url,
        api_key=SecretStr(SENTINEL_KEY),
        input_cost_per_mtok=2.0,
        output_cost_per_mtok=10.0,
        retry_base_delay=0.01,
        **kw,
    )
    return OpenAIClient(settings, sleep=(sleeps.append if sleeps is not None else lambda s: None))


@pytest.mark.parametrize("stream", [False, True])
def test_native_tool_call_usage_and_cost(serve, stream):
    srv = serve([Reply(content="Looking.", tool_calls=[("bash", {"command": "ls -la"})], usage=(1000, 100))])
    reply = client(srv, stream=stream).complete(HISTORY, TOOLS)
    assert reply.message.content == "Looking."
    assert [(c.name, json.loads(c.arguments)) for c in reply.message.tool_calls] == [("bash", {"command": "ls -la"})]
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens, reply.usage.estimated) == (1000, 100, False)
    assert reply.cost == pytest.approx((1000 * 2.0 + 100 * 10.0) / 1e6)
    req = srv.requests[0]
    assert req.headers["authorization"] == f"Bearer {SENTINEL_KEY}"
    assert [t["function"]["name"] for t in req.body["tools"]] == ["bash", "str_replace_editor", "submit"]
    assert req.body.get("stream", False) is stream


def test_tool_results_go_back_with_their_call_ids(serve):
    srv = serve([tool("bash", command="ls"), Reply(content="done")])
    c = client(srv)
    first = c.complete(HISTORY, TOOLS).message
    history = [*HISTORY, first, Message(role="tool", content="a.py", tool_call_id=first.tool_calls[0].id)]
    c.complete(history, TOOLS)
    sent = srv.requests[1].body["messages"]
    assert sent[2]["tool_calls"][0]["id"] == first.tool_calls[0].id
    assert sent[3] == {"role": "tool", "content": "a.py", "tool_call_id": first.tool_calls[0].id}


def test_text_mode_sends_no_tools_and_tool_results_as_user_turns(serve):
    srv = serve([Reply(content="ok")])
    xml = "<tool_call><function=bash><parameter=command>ls</parameter></function></tool_call>"
    assistant = Message(role="assistant", content=xml, tool_calls=[], text_calls=True)
    client(srv, tool_mode=ToolMode.XML).complete(
        [*HISTORY, assistant, Message(role="tool", content="a.py", tool_call_id="x")], TOOLS
    )
    body = srv.requests[0].body
    assert "tools" not in body
    assert body["messages"][2] == {"role": "assistant", "content": xml}
    assert (
        body["messages"][3]["role"] == "user"
        and "<tool_response>\na.py\n</tool_response>" in body["messages"][3]["content"]
    )


def test_429_and_500_are_retried_with_backoff_honouring_retry_after(serve):
    srv = serve([error(429, retry_after=1.5), error(503), error(500), tool("submit")])
    sleeps = []
    reply = client(srv, sleeps).complete(HISTORY, TOOLS)
    assert reply.message.tool_calls[0].name == "submit" and reply.attempts == 4
    assert sleeps[0] == 1.5  # the server's Retry-After
    assert 0 < sleeps[1] < sleeps[2]  # exponential backoff


def test_persistent_failure_ends_in_one_clear_error(serve, caplog):
    srv = serve([error(500)] * 10)
    with caplog.at_level(logging.WARNING), pytest.raises(ModelAPIError) as info:
        client(srv, max_retries=2).complete(HISTORY, TOOLS)
    assert info.value.attempts == 3 and info.value.status == 500 and len(srv.requests) == 3
    assert "after 3 attempt(s)" in str(info.value)
    assert SENTINEL_KEY not in caplog.text + str(info.value)


def test_client_errors_are_not_retried(serve):
    srv = serve([error(401), tool("submit")])
    with pytest.raises(ModelAPIError) as info:
        client(srv).complete(HISTORY, TOOLS)
    assert info.value.status == 401 and len(srv.requests) == 1


def test_timeouts_and_malformed_bodies_are_retried(serve):
    srv = serve(
        [Reply(tool_calls=[("bash", {"command": "ls"})], delay=1.5), Reply(raw_body="{not json"), tool("submit")]
    )
    reply = client(srv, timeout=0.5).complete(HISTORY, TOOLS)
    assert reply.attempts == 3 and reply.message.tool_calls[0].name == "submit"


def test_missing_usage_is_estimated(serve):
    body = json.dumps(
        {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "m",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "hello there"}, "finish_reason": "stop"}
            ],
        }
    )
    srv = serve([Reply(raw_body=body)])
    reply = client(srv).complete(HISTORY, TOOLS)
    assert reply.usage.estimated and reply.usage.prompt_tokens > 0 and reply.cost > 0
