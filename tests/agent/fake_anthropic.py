"""A real Anthropic Messages API server on 127.0.0.1, scripted per test (the counterpart of fake_openai.py).

It speaks what Claude Code and swerun's proxy use: ``POST /v1/messages`` as JSON or as SSE events
(message_start, content_block_start/delta/stop with text_delta and input_json_delta, message_delta with
stop_reason and usage, message_stop), ``tool_use`` blocks, usage, ``POST /v1/messages/count_tokens``,
and faults: any status, a raw (malformed) body, a delay. A test gives a list of ``Reply`` objects
(served in order) or a function of the request. Every request is kept, headers included, so a test
can check which key reached the server.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from .scripted_http import ScriptedHandler, ScriptedServer


@dataclass
class Reply:
    content: str = ""
    tool_uses: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (name, input)
    status: int = 200
    raw_body: str | None = None  # sent as is (malformed output)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    usage: tuple[int, int] | None = None  # (input, output); default: counted from the text
    stop_reason: str | None = None


def tool(name: str, **args: Any) -> Reply:
    return Reply(tool_uses=[(name, args)])


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages") or []

    def blocks(self, kind: str) -> list[dict[str, Any]]:
        """Every content block of one type (``tool_result``, ``tool_use``, ``text``) in the messages."""
        out = []
        for m in self.messages:
            if isinstance(m.get("content"), list):
                out += [b for b in m["content"] if isinstance(b, dict) and b.get("type") == kind]
        return out

    def text(self) -> str:
        """System prompt and all message text, for routing a request or estimating its tokens."""
        parts = [self.body.get("system") if isinstance(self.body.get("system"), str) else
                 " ".join(b.get("text", "") for b in self.body.get("system") or [])]
        for m in self.messages:
            c = m.get("content")
            parts.append(c if isinstance(c, str) else json.dumps(c))
        return "\n".join(p or "" for p in parts)


Script = Sequence[Reply] | Callable[[Request], Reply]


class FakeAnthropicServer(ScriptedServer[Request, Reply]):
    def __init__(self, script: Script = (), model: str = "claude-fake") -> None:
        super().__init__(script, _handler, model)

    @property
    def url(self) -> str:
        """The base URL as Anthropic clients take it: they append ``/v1/messages`` themselves."""
        return f"http://127.0.0.1:{self.port}"

    def exhausted(self) -> Reply:
        return Reply(status=500, raw_body=json.dumps(_error(500, "script exhausted")))

    def next_reply(self, req: Request) -> tuple[Reply, int]:
        return self.next_numbered(req)


def _error(status: int, message: str) -> dict[str, Any]:
    kind = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error",
            529: "overloaded_error"}.get(status, "api_error")
    return {"type": "error", "error": {"type": kind, "message": message}}


def _usage(reply: Reply, req: Request) -> dict[str, int]:
    if reply.usage is not None:
        return {"input_tokens": reply.usage[0], "output_tokens": reply.usage[1]}
    out = len(reply.content) + sum(len(json.dumps(a)) for _, a in reply.tool_uses)
    return {"input_tokens": max(1, len(req.text()) // 4), "output_tokens": max(1, out // 4)}


def message(server: FakeAnthropicServer, reply: Reply, req: Request, n: int) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": reply.content}] if reply.content else []
    content += [{"type": "tool_use", "id": f"toolu_{n:04d}_{i}", "name": name, "input": args}
                for i, (name, args) in enumerate(reply.tool_uses)]
    return {"id": f"msg_fake_{n:04d}", "type": "message", "role": "assistant", "model": server.model,
            "content": content, "stop_reason": reply.stop_reason or ("tool_use" if reply.tool_uses else "end_turn"),
            "stop_sequence": None, "usage": _usage(reply, req)}


def events(full: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The SSE events of a message, text and JSON split in two deltas each, as the API streams them."""
    start = {**full, "content": [], "stop_reason": None,
             "usage": {"input_tokens": full["usage"]["input_tokens"], "output_tokens": 1}}
    out: list[tuple[str, dict[str, Any]]] = [("message_start", {"type": "message_start", "message": start}),
                                             ("ping", {"type": "ping"})]
    for i, block in enumerate(full["content"]):
        if block["type"] == "text":
            text = block["text"]
            head = {"type": "text", "text": ""}
            parts = [{"type": "text_delta", "text": p} for p in (text[: len(text) // 2], text[len(text) // 2:]) if p]
        else:
            raw = json.dumps(block["input"])
            head = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            parts = [{"type": "input_json_delta", "partial_json": p} for p in (raw[: len(raw) // 2], raw[len(raw) // 2:])]
        out.append(("content_block_start", {"type": "content_block_start", "index": i, "content_block": head}))
        out += [("content_block_delta", {"type": "content_block_delta", "index": i, "delta": d}) for d in parts]
        out.append(("content_block_stop", {"type": "content_block_stop", "index": i}))
    out.append(("message_delta", {"type": "message_delta",
                                  "delta": {"stop_reason": full["stop_reason"], "stop_sequence": None},
                                  "usage": {"output_tokens": full["usage"]["output_tokens"]}}))
    out.append(("message_stop", {"type": "message_stop"}))
    return out


def _handler(server: FakeAnthropicServer) -> type[BaseHTTPRequestHandler]:
    class Handler(ScriptedHandler):
        def do_HEAD(self) -> None:
            server.other_requests.append(("HEAD", self.path))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            server.other_requests.append(("GET", self.path))
            self._send(404, json.dumps(_error(404, "not found")).encode())

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = self.path.split("?")[0].rstrip("/")
            headers = {k.lower(): v for k, v in self.headers.items()}
            if path.endswith("/v1/messages/count_tokens"):
                server.other_requests.append(("POST", self.path))
                req = Request(self.path, headers, json.loads(raw or b"{}"))
                self._send(200, json.dumps({"input_tokens": max(1, len(req.text()) // 4)}).encode())
                return
            if not path.endswith("/v1/messages"):
                server.other_requests.append(("POST", self.path))
                self._send(404, json.dumps(_error(404, "not found")).encode())
                return
            req = Request(self.path, headers, json.loads(raw or b"{}"))
            reply, n = server.next_reply(req)
            if reply.delay:
                time.sleep(reply.delay)
            if reply.raw_body is not None or reply.status != 200:
                body = reply.raw_body if reply.raw_body is not None else json.dumps(
                    _error(reply.status, f"fake error {reply.status}"))
                self._send(reply.status, body.encode(), headers=reply.headers)
                return
            full = message(server, reply, req, n)
            if not req.body.get("stream"):
                self._send(200, json.dumps(full).encode(), headers=reply.headers)
                return
            self._start_events()
            for name, data in events(full):
                self._event(json.dumps(data), name)

    return Handler
