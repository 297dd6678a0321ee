"""What one agent run leaves behind: a trajectory per instance and its prediction.

The trajectory holds every message, every tool call with its observation and timings, tokens, cost,
the exit status and the final patch, so a result can be audited and the per-step overhead measured.
Secrets never reach it: settings are stored through ``ModelSettings.public()`` and every text is passed
through the run's ``Redactor`` before it is written.
"""

from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, Field

from ..model import Message, Usage


class ExitStatus(str, enum.Enum):
    SUBMITTED = "submitted"
    STEP_LIMIT = "step_limit"
    COST_LIMIT = "cost_limit"
    TOKEN_LIMIT = "token_limit"
    TIME_LIMIT = "time_limit"
    FORMAT_ERROR = "format_error"  # too many replies in a row without a usable tool call
    STOPPED = "stopped"  # a CLI agent ended on its own without a submit signal
    API_ERROR = "api_error"  # the model endpoint failed after retries: infrastructure, re-asked on resume
    SANDBOX_ERROR = "sandbox_error"  # the container failed: infrastructure, re-asked on resume
    ERROR = "error"  # a bug; recorded, re-asked on resume

    @property
    def final(self) -> bool:
        """A verdict on the model (its patch is kept); the others are ours and are retried."""
        return self not in (ExitStatus.API_ERROR, ExitStatus.SANDBOX_ERROR, ExitStatus.ERROR)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class ToolRecord(BaseModel):
    call_id: str
    name: str
    arguments: str
    output: str
    error: bool = False
    seconds_exec: float = 0.0
    seconds_inside: float | None = None


class Step(BaseModel):
    index: int
    started_at: str
    thought: str = ""
    tools: list[ToolRecord] = Field(default_factory=list)
    format_error: str | None = None
    usage: Usage = Field(default_factory=Usage)
    cost: float = 0.0
    model_attempts: int = 1
    context_trims: int = 0  # times the server refused the history as too long and it was trimmed harder
    seconds_model: float = 0.0
    seconds_tools: float = 0.0  # host-side time of all sandbox calls
    seconds_commands: float = 0.0  # the commands' own time inside the container
    seconds_total: float = 0.0

    @property
    def seconds_overhead(self) -> float:
        """Time outside the model call and outside the commands: ours to make small."""
        return max(0.0, self.seconds_total - self.seconds_model - self.seconds_commands)


class Totals(BaseModel):
    steps: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    seconds: float = 0.0


class Trajectory(BaseModel):
    instance_id: str
    model_name_or_path: str
    agent: str
    model: dict[str, Any] = Field(default_factory=dict, description="model settings without the key")
    limits: dict[str, Any] = Field(default_factory=dict)
    started_at: str = Field(default_factory=now)
    finished_at: str | None = None
    exit_status: ExitStatus | None = None
    exit_reason: str = ""
    messages: list[Message] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    totals: Totals = Field(default_factory=Totals)
    patch: str | None = None
    patch_excluded: list[str] = Field(default_factory=list, description="paths left out of the patch, and why")
    extra: dict[str, Any] = Field(default_factory=dict, description="agent-specific records (CLI adapters)")

    def add_step(self, step: Step) -> None:
        self.steps.append(step)
        t = self.totals
        t.steps = len(self.steps)
        t.prompt_tokens += step.usage.prompt_tokens
        t.completion_tokens += step.usage.completion_tokens
        t.cost += step.cost


class AgentPrediction(BaseModel):
    """``prediction.json``: one SWE-bench prediction plus how it came about; written last, marks done."""

    instance_id: str
    model_name_or_path: str
    model_patch: str
    exit_status: ExitStatus
    cost: float = 0.0
    steps: int = 0

    def swebench_row(self) -> dict[str, Any]:
        return {"instance_id": self.instance_id, "model_name_or_path": self.model_name_or_path,
                "model_patch": self.model_patch}
