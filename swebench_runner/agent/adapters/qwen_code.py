"""Qwen Code as the agent: the real ``@qwen-code/qwen-code`` CLI, headless, in the instance's container.

The agent layer adds Node.js and the pinned package (``harness/agent/qwen-code.yaml``). Qwen Code runs
with ``--approval-mode yolo`` and JSON output, its prompt on stdin, and its OpenAI-compatible endpoint
set to the in-container relay of swerun's proxy, which adds the real key on the host and enforces the
step, token and cost limits; the wall-time limit is passed to Qwen Code (``--max-wall-time``) and
enforced again around the whole command. Its diff is taken afterwards like any agent's.
"""

from __future__ import annotations

import json
import logging
import platform
from collections.abc import Mapping
from functools import cache
from typing import Any

import yaml

from ...backends.base import Backend
from ...backends.docker_builder import ImageBuilder, ImageInfo
from ...images import BaseRecipe, base_recipes
from ...model import ModelSettings, Usage
from ...resources import harness_dir
from ...sandbox.base import Sandbox
from ...types import Instance
from .. import prompts
from ..agents import OnStep
from ..loop import AgentLimits
from ..trajectory import ExitStatus, Step, ToolRecord, Trajectory
from . import npm
from .base import KEY_PLACEHOLDER, MODEL_MOUNT, ProxiedSandbox, open_proxied, wire_to_message
from .layer import AgentLayer, ensure_layer
from .node_runtime import patched_node
from .proxy import SOCKET_NAME

log = logging.getLogger(__name__)

PORT = 18080
PROMPT_PATH = "/tmp/swerun-prompt.md"
BUDGET_EXIT = 55  # Qwen Code's exit status when --max-wall-time or --max-tool-calls runs out
AGENT_FILES = ("run.sh", "relay.py", "settings.json")
IGNORED = ".qwen/\nQWEN.md\n"  # what the CLI may leave in the repository; kept out of the patch


@cache
def _recipe() -> dict[str, Any]:
    return yaml.safe_load((harness_dir() / "agent" / "qwen-code.yaml").read_text(encoding="utf-8"))


def _runtime_base() -> BaseRecipe:
    """The base whose C/C++ runtime Node runs on in every agent layer (see node_runtime.py)."""
    suite = _recipe()["runtime_base"]
    return next(r for r in base_recipes().values() if r.suite == suite)


def _arch() -> str:
    """The machine's architecture; images are built for the engine on this machine."""
    arch = platform.machine() or "x86_64"
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(arch, arch)


