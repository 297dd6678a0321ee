"""What every CLI-agent adapter shares: a container that reaches its model only through swerun's proxy.

A CLI agent (Qwen Code, and others later) runs its own loop inside the container, so unlike the built-in
agent it must call the model from there. ``ProxiedSandbox`` starts the container on the internal
network with the proxy's socket folder bind-mounted read-only; the proxy lives exactly as long as the
container. Adapters add the image layer and the command line (``qwen_code.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import InfraError
from ...model import Message, ModelSettings, ToolCall
from ...sandbox.docker import DockerSandbox, ensure_network
from ..loop import AgentLimits
from .proxy import ModelProxy

MODEL_MOUNT = "/run/swerun-model"
KEY_PLACEHOLDER = "swerun-proxy-adds-the-key"


class ProxiedSandbox(DockerSandbox):
    """A ``DockerSandbox`` with the model proxy's socket mounted in; the proxy closes with it."""

    def __init__(self, image: str, proxy: ModelProxy, *, run_id: str, name: str, labels: Mapping[str, str],
                 workdir: str = "/testbed") -> None:
        self.proxy = proxy
        try:
            super().__init__(image, run_id=run_id, name=name, network=ensure_network(), workdir=workdir,
                             labels=labels, volumes={str(proxy.dir): {"bind": MODEL_MOUNT, "mode": "ro"}})
        except InfraError:
            proxy.close()
            raise

    def close(self) -> None:
        was_closed = self._closed
        super().close()
        if not was_closed:
            self.proxy.close()


def open_proxied(image: str, settings: ModelSettings, limits: AgentLimits, *, run_id: str, name: str,
                 labels: Mapping[str, str]) -> ProxiedSandbox:
    return ProxiedSandbox(image, ModelProxy(settings, limits), run_id=run_id, name=name, labels=labels)


def wire_to_message(m: Mapping[str, Any]) -> Message:
    """A chat-completions message (as the CLI sent it) as a trajectory record."""
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

