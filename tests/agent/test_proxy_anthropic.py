"""The model proxy's Anthropic side: Messages API calls relayed to an Anthropic endpoint or translated to
chat completions and back, counted and limited like chat-completions calls. The translation is checked
on its own (requests, replies, streams cut at every byte) and end to end through the proxy's Unix
socket against real scripted servers of both APIs."""

from __future__ import annotations

import http.client
import json
import socket

import pytest
from pydantic import SecretStr

from swebench_runner.agent.adapters import anthropic_wire as aw
from swebench_runner.agent.adapters.base import wire_to_message
from swebench_runner.agent.adapters.proxy import SOCKET_NAME, ModelProxy, upstream_api
from swebench_runner.agent.loop import AgentLimits
from swebench_runner.agent.trajectory import ExitStatus
from swebench_runner.model import ModelSettings

from . import fake_anthropic as fa
from . import fake_openai as fo
from .conftest import SENTINEL_KEY

PLACEHOLDER = "swerun-proxy-adds-the-key"
TOOLS = [{"name": "Bash", "description": "Run a command",
          "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}},
         {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}]  # a server tool: no schema
CONVERSATION = {
    "model": "claude-sonnet-4-5", "max_tokens": 2048, "stream": False, "temperature": 1,
    "system": [{"type": "text", "text": "You are Claude Code."},
               {"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
    "thinking": {"type": "enabled", "budget_tokens": 1024}, "metadata": {"user_id": "u"},
    "tools": TOOLS, "tool_choice": {"type": "any", "disable_parallel_tool_use": True},
    "messages": [
        {"role": "user", "content": "Fix the bug."},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "Let me look.", "signature": "sig"},
            {"type": "text", "text": "Looking."},
            {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}},
            {"type": "tool_use", "id": "toolu_2", "name": "Bash", "input": {"command": "false"}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "a.py"}]},
            {"type": "tool_result", "tool_use_id": "toolu_2", "content": "exit 1", "is_error": True},
            {"type": "text", "text": "Go on."},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}}]},
    ],
}


def settings(url: str, **kw) -> ModelSettings:
    return ModelSettings(model="claude-sonnet-4-5", label="claude-sonnet-4-5", base_url=url,
                         api_key=SecretStr(SENTINEL_KEY), **kw)


def events_of(raw: bytes) -> list[tuple[str, dict]]:
    return list(aw.sse_events(raw.decode()))


def message_of(events: list[tuple[str, dict]]) -> dict:
    """An Anthropic message rebuilt from its events, as the SDK's stream accumulator does, checking the
    protocol on the way: one start, blocks opened before their deltas and closed once, one stop."""
    assert events[0][0] == "message_start" and events[-1][0] == "message_stop"
    msg, open_blocks, partial = dict(events[0][1]["message"]), set(), {}
    msg["content"] = []
    for name, data in events[1:-1]:
        if name == "content_block_start":
            assert data["index"] == len(msg["content"]) and data["index"] not in open_blocks
            open_blocks.add(data["index"])
            msg["content"].append(dict(data["content_block"]))
        elif name == "content_block_delta":
            assert data["index"] in open_blocks
            block, delta = msg["content"][data["index"]], data["delta"]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            else:
                assert delta["type"] == "input_json_delta"
                partial[data["index"]] = partial.get(data["index"], "") + delta["partial_json"]
        elif name == "content_block_stop":
            open_blocks.remove(data["index"])
            if data["index"] in partial:
                msg["content"][data["index"]]["input"] = json.loads(partial[data["index"]])
        elif name == "message_delta":
            msg.update(data["delta"])
            msg["usage"] = {**msg["usage"], **data["usage"]}
        else:
            assert name == "ping", name
    assert not open_blocks
    return msg


