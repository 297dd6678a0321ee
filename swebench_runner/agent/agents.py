"""What an agent is to the pipeline, and the built-in one.

An agent brings three things: the image its container starts from (the instance image, or an agent
layer on top of it for a CLI agent that needs its own runtime), how that container is opened, and
``solve``, which works in it and fills the trajectory. Starting the container, taking the patch
afterwards and writing results are the pipeline's job (``session.py``), the same for every agent, so a
CLI agent cannot change how its work is extracted or recorded.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

from ..errors import InputError

if TYPE_CHECKING:  # types only: the CLI reads AGENTS for --agent, and --help loads no pydantic or Docker
    from ..backends.base import Backend
    from ..backends.docker_builder import ImageBuilder, ImageInfo
    from ..model import ModelClient, ModelSettings
    from ..sandbox.base import Sandbox
    from ..types import Instance
    from .loop import AgentLimits
    from .trajectory import Trajectory

OnStep = Callable[["Trajectory"], None]


class Agent(Protocol):
    name: str

    @property
    def label(self) -> str:
        """``model_name_or_path`` of this agent's predictions."""

    def image(self, builder: ImageBuilder, instance_image: ImageInfo, instance: Instance) -> str:
        """Tag of the image the agent's container starts from (built here if needed)."""

    def open(self, backend: Backend, image: str, *, run_id: str, name: str, labels: Mapping[str, str]) -> Sandbox:
        """Start the agent's container on ``backend`` (on the internal network)."""

    def solve(self, sandbox: Sandbox, instance: Instance, traj: Trajectory, on_step: OnStep) -> None:
        """Work on ``instance`` inside ``sandbox``; set ``traj.exit_status``."""


class BuiltinAgent:
    """swerun's own tool-calling loop; the model runs on the host, only tools run in the container."""

    name = "swerun"

    def __init__(self, model: ModelClient, limits: AgentLimits) -> None:
        self.model = model
        self.limits = limits

    @classmethod
    def from_settings(cls, settings: ModelSettings, limits: AgentLimits,
                      client_factory: Callable[[ModelSettings], ModelClient] | None = None) -> BuiltinAgent:
        """The model runs on the host: a client for it (``client_factory``, or the OpenAI-compatible one)."""
        from ..model import OpenAIClient

        return cls((client_factory or OpenAIClient)(settings), limits)

    def __reduce__(self) -> tuple:
        """To a Ray worker as its recipe: an API client is rebuilt there from its settings."""
        from ..model import OpenAIClient

        if isinstance(self.model, OpenAIClient):
            return (_builtin_from_settings, (self.model.settings, self.limits))
        return (BuiltinAgent, (self.model, self.limits))

    @property
    def label(self) -> str:
        return self.model.settings.label

    def image(self, builder: ImageBuilder, instance_image: ImageInfo, instance: Instance) -> str:
        return instance_image.tag

    def open(self, backend: Backend, image: str, *, run_id: str, name: str, labels: Mapping[str, str]) -> Sandbox:
        from ..settings import DEFAULT_LIMITS

        return backend.open_sandbox(image, run_id=run_id, name=name, labels=labels, limits=DEFAULT_LIMITS)

    def solve(self, sandbox: Sandbox, instance: Instance, traj: Trajectory, on_step: OnStep) -> None:
        from .loop import ToolLoop
        from .tools import ToolBox

        toolbox = ToolBox(sandbox, command_timeout=self.limits.command_timeout, output_limit=self.limits.output_limit)
        ToolLoop(self.model, toolbox, self.limits).run(instance, traj, on_step)


def _builtin_from_settings(settings: ModelSettings, limits: AgentLimits) -> BuiltinAgent:
    from ..model import OpenAIClient

    return BuiltinAgent(OpenAIClient(settings), limits)


# name -> "module:Class"; a class is loaded only when named, so the built-in path imports no adapter.
# Each class is built with ``from_settings(settings, limits, client_factory)``.
AGENTS = {
    "swerun": "swebench_runner.agent.agents:BuiltinAgent",
    "qwen-code": "swebench_runner.agent.adapters.qwen_code:QwenCodeAgent",
    "claude-code": "swebench_runner.agent.adapters.claude_code:ClaudeCodeAgent",
}


def agent_names() -> list[str]:
    """The ``--agent`` choices, in the registry's order."""
    return list(AGENTS)


def make_agent(name: str, settings: ModelSettings, limits: AgentLimits,
               client_factory: Callable[[ModelSettings], ModelClient] | None = None) -> Agent:
    """The agent called ``name``; the model client is only created for agents that call the model themselves."""
    target = AGENTS.get(name)
    if target is None:
        raise InputError(f"unknown agent {name!r}; known: {', '.join(AGENTS)}", source="--agent")
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr).from_settings(settings, limits, client_factory)
