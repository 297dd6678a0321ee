"""What the scripted model servers share (``fake_openai.py``, ``fake_anthropic.py``): a real HTTP server
on a free 127.0.0.1 port, the script (a list of replies served in order, or a function of the request),
every request kept, and a handler base that sends JSON bodies and opens event streams. Each server adds
only its protocol: which paths it answers and how a reply is encoded."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, TypeVar

R = TypeVar("R")  # the server's reply type
Q = TypeVar("Q")  # its request type


class ScriptedServer(Generic[Q, R]):
    """Serves ``script`` through ``handler`` (a ``ScriptedHandler`` subclass made for this server)."""

    def __init__(self, script: Sequence[R] | Callable[[Q], R], handler: Callable[[Any], type], model: str) -> None:
        self.script = script
        self.model = model
        self.requests: list[Q] = []
        self.other_requests: list[tuple[str, str]] = []  # (method, path) of anything off the protocol's path
        self._lock = threading.Lock()
        self._served = 0
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def __enter__(self):  # noqa: ANN204 -- the subclass itself
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def exhausted(self) -> R:
        """The reply once a list script has run out (an error in the protocol's own shape)."""
        raise NotImplementedError

    def next_numbered(self, req: Q) -> tuple[R, int]:
        """The next reply and its 1-based number among all requests served."""
        with self._lock:
            self.requests.append(req)
            number = len(self.requests)
            if callable(self.script):
                return self.script(req), number
            n = self._served
            self._served += 1
        if n >= len(self.script):
            return self.exhausted(), number
        return self.script[n], number


class ScriptedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _start_events(self) -> None:
        """Headers of a server-sent event stream; the connection closes after it."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def _event(self, data: str, name: str | None = None) -> None:
        self.wfile.write((f"event: {name}\n" if name else "").encode() + f"data: {data}\n\n".encode())
        self.wfile.flush()
