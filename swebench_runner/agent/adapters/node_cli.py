"""What every Node.js CLI agent shares (Qwen Code, Claude Code): package, runtime, layer, sandbox, records.

Such an agent is an npm package run headless on Node.js inside the instance's container. The parts that
are the same for each live here, so an adapter is its command line (``cli_args``), its environment
(``env``), how it reads the CLI's own verdict (``cli_status``) and one YAML file under
``harness/agent/`` naming the package, its version, the script Node runs and what the CLI leaves behind:

- the agent layer: Node.js (``node-runtime.yaml``, on the private runtime of ``node_runtime.py``) and
  the packed npm package on top of the instance image, built with no network (``node-cli.Dockerfile``);
- the container: on the internal network with the model proxy's socket mounted (``base.ProxiedSandbox``),
  reached through the in-container relay at ``127.0.0.1:PORT`` (``run.sh``, ``relay.py``), host names
  failing at once in the agent's process instead of after Docker's DNS timeout (``offline.cjs``);
- the run: the prompt on stdin, the wall-time limit around the whole command, the step, token and cost
  limits in the proxy, the CLI's files kept out of the patch;
- the trajectory: one step per model call the proxy saw (its tokens, cost and tool calls, each with
  the result the CLI sent back in its next request), the CLI's own output under ``extra``.
"""

from __future__ import annotations

import json
import logging
import platform
from collections.abc import Mapping
from functools import cache
from typing import Any, ClassVar

import yaml

from ...backends.base import Backend
from ...backends.docker_builder import ImageBuilder, ImageInfo
from ...images import BaseRecipe, base_recipes
from ...model import ModelSettings, Usage
from ...resources import harness_dir
from ...sandbox.base import ExecResult, Sandbox
from ...types import Instance
from .. import prompts
from ..agents import OnStep
from ..loop import AgentLimits
from ..trajectory import ExitStatus, Step, ToolRecord, Trajectory
from . import npm
from .base import MODEL_MOUNT, ProxiedSandbox, open_proxied, wire_to_message
from .layer import AgentLayer, ensure_layer
from .node_runtime import patched_node
from .proxy import SOCKET_NAME, ModelProxy, ProxyCall

log = logging.getLogger(__name__)

PORT = 18080  # the relay's port inside the container
PROMPT_PATH = "/tmp/swerun-prompt.md"
AGENT_DIR = "/opt/swerun-agent"
LAYER_FILES = ("run.sh", "relay.py", "offline.cjs")


@cache
def agent_yaml(name: str) -> dict[str, Any]:
    return yaml.safe_load((harness_dir() / "agent" / f"{name}.yaml").read_text(encoding="utf-8"))


def runtime_base() -> BaseRecipe:
    """The base whose C/C++ runtime Node runs on in every agent layer (see node_runtime.py)."""
    suite = agent_yaml("node-runtime")["runtime_base"]
    return next(r for r in base_recipes().values() if r.suite == suite)


def host_arch() -> str:
    """The machine's architecture; images are built for the engine on this machine."""
    arch = platform.machine() or "x86_64"
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(arch, arch)


def parse_events(stdout: str) -> list[Any] | str:
    """The CLI's machine-readable output: one JSON document (Qwen Code's ``json``), JSON lines (Claude
    Code's ``stream-json``), or, if it is neither, the raw text's tail."""
    text = stdout.strip()
    try:
        doc = json.loads(text)
        return doc if isinstance(doc, list) else [doc]
    except json.JSONDecodeError:
        pass
    events = []
    for line in text.splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events or text[-20000:]


