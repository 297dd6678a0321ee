"""The host side of a CLI agent's way to its model: an HTTP proxy on a Unix socket.

The socket's folder is bind-mounted into the agent container, where a relay turns it into
``127.0.0.1:PORT``. So the container needs no network route at all, the only thing it can reach is this
proxy, and the proxy reaches only the configured endpoint. The real API key is added here, on the
host: the container (whose commands the model writes) sees a placeholder, so no tool output, CLI log
or trajectory can contain the key. The proxy also counts each model call (time, tokens, cost) for the
trajectory and enforces the step, token and cost limits by refusing further calls with a clear error.

Two wires reach it: chat completions (``POST /v1/chat/completions``, Qwen Code), relayed as it is,
and the Anthropic Messages API (``POST /v1/messages``, Claude Code), relayed as it is to an Anthropic
endpoint or translated both ways for a chat-completions one (``anthropic_wire.py``), so Claude Code
can drive any model; the base URL tells which the endpoint is (``upstream_api``). Every model call is
recorded the same way, as chat-completions messages, whatever wire carried it.
"""

from __future__ import annotations

import http.client
import json
import logging
import socketserver
import ssl
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel

from ...model import ModelSettings, Usage
from ..loop import AgentLimits
from ..trajectory import ExitStatus, now
from . import anthropic_wire as aw

log = logging.getLogger(__name__)

SOCKET_NAME = "model.sock"
LOCAL_PREFIX = "/v1"  # the base path a chat-completions agent is given: http://127.0.0.1:PORT/v1
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "authorization",
               "proxy-authorization", "te", "upgrade", "accept-encoding", "x-api-key"}
CAPTURE_LIMIT = 32 << 20  # bytes of a response kept for usage accounting

Api = Literal["openai", "anthropic"]


def upstream_api(base_url: str) -> Api:
    """Which wire an endpoint speaks, from its base URL, by the two SDKs' conventions (asked for
    Anthropic calls only: a chat-completions call goes through as it always did).

    The OpenAI SDK appends only ``/chat/completions``, so an OpenAI-compatible base URL carries its
    version (``.../v1``, ``/compatible-mode/v1``, ``/api/v3``); the Anthropic SDK appends
    ``/v1/messages`` itself, so an Anthropic base URL is a bare host or a path naming it
    (``api.anthropic.com``, ``.../anthropic``, DashScope's ``.../claude-code-proxy``).
    """
    parts = urlsplit(base_url)
    last = parts.path.rstrip("/").rsplit("/", 1)[-1].lower()
    host = (parts.hostname or "").lower()
    if host == "anthropic.com" or host.endswith(".anthropic.com") or not last or "anthropic" in last \
            or "claude" in last:
        return "anthropic"
    return "openai"


class ProxyCall(BaseModel):
    started_at: str
    path: str
    status: int
    seconds: float
    api: Api | None = None  # the wire of a model call, as the agent spoke it; None for anything else
    usage: Usage = Usage()
    cost: float = 0.0
    error: str | None = None
    response: dict[str, Any] | None = None  # the assistant message, assembled from JSON or SSE


def _assemble(body: bytes, content_type: str) -> tuple[Usage, dict[str, Any] | None]:
    """Usage and assistant message of a chat completion, streamed (SSE) or not."""
    text = body.decode("utf-8", "replace")
    if "event-stream" not in content_type:
        try:
            data = json.loads(text)
            u = data.get("usage") or {}
            msg = (data.get("choices") or [{}])[0].get("message")
            usage = Usage(prompt_tokens=u.get("prompt_tokens") or 0, completion_tokens=u.get("completion_tokens") or 0)
            return usage, msg
        except (json.JSONDecodeError, AttributeError, IndexError):
            return Usage(), None
    usage, content, calls = Usage(), [], {}
    for line in text.splitlines():
        if not line.startswith("data:") or line[5:].strip() == "[DONE]":
            continue
        try:
            chunk = json.loads(line[5:])
        except json.JSONDecodeError:
            continue
        if chunk.get("usage"):
            u = chunk["usage"]
            usage = Usage(prompt_tokens=u.get("prompt_tokens") or 0, completion_tokens=u.get("completion_tokens") or 0)
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            content.append(delta.get("content") or "")
            for tc in delta.get("tool_calls") or []:
                slot = calls.setdefault(tc.get("index", 0), {"id": "", "name": "", "arguments": ""})
                slot["id"] = tc.get("id") or slot["id"]
                fn = tc.get("function") or {}
                slot["name"] += fn.get("name") or ""
                slot["arguments"] += fn.get("arguments") or ""
    return usage, {"role": "assistant", "content": "".join(content), "tool_calls": [calls[k] for k in sorted(calls)]}


