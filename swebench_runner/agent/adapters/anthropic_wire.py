"""The Anthropic Messages API next to chat completions: translation both ways, and usage for the records.

Claude Code speaks only ``POST /v1/messages``; most model servers (vLLM, SGLang, DashScope, OpenRouter)
speak only ``/chat/completions``. The proxy puts this module between them, so Claude Code can drive any
model swerun can, and records an Anthropic call like a chat-completions one (the trajectory keeps one
message format whichever wire the CLI used). Pure functions on dicts and SSE lines: the proxy owns the
sockets, the tests call these directly.

What does not cross: ``thinking`` blocks and parameters (an OpenAI-compatible server neither takes
Anthropic's signed thinking back nor produces it), ``cache_control``, ``metadata``, ``top_k`` and
server-side tools (they have no ``input_schema``); a model's own sampling options from models.yaml
(``temperature``, ``top_p``, ``extra_body``) are applied instead, since they describe the model behind
the endpoint, not Claude.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Mapping
from typing import Any

from ...model import ModelSettings, Usage

STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use", "function_call": "tool_use",
                "content_filter": "refusal"}
ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
               404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error", 529: "overloaded_error"}


def _text_of(content: Any) -> str:
    """Plain text of a content value: a string, or the text of its blocks (images named, not inlined)."""
    if isinstance(content, str):
        return content
    parts = []
    for block in content or []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text":
            parts.append(block.get("text") or "")
        elif block.get("type") == "image":
            parts.append(f"[image {(block.get('source') or {}).get('media_type', '')} not forwarded]")
    return "\n".join(parts)


def _image_part(block: Mapping[str, Any]) -> dict[str, Any] | None:
    src = block.get("source") or {}
    if src.get("type") == "base64":
        return {"type": "image_url", "image_url": {"url": f"data:{src.get('media_type')};base64,{src.get('data')}"}}
    if src.get("type") == "url":
        return {"type": "image_url", "image_url": {"url": src.get("url")}}
    return None


def openai_messages(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """An Anthropic request's system prompt and messages as chat-completions messages.

    A user turn's ``tool_result`` blocks become ``tool`` messages first (chat completions wants them right
    after the assistant message that called the tools), then its text and images as one user message.
    """
    out: list[dict[str, Any]] = []
    system = _text_of(body.get("system"))
    if system:
        out.append({"role": "system", "content": system})
    for m in body.get("messages") or []:
        role, content = m.get("role", "user"), m.get("content")
        if isinstance(content, str):
            out.append({"role": role, "content": content})
            continue
        blocks = [b for b in content or [] if isinstance(b, dict)]
        if role == "assistant":
            text = "\n".join(b.get("text") or "" for b in blocks if b.get("type") == "text")
            calls = [{"id": b.get("id", ""), "type": "function",
                      "function": {"name": b.get("name", ""), "arguments": json.dumps(b.get("input") or {})}}
                     for b in blocks if b.get("type") == "tool_use"]
            msg: dict[str, Any] = {"role": "assistant", "content": text or None}
            if calls:
                msg["tool_calls"] = calls
            elif not text:
                msg["content"] = ""  # a turn of thinking only
            out.append(msg)
            continue
        for b in blocks:
            if b.get("type") == "tool_result":
                text = _text_of(b.get("content"))
                out.append({"role": "tool", "tool_call_id": b.get("tool_use_id", ""),
                            "content": f"Error: {text}" if b.get("is_error") else text})
        parts: list[dict[str, Any]] = []
        for b in blocks:
            if b.get("type") == "text":
                parts.append({"type": "text", "text": b.get("text") or ""})
            elif b.get("type") == "image" and (part := _image_part(b)):
                parts.append(part)
        if parts and all(p["type"] == "text" for p in parts):
            out.append({"role": role, "content": "\n".join(p["text"] for p in parts)})
        elif parts:
            out.append({"role": role, "content": parts})
    return out


def _tool_choice(choice: Mapping[str, Any]) -> Any:
    kind = choice.get("type")
    if kind == "any":
        return "required"
    if kind == "tool":
        return {"type": "function", "function": {"name": choice.get("name", "")}}
    return "none" if kind == "none" else "auto"


def openai_tools(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The request's client tools as chat-completions functions (server tools have no schema to send)."""
    return [{"type": "function", "function": {"name": t["name"], "description": t.get("description", ""),
                                              "parameters": t["input_schema"]}}
            for t in body.get("tools") or [] if isinstance(t, dict) and "input_schema" in t]


def openai_request(body: Mapping[str, Any], settings: ModelSettings) -> dict[str, Any]:
    """The chat-completions request for an Anthropic Messages request, with the model's own options."""
    req: dict[str, Any] = {"model": body.get("model") or settings.model, "messages": openai_messages(body)}
    if body.get("max_tokens"):
        req["max_tokens"] = body["max_tokens"]
    for src, dst in (("temperature", "temperature"), ("top_p", "top_p"), ("stop_sequences", "stop")):
        if body.get(src) is not None:
            req[dst] = body[src]
    tools = openai_tools(body)
    if tools:
        req["tools"] = tools
        choice = body.get("tool_choice") or {}
        if choice:
            req["tool_choice"] = _tool_choice(choice)
            if choice.get("disable_parallel_tool_use"):
                req["parallel_tool_calls"] = False
    if body.get("stream"):
        req["stream"] = True
        req["stream_options"] = {"include_usage": True}
    if settings.temperature is not None:
        req["temperature"] = settings.temperature
    if settings.top_p is not None:
        req["top_p"] = settings.top_p
    req.update(settings.extra_body)
    return req