class NodeCliAgent:
    """Base of the Node CLI adapters; a subclass sets ``name`` and ``title`` and writes ``cli_args``/``env``."""

    name: ClassVar[str]  # the --agent name and the YAML file's stem, e.g. "qwen-code"
    title: ClassVar[str]  # how exit reasons name it, e.g. "Qwen Code"
    exec_grace: ClassVar[float] = 0.0  # seconds past the time limit before the command is killed

    def __init__(self, settings: ModelSettings, limits: AgentLimits) -> None:
        self.settings = settings
        self.limits = limits

    @classmethod
    def from_settings(cls, settings: ModelSettings, limits: AgentLimits,
                      client_factory: Any = None) -> NodeCliAgent:
        """A CLI agent calls the model itself, from its container: it needs no model client."""
        return cls(settings, limits)

    @property
    def label(self) -> str:
        return f"{self.name}__{self.settings.label}"

    @property
    def recipe(self) -> dict[str, Any]:
        return agent_yaml(self.name)

    @property
    def extra_key(self) -> str:
        return self.name.replace("-", "_")

    # -- the image ----------------------------------------------------------------------------------

    def layer(self, instance_image: str, instance_id: str) -> AgentLayer:
        node_cfg, r = agent_yaml("node-runtime"), self.recipe
        node_pkg = node_cfg["package"].get(host_arch())
        if node_pkg is None:
            raise ValueError(f"no Node.js package for architecture {host_arch()} in node-runtime.yaml")
        loader = node_cfg["runtime_loader"][host_arch()]
        node = patched_node(npm.fetch(node_pkg, node_cfg["version"]), loader)
        package = npm.fetch(r["package"], r["version"])
        folder = harness_dir() / "agent"
        executables = " ".join(r.get("executables") or [])
        dockerfile = ((folder / "node-cli.Dockerfile").read_text(encoding="utf-8")
                      .replace("@RUNTIME@", runtime_base().tag)
                      .replace("@LIBDIR@", node_cfg["runtime_libdir"][host_arch()])
                      .replace("@LOADER@", loader)
                      .replace("@NAME@", self.name)
                      .replace("@CHMOD@", f"chmod 0755 {executables}" if executables else ":"))
        texts = {f"agent/{n}": (folder / n).read_text(encoding="utf-8") for n in LAYER_FILES}
        texts.update({f"agent/home/{path}": json.dumps(content, indent=2) + "\n"
                      for path, content in (r.get("home") or {}).items()})
        return AgentLayer(kind=self.name, instance_id=instance_id, parent=instance_image, dockerfile=dockerfile,
                          texts=texts, blobs={"agent/node": (node.path, node.integrity),
                                              "agent/package.tgz": (package.path, package.integrity)})

    def image(self, builder: ImageBuilder, instance_image: ImageInfo, instance: Instance) -> str:
        builder.ensure_base(runtime_base())  # the second stage of the layer's Dockerfile
        return ensure_layer(self.layer(instance_image.tag, instance.instance_id), builder).tag

    def open(self, backend: Backend, image: str, *, run_id: str, name: str, labels: Mapping[str, str]) -> Sandbox:
        return open_proxied(backend, image, self.settings, self.limits, run_id=run_id, name=name, labels=labels)

    # -- the run ------------------------------------------------------------------------------------

    def cli_args(self) -> list[str]:
        """The CLI's arguments (the prompt comes on stdin)."""
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        """The CLI's environment: the relay as its endpoint, a placeholder key, no telemetry or updates."""
        raise NotImplementedError

    def argv(self) -> list[str]:
        return [f"{AGENT_DIR}/run.sh", f"{MODEL_MOUNT}/{SOCKET_NAME}", str(PORT), PROMPT_PATH,
                f"{self.name}/{self.recipe['entry']}", "--", *self.cli_args()]

    def solve(self, sandbox: Sandbox, instance: Instance, traj: Trajectory, on_step: OnStep) -> None:
        assert isinstance(sandbox, ProxiedSandbox), f"{type(self).__name__} runs in the sandbox its open() made"
        prompt = prompts.render("cli_instance", repo=instance.repo, repo_dir=sandbox.workdir,
                                problem_statement=instance.problem_statement)
        sandbox.write_file(PROMPT_PATH, prompt)
        self._exclude(sandbox)
        timeout = (self.limits.time_limit or 24 * 3600) + self.exec_grace
        res = sandbox.exec(self.argv(), timeout=timeout, env=self.env())
        proxy = sandbox.proxy
        self._record(traj, proxy, prompt)
        events = parse_events(res.stdout)
        traj.extra[self.extra_key] = {"exit_code": res.returncode, "timed_out": res.timed_out,
                                      "seconds": round(res.seconds, 3), "stderr_tail": res.stderr[-4000:],
                                      "events": events, "proxy_calls": [c.model_dump() for c in proxy.calls]}
        traj.exit_status, traj.exit_reason = self._status(res, proxy, events)
        on_step(traj)

    def _exclude(self, sandbox: Sandbox) -> None:
        """What the CLI may leave in the repository goes into .git/info/exclude: out of the patch."""
        path = f"{sandbox.workdir}/.git/info/exclude"
        has = sandbox.exec(["test", "-f", ".git/info/exclude"], timeout=30).returncode == 0
        before = sandbox.read_file(path) if has else b""
        ignored = "".join(f"{p}\n" for p in self.recipe.get("ignored") or [])
        sandbox.write_file(path, before + b"\n" + ignored.encode())

    # -- the verdict --------------------------------------------------------------------------------

    def cli_status(self, res: ExecResult, events: list[Any] | str) -> tuple[ExitStatus, str] | None:
        """The CLI's own word on how it ended, where it has one swerun does not see otherwise."""
        return None

    @staticmethod
    def api_failure(proxy: ModelProxy) -> tuple[ExitStatus, str] | None:
        """The endpoint failed on the last model call (5xx, 429, no answer): infrastructure, asked again."""
        calls = proxy.model_calls()
        last = calls[-1] if calls else None
        if last and (last.status >= 500 or last.status == 429 or last.error and last.status != 400):
            return ExitStatus.API_ERROR, f"the model endpoint failed: HTTP {last.status} {last.error or ''}"[:500]
        return None

    def _status(self, res: ExecResult, proxy: ModelProxy, events: list[Any] | str) -> tuple[ExitStatus, str]:
        if proxy.limit_hit is not None:
            return proxy.limit_hit
        if res.timed_out:
            return ExitStatus.TIME_LIMIT, f"{self.title} ran out of time (exit {res.returncode})"
        failed = self.api_failure(proxy)  # before the CLI's word: a failed endpoint is asked again
        if failed is not None:
            return failed
        said = self.cli_status(res, events)
        if said is not None:
            return said
        if res.returncode == 0:
            return ExitStatus.SUBMITTED, f"{self.title} finished"
        return ExitStatus.STOPPED, f"{self.title} exited with status {res.returncode}"

    # -- the record ---------------------------------------------------------------------------------

    def _record(self, traj: Trajectory, proxy: ModelProxy, prompt: str) -> None:
        """Messages: the last conversation the CLI sent, plus the final answer; a step per model call."""
        conversation = (proxy.last_request or {}).get("messages") or []
        if conversation:
            traj.messages = [wire_to_message(m) for m in conversation]
        else:
            traj.messages = [wire_to_message({"role": "user", "content": prompt})]
        results = {m.tool_call_id: m.content for m in traj.messages if m.role == "tool" and m.tool_call_id}
        calls: list[ProxyCall] = proxy.model_calls()
        for n, call in enumerate(calls):
            msg = wire_to_message(call.response or {"role": "assistant", "content": call.error or ""})
            if n == len(calls) - 1 and call.response:
                traj.messages.append(msg)
            traj.add_step(Step(index=n + 1, started_at=call.started_at, thought=msg.content,
                               tools=[ToolRecord(call_id=c.id, name=c.name, arguments=c.arguments,
                                                 output=results.get(c.id, "")) for c in msg.tool_calls],
                               usage=call.usage if call.usage.total else Usage(), cost=call.cost,
                               seconds_model=call.seconds, seconds_total=call.seconds))