# -- translation, on its own ------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "api"), [
    ("https://api.anthropic.com", "anthropic"), ("https://api.anthropic.com/", "anthropic"),
    ("http://127.0.0.1:8080", "anthropic"), ("https://api.deepseek.com/anthropic", "anthropic"),
    ("https://dashscope.aliyuncs.com/api/v2/apps/claude-code-proxy", "anthropic"),
    ("https://api.openai.com/v1", "openai"), ("http://127.0.0.1:8000/v1", "openai"),
    ("https://dashscope-intl.aliyuncs.com/compatible-mode/v1", "openai"),
    ("https://generativelanguage.googleapis.com/v1beta/openai", "openai"),
])
def test_the_wire_follows_the_base_url(url, api):
    assert upstream_api(url) == api


def test_a_messages_request_becomes_chat_completions_with_the_models_own_options():
    req = aw.openai_request(CONVERSATION, settings("http://x/v1", temperature=0.7, top_p=0.8,
                                                   extra_body={"top_k": 20}))
    assert req["model"] == "claude-sonnet-4-5" and req["max_tokens"] == 2048 and "stream" not in req
    assert (req["temperature"], req["top_p"], req["top_k"]) == (0.7, 0.8, 20)  # models.yaml's, not Claude's 1
    assert not {"thinking", "metadata", "system"} & set(req)
    assert req["tools"] == [{"type": "function", "function": {"name": "Bash", "description": "Run a command",
                                                              "parameters": TOOLS[0]["input_schema"]}}]
    assert req["tool_choice"] == "required" and req["parallel_tool_calls"] is False
    m = req["messages"]
    assert [x["role"] for x in m] == ["system", "user", "assistant", "tool", "tool", "user"]
    assert m[0]["content"] == "You are Claude Code.\nBe brief." and m[1]["content"] == "Fix the bug."
    assert m[2]["content"] == "Looking." and [c["function"] for c in m[2]["tool_calls"]] == [
        {"name": "Bash", "arguments": '{"command": "ls"}'}, {"name": "Bash", "arguments": '{"command": "false"}'}]
    assert [c["id"] for c in m[2]["tool_calls"]] == ["toolu_1", "toolu_2"]
    assert m[3] == {"role": "tool", "tool_call_id": "toolu_1", "content": "a.py"}
    assert m[4] == {"role": "tool", "tool_call_id": "toolu_2", "content": "Error: exit 1"}
    assert m[5]["content"] == [{"type": "text", "text": "Go on."},
                               {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]
    streamed = aw.openai_request({**CONVERSATION, "stream": True, "tool_choice": {"type": "tool", "name": "Bash"}},
                                 settings("http://x/v1", temperature=None))
    assert streamed["stream"] is True and streamed["stream_options"] == {"include_usage": True}
    assert streamed["tool_choice"] == {"type": "function", "function": {"name": "Bash"}}
    assert streamed["temperature"] == 1  # no model option: the CLI's own value stands


def test_a_chat_completion_becomes_an_anthropic_message():
    completion = {"choices": [{"finish_reason": "tool_calls", "message": {"role": "assistant", "content": "On it.",
                  "tool_calls": [{"id": "call_1", "type": "function",
                                  "function": {"name": "Bash", "arguments": '{"command": "ls"}'}},
                                 {"id": "call_2", "type": "function",
                                  "function": {"name": "Bash", "arguments": '{"command": '}}]}}],
                  "usage": {"prompt_tokens": 100, "completion_tokens": 7}}
    msg = aw.anthropic_message(completion, "claude-sonnet-4-5")
    assert msg["type"] == "message" and msg["role"] == "assistant" and msg["id"].startswith("msg_")
    assert msg["content"] == [{"type": "text", "text": "On it."},
                              {"type": "tool_use", "id": "call_1", "name": "Bash", "input": {"command": "ls"}},
                              {"type": "tool_use", "id": "call_2", "name": "Bash", "input": {}}]  # broken JSON
    assert msg["stop_reason"] == "tool_use" and msg["usage"] == {"input_tokens": 100, "output_tokens": 7}
    cut = aw.anthropic_message({"choices": [{"finish_reason": "length", "message": {"content": "abc"}}]}, "m")
    assert cut["stop_reason"] == "max_tokens" and cut["usage"] == {"input_tokens": 0, "output_tokens": 0}


def openai_sse(reply: fo.Reply) -> bytes:
    """The exact bytes fake_openai streams for ``reply`` (deltas split the way vLLM sends them)."""
    server = fo.FakeOpenAIServer(model="m")
    try:
        req = fo.Request("/v1/chat/completions", {}, {"stream": True, "stream_options": {"include_usage": True},
                                                      "messages": [{"role": "user", "content": "x" * 400}]})
        chunks = fo._chunks(server, reply, req)
    finally:
        server._httpd.server_close()
    return b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in chunks) + b"data: [DONE]\n\n"


