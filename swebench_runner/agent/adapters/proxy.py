"""The host side of a CLI agent's way to its model: an HTTP proxy on a Unix socket.

The socket's folder is bind-mounted into the agent container, where a relay turns it into
``127.0.0.1:PORT``. So the container needs no network route at all, the only thing it can reach is this
proxy, and the proxy reaches only the configured endpoint. The real API key is added here, on the
host: the container (whose commands the model writes) sees a placeholder, so no tool output, CLI log
or trajectory can contain the key. The proxy also counts each model call (time, tokens, cost) for the
trajectory and enforces the step, token and cost limits by refusing further calls with a clear error.
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
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from ...model import ModelSettings, Usage
from ..loop import AgentLimits
from ..trajectory import ExitStatus, now

log = logging.getLogger(__name__)

SOCKET_NAME = "model.sock"
LOCAL_PREFIX = "/v1"  # the base path the agent is given: http://127.0.0.1:PORT/v1
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "authorization",
               "proxy-authorization", "te", "upgrade", "accept-encoding"}
CAPTURE_LIMIT = 32 << 20  # bytes of a response kept for usage accounting


class ProxyCall(BaseModel):
    started_at: str
    path: str
    status: int
    seconds: float
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


class _UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class ModelProxy:
    def __init__(self, settings: ModelSettings, limits: AgentLimits) -> None:
        self.settings = settings
        self.limits = limits
        self.dir = Path(tempfile.mkdtemp(prefix="swerun-model-"))
        self.dir.chmod(0o755)
        self.calls: list[ProxyCall] = []
        self.last_request: dict[str, Any] | None = None
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

    def totals(self) -> tuple[int, int, float]:
        chat = [c for c in self.calls if c.path.endswith("/chat/completions")]
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

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes,
                out: BaseHTTPRequestHandler) -> None:
        t0, started = time.monotonic(), now()
        chat = path.split("?")[0].rstrip("/").endswith("/chat/completions")
        with self._lock:
            refused = self.refusal() if chat else None
        if refused:
            _send_json(out, 400, {"error": {"message": f"swerun: {refused}; stop now.", "type": "invalid_request_error",
                                            "code": "swerun_limit"}})
            return
        if chat:
            try:
                self.last_request = json.loads(body or b"{}")
            except json.JSONDecodeError:
                pass
        up = urlsplit(self.settings.base_url)
        rest = path[len(LOCAL_PREFIX):] if path.startswith(LOCAL_PREFIX) else path
        target = up.path.rstrip("/") + rest
        fwd = {k: v for k, v in headers.items() if k.lower() not in HOP_HEADERS}
        fwd["Authorization"] = f"Bearer {self.settings.api_key.get_secret_value()}"
        fwd["Content-Length"] = str(len(body))
        conn_cls = http.client.HTTPSConnection if up.scheme == "https" else http.client.HTTPConnection
        kwargs: dict[str, Any] = {"context": ssl.create_default_context()} if up.scheme == "https" else {}
        record = ProxyCall(started_at=started, path=rest, status=502, seconds=0.0)
        try:
            conn = conn_cls(up.hostname, up.port, timeout=self.settings.timeout, **kwargs)
            conn.request(method, target, body=body if method != "GET" else None, headers=fwd)
            resp = conn.getresponse()
            record.status = resp.status
            out.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in HOP_HEADERS:
                    out.send_header(k, v)
            out.send_header("Connection", "close")
            out.end_headers()
            captured = bytearray()
            while chunk := resp.read1(65536):
                out.wfile.write(chunk)
                out.wfile.flush()
                if len(captured) < CAPTURE_LIMIT:
                    captured += chunk
            conn.close()
            if chat and resp.status == 200:
                record.usage, record.response = _assemble(bytes(captured), resp.getheader("content-type") or "")
                record.cost = self.settings.cost(record.usage)
            elif resp.status >= 400:
                record.error = bytes(captured[:500]).decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as exc:
            record.error = f"{type(exc).__name__}: {exc}"
            log.warning("model proxy: upstream failed: %s", record.error)
            try:
                _send_json(out, 502, {"error": {"message": f"swerun proxy: upstream failed: {record.error}"}})
            except OSError:
                pass
        record.seconds = time.monotonic() - t0
        with self._lock:
            self.calls.append(record)


def _send_json(out: BaseHTTPRequestHandler, status: int, data: dict[str, Any]) -> None:
    raw = json.dumps(data).encode()
    out.send_response(status)
    out.send_header("Content-Type", "application/json")
    out.send_header("Content-Length", str(len(raw)))
    out.send_header("Connection", "close")
    out.end_headers()
    out.wfile.write(raw)


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

        do_GET = do_POST = _do

    return Handler