def _tool_input(arguments: str) -> str:
    """Tool arguments as a JSON object text; a model's broken JSON becomes ``{}``, so Claude Code answers
    with its own validation error (the model sees what it got wrong) instead of failing the stream."""
    try:
        value = json.loads(arguments or "{}")
    except json.JSONDecodeError:
        return "{}"
    return json.dumps(value) if isinstance(value, dict) else "{}"


def _usage(u: Mapping[str, Any] | None) -> dict[str, int]:
    u = u or {}
    return {"input_tokens": int(u.get("prompt_tokens") or 0), "output_tokens": int(u.get("completion_tokens") or 0)}


def new_message_id() -> str:
    return "msg_swerun_" + secrets.token_hex(12)


def anthropic_message(completion: Mapping[str, Any], model: str) -> dict[str, Any]:
    """A chat completion (non-streamed) as an Anthropic message."""
    choice = (completion.get("choices") or [{}])[0]
    msg = choice.get("message") or {}
    content: list[dict[str, Any]] = []
    text = msg.get("content")
    if isinstance(text, list):
        text = "".join(p.get("text", "") for p in text if isinstance(p, dict))
    if text:
        content.append({"type": "text", "text": text})
    for i, call in enumerate(msg.get("tool_calls") or []):
        fn = call.get("function") or {}
        content.append({"type": "tool_use", "id": call.get("id") or f"toolu_swerun_{i}", "name": fn.get("name", ""),
                        "input": json.loads(_tool_input(fn.get("arguments") or ""))})
    has_tools = any(b["type"] == "tool_use" for b in content)
    stop = "tool_use" if has_tools else STOP_REASONS.get(choice.get("finish_reason") or "stop", "end_turn")
    return {"id": new_message_id(), "type": "message", "role": "assistant", "model": model, "content": content,
            "stop_reason": stop, "stop_sequence": None, "usage": _usage(completion.get("usage"))}