@pytest.mark.parametrize("step", [1, 7, 10_000])
def test_a_chat_completions_stream_becomes_anthropic_events_however_it_is_cut(step):
    raw = openai_sse(fo.Reply(content="Let me fix it.", tool_calls=[("Bash", {"command": "ls -la"}),
                                                                     ("Edit", {"file_path": "/a", "old": "x"})]))
    t = aw.StreamTranslator("claude-sonnet-4-5")
    out = t.start() + b"".join(t.feed(raw[i:i + step]) for i in range(0, len(raw), step)) + t.finish()
    msg = message_of(events_of(out))
    assert msg["model"] == "claude-sonnet-4-5" and msg["stop_reason"] == "tool_use"
    assert msg["content"][0] == {"type": "text", "text": "Let me fix it."}
    assert [(b["type"], b["name"], b["input"]) for b in msg["content"][1:]] == [
        ("tool_use", "Bash", {"command": "ls -la"}), ("tool_use", "Edit", {"file_path": "/a", "old": "x"})]
    assert msg["usage"]["input_tokens"] == 100 and msg["usage"]["output_tokens"] > 0


def test_interleaved_parallel_calls_and_a_stream_that_breaks_off():
    def chunk(delta=None, finish=None):
        return "data: " + json.dumps({"choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}]}) + "\n"
    parts = [chunk({"tool_calls": [{"index": 0, "id": "a", "function": {"name": "Read", "arguments": '{"file'}}]}),
             chunk({"tool_calls": [{"index": 1, "id": "b", "function": {"name": "Bash", "arguments": '{"comm'}}]}),
             chunk({"tool_calls": [{"index": 0, "function": {"arguments": '_path": "/x"}'}}]}),
             chunk({"tool_calls": [{"index": 1, "function": {"arguments": 'and": "ls"}'}}]}),
             chunk(finish="stop")]
    t = aw.StreamTranslator("m")
    msg = message_of(events_of(t.start() + t.feed("".join(parts).encode()) + t.finish()))
    assert [(b["id"], b["input"]) for b in msg["content"]] == [("a", {"file_path": "/x"}), ("b", {"command": "ls"})]
    assert msg["stop_reason"] == "tool_use"  # the server said "stop", but the model called tools
    t = aw.StreamTranslator("m")
    broken = events_of(t.start() + t.feed(chunk({"content": "Hal"}).encode()) + t.finish())
    assert broken[-1][0] == "error" and broken[-1][1]["error"]["type"] == "api_error"


def test_an_anthropic_response_is_recorded_as_a_chat_message_with_its_usage():
    server = fa.FakeAnthropicServer(model="m")
    server._httpd.server_close()
    req = fa.Request("/v1/messages", {}, {"messages": [{"role": "user", "content": "hi"}]})
    full = fa.message(server, fa.Reply(content="Sure.", tool_uses=[("Bash", {"command": "ls"})], usage=(50, 9)),
                      req, 1)
    full["usage"].update(cache_read_input_tokens=1000, cache_creation_input_tokens=200)
    want = {"role": "assistant", "content": "Sure.",
            "tool_calls": [{"id": "toolu_0001_0", "name": "Bash", "arguments": '{"command": "ls"}'}]}
    usage, msg = aw.assemble_anthropic(json.dumps(full).encode(), "application/json")
    assert msg == want and (usage.prompt_tokens, usage.completion_tokens) == (1250, 9)
    sse = b"".join(aw.sse(name, data) for name, data in fa.events(full))
    usage, msg = aw.assemble_anthropic(sse, "text/event-stream; charset=utf-8")
    assert msg == want and (usage.prompt_tokens, usage.completion_tokens) == (50, 9)  # message_start's input
    assert aw.assemble_anthropic(b'{"type": "error"}', "application/json") == (aw.Usage(), None)


# -- through the proxy ------------------------------------------------------------------------------

class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost")
        self.unix_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.unix_path)


def call(proxy: ModelProxy, body: dict | None, path: str = "/v1/messages?beta=true",
         method: str = "POST") -> tuple[int, str, bytes]:
    """One request as Claude Code sends it (placeholder key, Anthropic headers) to the proxy's socket."""
    conn = UnixHTTPConnection(str(proxy.dir / SOCKET_NAME))
    conn.request(method, path, json.dumps(body) if body is not None else None,
                 {"Content-Type": "application/json", "x-api-key": PLACEHOLDER, "anthropic-version": "2023-06-01",
                  "anthropic-beta": "claude-code-20250219"})
    resp = conn.getresponse()
    return resp.status, resp.getheader("content-type") or "", resp.read()


ASK = {"model": "claude-sonnet-4-5", "max_tokens": 1000, "messages": [{"role": "user", "content": "Fix it."}],
       "tools": TOOLS[:1]}


@pytest.mark.parametrize("stream", [False, True])
def test_an_anthropic_endpoint_gets_the_call_as_sent_with_the_real_key(stream):
    script = [fa.Reply(content="Looking.", tool_uses=[("Bash", {"command": "ls"})], usage=(1200, 30))]
    with fa.FakeAnthropicServer(script, model="claude-sonnet-4-5") as srv, \
            ModelProxy(settings(srv.url + "/anthropic", input_cost_per_mtok=3.0, output_cost_per_mtok=15.0),
                       AgentLimits()) as proxy:
        assert proxy.upstream == "anthropic"
        status, ctype, raw = call(proxy, {**ASK, "stream": stream})
        assert call(proxy, None, "/", "HEAD")[0] == 200  # answered by the proxy itself
    assert status == 200 and ("event-stream" in ctype) is stream
    msg = message_of(events_of(raw)) if stream else json.loads(raw)
    assert [b["type"] for b in msg["content"]] == ["text", "tool_use"] and msg["stop_reason"] == "tool_use"
    (req,) = srv.requests
    assert req.path == "/anthropic/v1/messages?beta=true" and req.body == {**ASK, "stream": stream}
    assert req.headers["x-api-key"] == SENTINEL_KEY and "authorization" not in req.headers
    assert req.headers["anthropic-beta"] == "claude-code-20250219" and not srv.other_requests
    (rec,) = proxy.calls
    assert rec.api == "anthropic" and rec.status == 200 and rec.usage.prompt_tokens == 1200
    assert rec.cost == pytest.approx((1200 * 3.0 + 30 * 15.0) / 1e6)
    assert rec.response["tool_calls"] == [{"id": "toolu_0001_0", "name": "Bash", "arguments": '{"command": "ls"}'}]
    assert proxy.last_request["messages"] == [{"role": "user", "content": "Fix it."}]


@pytest.mark.parametrize("stream", [False, True])
def test_a_chat_completions_endpoint_answers_a_messages_call_through_the_translation(stream):
    script = [fo.Reply(content="Looking.", tool_calls=[("Bash", {"command": "ls"})], usage=(700, 12))]
    with fo.FakeOpenAIServer(script, model="qwen3-coder-plus") as srv, \
            ModelProxy(settings(srv.url, input_cost_per_mtok=1.0), AgentLimits()) as proxy:
        assert proxy.upstream == "openai"
        status, ctype, raw = call(proxy, {**ASK, "stream": stream})
    assert status == 200 and ("event-stream" in ctype) is stream
    msg = message_of(events_of(raw)) if stream else json.loads(raw)
    assert msg["content"][0] == {"type": "text", "text": "Looking."}
    assert (msg["content"][1]["type"], msg["content"][1]["input"]) == ("tool_use", {"command": "ls"})
    assert msg["stop_reason"] == "tool_use" and msg["usage"] == {"input_tokens": 700, "output_tokens": 12}
    (req,) = srv.requests
    assert req.path == "/v1/chat/completions" and req.headers["authorization"] == f"Bearer {SENTINEL_KEY}"
    assert req.body["tools"][0]["function"]["name"] == "Bash" and req.body.get("stream", False) is stream
    (rec,) = proxy.calls
    assert rec.api == "anthropic" and rec.usage.prompt_tokens == 700 and rec.cost == pytest.approx(700 / 1e6)
    assert [c.name for c in wire_to_message(rec.response).tool_calls] == ["Bash"]


def test_limits_errors_and_local_answers_in_the_anthropic_shape():
    script = [fo.Reply(content="one", usage=(600, 10)), fo.error(429, retry_after=1),
              fo.Reply(raw_body="not json")]
    with fo.FakeOpenAIServer(script) as srv, ModelProxy(settings(srv.url), AgentLimits(token_limit=1000)) as proxy:
        assert call(proxy, ASK)[0] == 200
        status, _, raw = call(proxy, ASK)
        assert status == 429 and json.loads(raw)["error"]["type"] == "rate_limit_error"
        status, _, raw = call(proxy, ASK)
        assert status == 502 and "not JSON" in json.loads(raw)["error"]["message"]
        status, _, raw = call(proxy, ASK, "/v1/messages/count_tokens")  # no such thing upstream: estimated
        assert status == 200 and json.loads(raw)["input_tokens"] > 0
        assert proxy.totals()[0] == 3 and proxy.limit_hit is None
        srv.script.append(fo.Reply(content="two", usage=(600, 10)))
        assert call(proxy, ASK)[0] == 200  # 610 tokens so far: under the limit
        status, _, raw = call(proxy, ASK)  # 1220: over it
    err = json.loads(raw)
    assert status == 400 and err["type"] == "error" and err["error"]["type"] == "invalid_request_error"
    assert "token" in err["error"]["message"] and proxy.limit_hit[0] is ExitStatus.TOKEN_LIMIT
    assert len(srv.requests) == 4 and [c.status for c in proxy.model_calls()] == [200, 429, 502, 200]


def test_chat_completions_go_through_as_before_and_unknown_anthropic_paths_are_refused():
    """A chat-completions agent is relayed whatever the base URL looks like (LiteLLM serves both wires at
    its root); the URL only decides for Anthropic calls, and one with no chat-completions counterpart
    gets an Anthropic 404 from the proxy."""
    with fo.FakeOpenAIServer([fo.Reply(content="hi")]) as srv:
        root = srv.url.removesuffix("/v1")
        with ModelProxy(settings(root), AgentLimits()) as proxy:
            assert proxy.upstream == "anthropic"
            conn = UnixHTTPConnection(str(proxy.dir / SOCKET_NAME))
            conn.request("POST", "/v1/chat/completions", json.dumps({"model": "m", "messages": []}),
                         {"Content-Type": "application/json", "Authorization": "Bearer placeholder"})
            resp = conn.getresponse()
            assert resp.status == 200 and json.loads(resp.read())["choices"][0]["message"]["content"] == "hi"
        with ModelProxy(settings(srv.url), AgentLimits()) as proxy:
            status, _, raw = call(proxy, None, "/v1/models", "GET")
        assert status == 404 and json.loads(raw)["error"]["type"] == "not_found_error" and not proxy.calls
    (req,) = srv.requests
    assert req.path == "/chat/completions" and req.headers["authorization"] == f"Bearer {SENTINEL_KEY}"
    assert "x-api-key" not in req.headers and not srv.other_requests