def _client_api(path: str) -> Api | None:
    route = path.split("?")[0].rstrip("/")
    if route.endswith("/chat/completions"):
        return "openai"
    return "anthropic" if route.endswith("/messages") else None


class _UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class ModelProxy:
    def __init__(self, settings: ModelSettings, limits: AgentLimits) -> None:
        self.settings = settings
        self.limits = limits
        self.upstream: Api = upstream_api(settings.base_url)
        self.dir = Path(tempfile.mkdtemp(prefix="swerun-model-"))
        self.dir.chmod(0o755)
        self.calls: list[ProxyCall] = []
        self.last_request: dict[str, Any] | None = None  # as chat completions, whichever wire it came on
        self.limit_hit: tuple[ExitStatus, str] | None = None
        self._lock = threading.Lock()
        self._server = _UnixHTTPServer(str(self.dir / SOCKET_NAME), _handler(self))
        (self.dir / SOCKET_NAME).chmod(0o666)
        self._thread = threading.Thread(target=self._server.serve_forever, name="swerun-model-proxy", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        for p in self.dir.iterdir():
            p.unlink(missing_ok=True)
        self.dir.rmdir()

    def __enter__(self) -> ModelProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def model_calls(self) -> list[ProxyCall]:
        return [c for c in self.calls if c.api]

    def totals(self) -> tuple[int, int, float]:
        chat = self.model_calls()
        return len(chat), sum(c.usage.total for c in chat), sum(c.cost for c in chat)

    def refusal(self) -> str | None:
        """Why the next model call must be refused, if a limit is reached (recorded once)."""
        steps, tokens, cost = self.totals()
        lim = self.limits
        hit = None
        if lim.step_limit and steps >= lim.step_limit:
            hit = ExitStatus.STEP_LIMIT, f"reached the step limit ({lim.step_limit} model calls)"
        elif lim.cost_limit and cost >= lim.cost_limit:
            hit = ExitStatus.COST_LIMIT, f"cost ${cost:.4f} reached the limit ${lim.cost_limit:.4f}"
        elif lim.token_limit and tokens >= lim.token_limit:
            hit = ExitStatus.TOKEN_LIMIT, f"used {tokens} tokens (limit {lim.token_limit})"
        if hit and self.limit_hit is None:
            self.limit_hit = hit
        return hit[1] if hit else None

    def _remember(self, api: Api, body: bytes) -> dict[str, Any]:
        """The request, parsed, and kept as the conversation so far: the latest one that offered tools
        (the agent's own loop; side calls such as summaries offer none) or, before any did, the latest."""
        try:
            req = json.loads(body or b"{}")
        except json.JSONDecodeError:
            return {}
        if not isinstance(req, dict):
            return {}
        wire = req if api == "openai" else {"messages": aw.openai_messages(req), "tools": aw.openai_tools(req)}
        if wire.get("tools") or not (self.last_request or {}).get("tools"):
            self.last_request = wire
        return req

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes,
                out: BaseHTTPRequestHandler) -> None:
        """Route one call by the wire the agent speaks: chat completions is relayed as it always was (the
        endpoint must speak it); an Anthropic call is relayed to an Anthropic endpoint or translated."""
        if method == "HEAD":  # Claude Code's connection warm-up: nothing for the endpoint
            _send(out, 200, b"", "text/plain")
            return
        api = _client_api(path)
        anthropic = api == "anthropic" or any(k.lower() == "anthropic-version" for k in headers)
        route = path.split("?")[0].rstrip("/")
        if anthropic and self.upstream == "openai" and api is None:
            if route.endswith("/messages/count_tokens"):  # no such thing in chat completions: an estimate
                try:
                    counted = json.loads(body or b"{}")
                except json.JSONDecodeError:
                    counted = {}
                estimate = aw.estimate_input_tokens(counted if isinstance(counted, dict) else {})
                _send_json(out, 200, {"input_tokens": estimate})
            else:
                _send_json(out, 404, aw.anthropic_error(404, f"swerun proxy: {route} has no counterpart in the "
                                                             "model endpoint's chat-completions API"))
            return
        wire: Api = "anthropic" if anthropic and self.upstream == "anthropic" else "openai"
        translate = api == "anthropic" and self.upstream == "openai"
        # a chat-completions agent's base URL is .../v1, which the endpoint's base stands for; an
        # Anthropic client adds /v1/messages to its base, and the endpoint's base gets the same
        rest = path[len(LOCAL_PREFIX):] if wire == "openai" and path.startswith(LOCAL_PREFIX) else path
        record = ProxyCall(started_at=now(), path=path if translate else rest, status=502, seconds=0.0, api=api)
        with self._lock:  # checked and counted at once: parallel calls cannot all slip under a step limit
            refused = self.refusal() if api else None
            if not refused:
                self.calls.append(record)
        if refused:
            message = f"swerun: {refused}; stop now."
            if api == "anthropic":
                _send_json(out, 400, aw.anthropic_error(400, message))
            else:
                _send_json(out, 400, {"error": {"message": message, "type": "invalid_request_error",
                                                "code": "swerun_limit"}})
            return
        req = self._remember(api, body) if api else {}
        t0 = time.monotonic()
        if translate:
            self._translate(record, req, out, t0)
        else:
            self._relay(record, wire, method, rest, headers, body, out, t0)

    def _connect(self) -> tuple[http.client.HTTPConnection, str]:
        up = urlsplit(self.settings.base_url)
        if up.scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                up.hostname, up.port, timeout=self.settings.timeout, context=ssl.create_default_context())
        else:
            conn = http.client.HTTPConnection(up.hostname, up.port, timeout=self.settings.timeout)
        return conn, up.path.rstrip("/")

    def _auth(self, wire: Api) -> dict[str, str]:
        key = self.settings.api_key.get_secret_value()
        return {"x-api-key": key} if wire == "anthropic" else {"Authorization": f"Bearer {key}"}

    def _relay(self, record: ProxyCall, wire: Api, method: str, rest: str, headers: dict[str, str], body: bytes,
               out: BaseHTTPRequestHandler, t0: float) -> None:
        """The call as it came, to the endpoint's base plus ``rest``, with the real key as ``wire`` wants it.

        The last chunk is held back until the record is complete: once the agent has the end of a reply
        it may send the next call at once, and that call's limit check must count this one.
        """
        fwd = {k: v for k, v in headers.items() if k.lower() not in HOP_HEADERS}
        fwd.update(self._auth(wire))
        fwd["Content-Length"] = str(len(body))
        sent = False
        try:
            conn, base = self._connect()
            conn.request(method, base + rest, body=body if method != "GET" else None, headers=fwd)
            resp = conn.getresponse()
            record.status = resp.status
            out.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in HOP_HEADERS:
                    out.send_header(k, v)
            out.send_header("Connection", "close")
            out.end_headers()
            sent = True
            captured, held = bytearray(), b""
            while chunk := resp.read1(65536):
                if held:
                    out.wfile.write(held)
                    out.wfile.flush()
                held = chunk
                if len(captured) < CAPTURE_LIMIT:
                    captured += chunk
            conn.close()
            if record.api and resp.status == 200:
                assemble = _assemble if record.api == "openai" else aw.assemble_anthropic
                record.usage, record.response = assemble(bytes(captured), resp.getheader("content-type") or "")
                record.cost = self.settings.cost(record.usage)
            elif resp.status >= 400:
                record.error = bytes(captured[:500]).decode("utf-8", "replace")
            record.seconds = time.monotonic() - t0
            out.wfile.write(held)
            out.wfile.flush()
        except (OSError, http.client.HTTPException) as exc:
            self._failed(record, exc, out, sent, t0)

    def _translate(self, record: ProxyCall, req: dict[str, Any], out: BaseHTTPRequestHandler, t0: float) -> None:
        """An Anthropic Messages call answered by a chat-completions endpoint, translated both ways; the
        record is complete before the reply's end reaches the agent, as in ``_relay``."""
        model = str(req.get("model") or self.settings.model)
        payload = json.dumps(aw.openai_request(req, self.settings)).encode()
        sent = False
        try:
            conn, base = self._connect()
            conn.request("POST", base + "/chat/completions", body=payload,
                         headers={"Content-Type": "application/json", "Content-Length": str(len(payload)),
                                  **self._auth("openai")})
            resp = conn.getresponse()
            record.status = resp.status
            ctype = resp.getheader("content-type") or ""
            if resp.status == 200 and "event-stream" in ctype:
                stream = aw.StreamTranslator(model)
                out.send_response(200)
                out.send_header("Content-Type", "text/event-stream")
                out.send_header("Cache-Control", "no-cache")
                out.send_header("Connection", "close")
                out.end_headers()
                sent = True
                out.wfile.write(stream.start())
                captured = bytearray()
                while chunk := resp.read1(65536):
                    if len(captured) < CAPTURE_LIMIT:
                        captured += chunk
                    if events := stream.feed(chunk):
                        out.wfile.write(events)
                        out.wfile.flush()
                conn.close()
                record.usage, record.response = _assemble(bytes(captured), ctype)
                record.cost = self.settings.cost(record.usage)
                record.seconds = time.monotonic() - t0
                out.wfile.write(stream.finish())
                out.wfile.flush()
                return
            raw = resp.read(CAPTURE_LIMIT)
            conn.close()
            status, reply = resp.status, None
            if status != 200:
                record.error = raw[:500].decode("utf-8", "replace")
                reply = aw.anthropic_error(status, aw.error_message(raw))
            else:
                try:
                    completion = json.loads(raw)
                except json.JSONDecodeError:
                    completion = None
                if isinstance(completion, dict):
                    record.usage, record.response = _assemble(raw, ctype)
                    record.cost = self.settings.cost(record.usage)
                    reply = aw.anthropic_message(completion, model)
                else:
                    status = record.status = 502
                    record.error = "the endpoint's answer is not JSON: " + raw[:300].decode("utf-8", "replace")
                    reply = aw.anthropic_error(502, record.error)
            record.seconds = time.monotonic() - t0
            sent = True
            _send_json(out, status, reply)
        except (OSError, http.client.HTTPException) as exc:
            self._failed(record, exc, out, sent, t0)

    def _failed(self, record: ProxyCall, exc: Exception, out: BaseHTTPRequestHandler, sent: bool,
                t0: float) -> None:
        record.error = f"{type(exc).__name__}: {exc}"
        record.seconds = time.monotonic() - t0
        log.warning("model proxy: upstream failed: %s", record.error)
        if sent:  # the answer had begun: the agent sees it break off
            return
        message = f"swerun proxy: upstream failed: {record.error}"
        try:
            _send_json(out, 502, aw.anthropic_error(502, message) if record.api == "anthropic"
                       else {"error": {"message": message}})
        except OSError:
            pass


def _send(out: BaseHTTPRequestHandler, status: int, raw: bytes, ctype: str) -> None:
    out.send_response(status)
    out.send_header("Content-Type", ctype)
    out.send_header("Content-Length", str(len(raw)))
    out.send_header("Connection", "close")
    out.end_headers()
    out.wfile.write(raw)


def _send_json(out: BaseHTTPRequestHandler, status: int, data: dict[str, Any]) -> None:
    _send(out, status, json.dumps(data).encode(), "application/json")


def _handler(proxy: ModelProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def address_string(self) -> str:  # Unix sockets have no peer address
            return "agent"

        def log_message(self, fmt: str, *args: Any) -> None:
            log.debug("model proxy: " + fmt, *args)

        def _body(self) -> bytes:
            if "chunked" not in (self.headers.get("Transfer-Encoding") or "").lower():
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = []
            while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(parts)

        def _do(self) -> None:
            body = self._body()
            proxy.forward(self.command, self.path, dict(self.headers.items()), body, self)

        do_GET = do_POST = do_HEAD = _do

    return Handler