class QwenCodeAgent:
    name = "qwen-code"

    def __init__(self, settings: ModelSettings, limits: AgentLimits) -> None:
        self.settings = settings
        self.limits = limits

    @property
    def label(self) -> str:
        return f"qwen-code__{self.settings.label}"

    def layer(self, instance_image: str, instance_id: str) -> AgentLayer:
        r = _recipe()
        node_pkg = r["node"]["package"].get(_arch())
        if node_pkg is None:
            raise ValueError(f"no Node.js package for architecture {_arch()} in qwen-code.yaml")
        loader = r["runtime_loader"][_arch()]
        node = patched_node(npm.fetch(node_pkg, r["node"]["version"]), loader)
        qwen = npm.fetch(r["package"], r["version"])
        folder = harness_dir() / "agent"
        dockerfile = ((folder / "qwen-code.Dockerfile").read_text(encoding="utf-8")
                      .replace("@RUNTIME@", _runtime_base().tag)
                      .replace("@LIBDIR@", r["runtime_libdir"][_arch()])
                      .replace("@LOADER@", loader))
        return AgentLayer(
            kind="qwen-code", instance_id=instance_id, parent=instance_image, dockerfile=dockerfile,
            texts={f"agent/{n}": (folder / n).read_text(encoding="utf-8") for n in AGENT_FILES},
            blobs={"agent/node": (node.path, node.integrity), "agent/qwen-code.tgz": (qwen.path, qwen.integrity)})

    def image(self, builder: ImageBuilder, instance_image: ImageInfo, instance: Instance) -> str:
        builder.ensure_base(_runtime_base())  # the second stage of the layer's Dockerfile
        return ensure_layer(self.layer(instance_image.tag, instance.instance_id), builder).tag

    def open(self, backend: Backend, image: str, *, run_id: str, name: str, labels: Mapping[str, str]) -> Sandbox:
        return open_proxied(backend, image, self.settings, self.limits, run_id=run_id, name=name, labels=labels)

    def argv(self) -> list[str]:
        args = ["--approval-mode", "yolo", "--auth-type", "openai", "--output-format", "json",
                "--model", self.settings.model, "--openai-base-url", f"http://127.0.0.1:{PORT}/v1",
                "--openai-api-key", KEY_PLACEHOLDER, "--chat-recording", "false"]
        if self.limits.time_limit:
            args += ["--max-wall-time", f"{int(self.limits.time_limit)}s"]
        return ["/opt/swerun-agent/run.sh", f"{MODEL_MOUNT}/{SOCKET_NAME}", str(PORT), PROMPT_PATH, "--", *args]

    def env(self) -> dict[str, str]:
        return {"OPENAI_API_KEY": KEY_PLACEHOLDER, "OPENAI_BASE_URL": f"http://127.0.0.1:{PORT}/v1",
                "OPENAI_MODEL": self.settings.model, "HOME": "/root", "NO_COLOR": "1",
                "QWEN_CODE_SUPPRESS_YOLO_WARNING": "1", "QWEN_CODE_NO_RELAUNCH": "1"}

    def solve(self, sandbox: Sandbox, instance: Instance, traj: Trajectory, on_step: OnStep) -> None:
        assert isinstance(sandbox, ProxiedSandbox), "QwenCodeAgent runs in the sandbox its open() made"
        prompt = prompts.render("cli_instance", repo=instance.repo, repo_dir=sandbox.workdir,
                                problem_statement=instance.problem_statement)
        sandbox.write_file(PROMPT_PATH, prompt)
        exclude = sandbox.read_file(f"{sandbox.workdir}/.git/info/exclude") if self._has_exclude(sandbox) else b""
        sandbox.write_file(f"{sandbox.workdir}/.git/info/exclude", exclude + b"\n" + IGNORED.encode())
        timeout = (self.limits.time_limit or 24 * 3600) + 60
        res = sandbox.exec(self.argv(), timeout=timeout, env=self.env())
        proxy = sandbox.proxy
        self._record(traj, proxy.calls, proxy.last_request, prompt)
        traj.extra["qwen_code"] = {"exit_code": res.returncode, "timed_out": res.timed_out,
                                   "seconds": round(res.seconds, 3), "stderr_tail": res.stderr[-4000:],
                                   "events": _events(res.stdout), "proxy_calls": [c.model_dump() for c in proxy.calls]}
        traj.exit_status, traj.exit_reason = self._status(res.returncode, res.timed_out, proxy)
        on_step(traj)

    @staticmethod
    def _has_exclude(sandbox: Sandbox) -> bool:
        return sandbox.exec(["test", "-f", ".git/info/exclude"], timeout=30).returncode == 0

    def _status(self, code: int, timed_out: bool, proxy) -> tuple[ExitStatus, str]:
        if proxy.limit_hit is not None:
            return proxy.limit_hit
        if timed_out or code == BUDGET_EXIT:
            return ExitStatus.TIME_LIMIT, f"Qwen Code ran out of time (exit {code})"
        chat = [c for c in proxy.calls if c.path.endswith("/chat/completions")]
        if chat and (chat[-1].status >= 500 or chat[-1].status == 429 or chat[-1].error and chat[-1].status != 400):
            last = chat[-1]
            return ExitStatus.API_ERROR, f"the model endpoint failed: HTTP {last.status} {last.error or ''}"[:500]
        if code == 0:
            return ExitStatus.SUBMITTED, "Qwen Code finished"
        return ExitStatus.STOPPED, f"Qwen Code exited with status {code}"

    def _record(self, traj: Trajectory, calls, last_request: dict[str, Any] | None, prompt: str) -> None:
        if last_request:
            traj.messages = [wire_to_message(m) for m in last_request.get("messages") or []]
        else:
            traj.messages = [wire_to_message({"role": "user", "content": prompt})]
        for n, call in enumerate(c for c in calls if c.path.endswith("/chat/completions")):
            msg = wire_to_message(call.response or {"role": "assistant", "content": call.error or ""})
            if n == len([c for c in calls if c.path.endswith("/chat/completions")]) - 1 and call.response:
                traj.messages.append(msg)
            traj.add_step(Step(index=n + 1, started_at=call.started_at, thought=msg.content,
                               tools=[ToolRecord(call_id=c.id, name=c.name, arguments=c.arguments, output="")
                                      for c in msg.tool_calls],
                               usage=call.usage if call.usage.total else Usage(), cost=call.cost,
                               seconds_model=call.seconds, seconds_total=call.seconds))


def _events(stdout: str) -> list[Any] | str:
    """Qwen Code's JSON output (every message, tool call and result it saw), or its raw text."""
    text = stdout.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text[-20000:]
