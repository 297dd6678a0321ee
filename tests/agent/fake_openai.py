"""A real chat-completions server on 127.0.0.1, scripted per test.

It speaks the parts of the protocol swerun and Qwen Code use: ``POST .../chat/completions`` (plain JSON
and SSE streaming with ``stream_options.include_usage``), native ``tool_calls`` (streamed as deltas the
way vLLM and DashScope send them), usage, ``GET .../models``, and faults: any status with a
``Retry-After`` header, a raw (malformed) body, a delay longer than the client's timeout. A test gives
either a list of ``Reply`` objects (served in order) or a function of the request, which lets one
server answer several instances at once by reading their issue text.
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
    tool_calls: list[tuple[str, Any]] = field(default_factory=list)  # (name, args dict or raw JSON text)
    status: int = 200
    raw_body: str | None = None  # sent as is (malformed output)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    usage: tuple[int, int] | None = None  # (prompt, completion); default: counted from the text
    finish_reason: str | None = None


def tool(name: str, **args: Any) -> Reply:
    return Reply(tool_calls=[(name, args)])


def error(status: int, retry_after: float | None = None) -> Reply:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return Reply(status=status, headers=headers)


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages") or []

    def text(self) -> str:
        """All message text, for routing a request to the instance it belongs to."""
        out = []
        for m in self.messages:
            c = m.get("content")
            if isinstance(c, list):
                c = " ".join(p.get("text", "") for p in c if isinstance(p, dict))
            out.append(c or "")
        return "\n".join(out)


Script = Sequence[Reply] | Callable[[Request], Reply]


class FakeOpenAIServer(ScriptedServer[Request, Reply]):
    def __init__(self, script: Script = (), model: str = "fake-model") -> None:
        super().__init__(script, _handler, model)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def exhausted(self) -> Reply:
        return Reply(status=500, raw_body=json.dumps({"error": {"message": "script exhausted"}}))

    def next_reply(self, req: Request) -> Reply:
        return self.next_numbered(req)[0]


def _completion(server: FakeOpenAIServer, reply: Reply, req: Request) -> dict[str, Any]:
    calls = [
        {
            "id": f"call_{i}_{int(time.time() * 1000) % 100000}",
            "type": "function",
            "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)},
        }
        for i, (name, args) in enumerate(reply.tool_calls)
    ]
    message: dict[str, Any] = {"role": "assistant", "content": reply.content or None}
    if calls:
        message["tool_calls"] = calls
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": server.model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": reply.finish_reason or ("tool_calls" if calls else "stop"),
            }
        ],
        "usage": _usage(reply, req),
    }


def _usage(reply: Reply, req: Request) -> dict[str, int]:
    if reply.usage is not None:
        prompt, completion = reply.usage
    else:
        prompt = max(1, len(req.text()) // 4)
        completion = max(1, (len(reply.content) + sum(len(json.dumps(a)) for _, a in reply.tool_calls)) // 4)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _chunks(server: FakeOpenAIServer, reply: Reply, req: Request) -> list[dict[str, Any]]:
    base = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": server.model,
    }
    full = _completion(server, reply, req)
    msg = full["choices"][0]["message"]
    out = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}]
    text = msg.get("content") or ""
    for part in (text[: len(text) // 2], text[len(text) // 2 :]):
        if part:
            out.append({**base, "choices": [{"index": 0, "delta": {"content": part}, "finish_reason": None}]})
    for i, call in enumerate(msg.get("tool_calls") or []):
        args = call["function"]["arguments"]
        out.append(
            {
                **base,
                "choices": [
                    {
                        "index": 0,
                        "delta": {
                            "tool_calls": [
                                {
                                    "index": i,
                                    "id": call["id"],
                                    "type": "function",
                                    "function": {"name": call["function"]["name"], "arguments": ""},
                                }
                            ]
                        },
                        "finish_reason": None,
                    }
                ],
            }
        )
        for part in (args[: len(args) // 2], args[len(args) // 2 :]):
            out.append(
                {
                    **base,
                    "choices": [
                        {
                            "index": 0,
                            "delta": {"tool_calls": [{"index": i, "function": {"arguments": part}}]},
                            "finish_reason": None,
                        }
                    ],
                }
            )
    out.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": full["choices"][0]["finish_reason"]}]})
    if (req.body.get("stream_options") or {}).get("include_usage"):
        out.append({**base, "choices": [], "usage": full["usage"]})
    return out


def _handler(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(ScriptedHandler):
        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                body = {"object": "list", "data": [{"id": server.model, "object": "model", "owned_by": "fake"}]}
                self._send(200, json.dumps(body).encode())
                return
            server.other_requests.append(("GET", self.path))
            self._send(404, b'{"error": {"message": "not found"}}')

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not self.path.rstrip("/").endswith("/chat/completions"):
                server.other_requests.append(("POST", self.path))
                self._send(404, b'{"error": {"message": "not found"}}')
                return
            req = Request(self.path, {k.lower(): v for k, v in self.headers.items()}, json.loads(raw or b"{}"))
            reply = server.next_reply(req)
            if reply.delay:
                time.sleep(reply.delay)
            if reply.raw_body is not None or reply.status != 200:
                body = (
                    reply.raw_body
                    if reply.raw_body is not None
                    else json.dumps(
                        {
                            "error": {
                                "message": f"fake error {reply.status}",
                                "type": "server_error",
                                "code": reply.status,
                            }
                        }
                    )
                )
                self._send(reply.status, body.encode(), headers=reply.headers)
                return
            if not req.body.get("stream"):
                self._send(200, json.dumps(_completion(server, reply, req)).encode(), headers=reply.headers)
                return
            self._start_events()
            for chunk in _chunks(server, reply, req):
                self._event(json.dumps(chunk))
            self._event("[DONE]")

    return Handler