def anthropic_error(status: int, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": ERROR_TYPES.get(status, "api_error"), "message": message}}


def error_message(body: bytes) -> str:
    """The message of an error body in either API's shape, or the start of the raw text."""
    text = body.decode("utf-8", "replace")
    try:
        data = json.loads(text)
        err = data.get("error") if isinstance(data, dict) else None
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        if isinstance(err, str):
            return err
    except json.JSONDecodeError:
        pass
    return text[:500] or "no body"


def sse(event: str, data: Mapping[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


class StreamTranslator:
    """Chat-completions SSE in, Anthropic SSE out, line by line as the upstream sends it.

    Text is passed on as it arrives (one text block); tool calls are gathered and sent as ``tool_use``
    blocks when the upstream finishes, because servers may interleave the argument fragments of parallel
    calls and an Anthropic block, once stopped, cannot be continued. Usage arrives last in chat
    completions, so it goes into ``message_delta`` (input and output tokens).
    """

    def __init__(self, model: str) -> None:
        self.model = model
        self._buf = b""
        self._index = 0
        self._text_open = False
        self._calls: dict[int, dict[str, str]] = {}
        self._finish: str | None = None
        self._done = False
        self._usage: dict[str, int] = {"input_tokens": 0, "output_tokens": 0}

    def start(self) -> bytes:
        message = {"id": new_message_id(), "type": "message", "role": "assistant", "model": self.model,
                   "content": [], "stop_reason": None, "stop_sequence": None,
                   "usage": {"input_tokens": 0, "output_tokens": 0}}
        return sse("message_start", {"type": "message_start", "message": message}) + sse("ping", {"type": "ping"})

    def feed(self, data: bytes) -> bytes:
        """Anthropic events for the next bytes of the upstream stream (any split: lines are buffered)."""
        self._buf += data
        *lines, self._buf = self._buf.split(b"\n")
        return b"".join(self._line(line.decode("utf-8", "replace").strip()) for line in lines)

    def _line(self, line: str) -> bytes:
        if not line.startswith("data:"):
            return b""
        payload = line[5:].strip()
        if payload == "[DONE]":
            self._done = True
            return b""
        try:
            chunk = json.loads(payload)
        except json.JSONDecodeError:
            return b""
        out = b""
        if chunk.get("usage"):
            self._usage = _usage(chunk["usage"])
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                if not self._text_open:
                    self._text_open = True
                    out += sse("content_block_start", {"type": "content_block_start", "index": self._index,
                                                       "content_block": {"type": "text", "text": ""}})
                out += sse("content_block_delta", {"type": "content_block_delta", "index": self._index,
                                                   "delta": {"type": "text_delta", "text": delta["content"]}})
            for tc in delta.get("tool_calls") or []:
                slot = self._calls.setdefault(int(tc.get("index") or 0), {"id": "", "name": "", "arguments": ""})
                slot["id"] = tc.get("id") or slot["id"]
                fn = tc.get("function") or {}
                slot["name"] += fn.get("name") or ""
                slot["arguments"] += fn.get("arguments") or ""
            if choice.get("finish_reason"):
                self._finish = choice["finish_reason"]
        return out

    def finish(self) -> bytes:
        """The closing events; an ``error`` event if the upstream stopped before saying it was done."""
        out = self.feed(b"\n")
        if self._finish is None and not self._done:
            return out + sse("error", anthropic_error(502, "the model stream ended before it finished"))
        if self._text_open:
            out += sse("content_block_stop", {"type": "content_block_stop", "index": self._index})
            self._index += 1
        for i in sorted(self._calls):
            call = self._calls[i]
            block = {"type": "tool_use", "id": call["id"] or f"toolu_swerun_{i}", "name": call["name"], "input": {}}
            out += sse("content_block_start", {"type": "content_block_start", "index": self._index,
                                               "content_block": block})
            out += sse("content_block_delta", {"type": "content_block_delta", "index": self._index,
                                               "delta": {"type": "input_json_delta",
                                                         "partial_json": _tool_input(call["arguments"])}})
            out += sse("content_block_stop", {"type": "content_block_stop", "index": self._index})
            self._index += 1
        stop = "tool_use" if self._calls else STOP_REASONS.get(self._finish or "stop", "end_turn")
        out += sse("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                                     "usage": dict(self._usage)})
        return out + sse("message_stop", {"type": "message_stop"})


def sse_events(text: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(event, data)`` pairs of an SSE text; events whose data is not JSON are skipped."""
    event = ""
    for line in text.splitlines():
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            try:
                data = json.loads(line[5:])
            except json.JSONDecodeError:
                continue
            if isinstance(data, dict):
                yield event or str(data.get("type", "")), data


def _anthropic_usage(u: Mapping[str, Any]) -> tuple[int, int]:
    """Prompt tokens as chat completions counts them: fresh, cache-written and cache-read input together."""
    prompt = sum(int(u.get(k) or 0) for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"))
    return prompt, int(u.get("output_tokens") or 0)


def assemble_anthropic(body: bytes, content_type: str) -> tuple[Usage, dict[str, Any] | None]:
    """Usage and the assistant message (as a chat-completions message) of an Anthropic response."""
    text = body.decode("utf-8", "replace")
    if "event-stream" not in content_type:
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return Usage(), None
        if not isinstance(data, dict) or data.get("type") != "message":
            return Usage(), None
        prompt, completion = _anthropic_usage(data.get("usage") or {})
        return Usage(prompt_tokens=prompt, completion_tokens=completion), _record_message(data.get("content") or [])
    prompt = completion = 0
    blocks: dict[int, dict[str, Any]] = {}
    for event, data in sse_events(text):
        if event == "message_start":
            prompt, completion = _anthropic_usage((data.get("message") or {}).get("usage") or {})
        elif event == "content_block_start":
            blocks[int(data.get("index") or 0)] = dict(data.get("content_block") or {}, partial="")
        elif event == "content_block_delta":
            block = blocks.setdefault(int(data.get("index") or 0), {"type": "text", "text": "", "partial": ""})
            delta = data.get("delta") or {}
            if delta.get("type") == "text_delta":
                block["text"] = (block.get("text") or "") + (delta.get("text") or "")
            elif delta.get("type") == "input_json_delta":
                block["partial"] += delta.get("partial_json") or ""
        elif event == "message_delta":
            u = data.get("usage") or {}
            if any(u.get(k) is not None for k in ("input_tokens", "cache_creation_input_tokens",
                                                   "cache_read_input_tokens")):
                prompt = _anthropic_usage(u)[0]
            completion = int(u.get("output_tokens") or completion)
    for block in blocks.values():
        if block.get("type") == "tool_use":
            try:
                block["input"] = json.loads(block["partial"]) if block["partial"] else block.get("input") or {}
            except json.JSONDecodeError:
                block["input"] = block["partial"]
    message = _record_message([blocks[i] for i in sorted(blocks)])
    return Usage(prompt_tokens=prompt, completion_tokens=completion), message


def _record_message(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    text = "".join(b.get("text") or "" for b in blocks if b.get("type") == "text")
    calls = [{"id": b.get("id", ""), "name": b.get("name", ""),
              "arguments": b["input"] if isinstance(b.get("input"), str) else json.dumps(b.get("input") or {})}
             for b in blocks if b.get("type") == "tool_use"]
    return {"role": "assistant", "content": text, "tool_calls": calls}


def estimate_input_tokens(body: Mapping[str, Any]) -> int:
    """``count_tokens`` for an endpoint that has none: characters / 4 of everything the model would read."""
    return max(1, len(json.dumps([body.get("system"), body.get("messages"), body.get("tools")])) // 4)
