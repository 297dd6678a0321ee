"""What every CLI-agent adapter shares: a container that reaches its model only through swerun's proxy.

A CLI agent (Qwen Code, Claude Code) runs its own loop inside the container, so unlike the built-in
agent it must call the model from there. ``ProxiedSandbox`` opens the backend's container on the internal
network with the proxy's socket folder bind-mounted read-only; the proxy lives exactly as long as the
container. The image layer, the run and the records are ``node_cli.py``'s; an adapter adds its command
line (``qwen_code.py``, ``claude_code.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...backends.base import Backend, Mount
from ...errors import InfraError
from ...model import Message, ModelSettings, ToolCall
from ...sandbox.base import ExecResult
from ..loop import AgentLimits
from .proxy import ModelProxy

MODEL_MOUNT = "/run/swerun-model"
KEY_PLACEHOLDER = "swerun-proxy-adds-the-key"


class ProxiedSandbox:
    """A backend sandbox with the model proxy's socket folder mounted in; the proxy closes with it."""

    def __init__(self, backend: Backend, image: str, proxy: ModelProxy, *, run_id: str, name: str,
                 labels: Mapping[str, str], workdir: str = "/testbed") -> None:
        self.proxy = proxy
        self.workdir = workdir
        try:
            self.inner = backend.open_sandbox(image, run_id=run_id, name=name, labels=labels, workdir=workdir,
                                              mounts=[Mount(source=str(proxy.dir), target=MODEL_MOUNT)])
        except InfraError:
            proxy.close()
            raise
        self._closed = False

    def __enter__(self) -> ProxiedSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def exec(self, argv: list[str], *, timeout: float = 60, cwd: str | None = None,
             env: Mapping[str, str] | None = None) -> ExecResult:
        return self.inner.exec(argv, timeout=timeout, cwd=cwd, env=dict(env) if env else None)

    def read_file(self, path: str) -> bytes:
        return self.inner.read_file(path)

    def write_file(self, path: str, data: bytes | str, mode: int = 0o644) -> None:
        self.inner.write_file(path, data, mode)

    def fault(self) -> str | None:
        return self.inner.fault()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self.inner.close()
            finally:
                self.proxy.close()


def open_proxied(backend: Backend, image: str, settings: ModelSettings, limits: AgentLimits, *, run_id: str,
                 name: str, labels: Mapping[str, str]) -> ProxiedSandbox:
    return ProxiedSandbox(backend, image, ModelProxy(settings, limits), run_id=run_id, name=name, labels=labels)


def wire_to_message(m: Mapping[str, Any]) -> Message:
    """A chat-completions message (as the CLI sent it, or as the proxy rendered an Anthropic one) as a
    trajectory record."""
    content = m.get("content")
    if isinstance(content, list):
        content = "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
    calls = []
    for i, c in enumerate(m.get("tool_calls") or []):
        fn = c.get("function") or c
        calls.append(ToolCall(id=c.get("id") or f"call_{i}", name=fn.get("name", ""),
                              arguments=fn.get("arguments") or ""))
    return Message(role=str(m.get("role", "user")), content=content or "", tool_calls=calls,
                   tool_call_id=m.get("tool_call_id"))

