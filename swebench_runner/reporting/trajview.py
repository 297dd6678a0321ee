"""A trajectory as a person reads it: steps, tool calls, observations, tokens, cost.

Built from ``trajectory.json`` of swerun's agents. Long texts are cut (head and tail) so a report of
500 instances with 100-step trajectories stays a file a browser opens; the cut says how much went.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

TEXT_LIMIT = 4000  # characters of one thought, argument list or observation kept in a report
STEP_LIMIT = 250  # steps kept per trajectory (the totals still count all of them)


def clip(text: str | None, limit: int = TEXT_LIMIT) -> str:
    text = text or ""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters cut ...]\n{text[-half:]}"


class ToolView(BaseModel):
    name: str
    arguments: str  # pretty JSON when it parses, else the raw text
    output: str
    error: bool = False


class StepView(BaseModel):
    index: int
    thought: str = ""
    tools: list[ToolView] = Field(default_factory=list)
    format_error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    seconds: float = 0.0


class TrajectoryView(BaseModel):
    agent: str = ""
    model: str = ""
    exit_status: str | None = None
    exit_reason: str = ""
    steps: list[StepView] = Field(default_factory=list)
    n_steps: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    seconds: float = 0.0
    prompt: str = ""  # the first user message (the task as the agent saw it), clipped
    steps_cut: int = 0


def pretty_args(raw: str) -> str:
    """``key: value`` lines, multi-line values (a file's text, a script) as indented blocks, as people read them."""
    try:
        args = json.loads(raw)
    except (TypeError, ValueError):
        return raw
    if not isinstance(args, dict):
        return json.dumps(args, indent=1, ensure_ascii=False)
    lines = []
    for key, value in args.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if "\n" in text:
            lines.append(f"{key}:")
            lines += ["    " + line for line in text.rstrip("\n").split("\n")]
        else:
            lines.append(f"{key}: {text}")
    return "\n".join(lines)


def _step(raw: dict[str, Any]) -> StepView:
    usage = raw.get("usage") or {}
    tools = [ToolView(name=str(t.get("name", "?")), arguments=clip(pretty_args(t.get("arguments") or "")),
                      output=clip(t.get("output")), error=bool(t.get("error")))
             for t in raw.get("tools") or [] if isinstance(t, dict)]
    return StepView(index=int(raw.get("index", 0)), thought=clip(raw.get("thought")), tools=tools,
                    format_error=raw.get("format_error"), prompt_tokens=int(usage.get("prompt_tokens") or 0),
                    completion_tokens=int(usage.get("completion_tokens") or 0), cost=float(raw.get("cost") or 0),
                    seconds=float(raw.get("seconds_total") or 0))


def trajectory_view(data: Any) -> TrajectoryView | None:
    """The view of one ``trajectory.json`` (parsed); ``None`` for anything that is not one."""
    if not isinstance(data, dict) or "steps" not in data:
        return None
    steps = [s for s in data.get("steps") or [] if isinstance(s, dict)]
    totals = data.get("totals") or {}
    prompt = next((m.get("content", "") for m in data.get("messages") or []
                   if isinstance(m, dict) and m.get("role") == "user"), "")
    return TrajectoryView(
        agent=str(data.get("agent") or ""), model=str(data.get("model_name_or_path") or ""),
        exit_status=data.get("exit_status"), exit_reason=clip(data.get("exit_reason"), 1000),
        steps=[_step(s) for s in steps[:STEP_LIMIT]], steps_cut=max(0, len(steps) - STEP_LIMIT),
        n_steps=int(totals.get("steps") or len(steps)), prompt_tokens=int(totals.get("prompt_tokens") or 0),
        completion_tokens=int(totals.get("completion_tokens") or 0), cost=float(totals.get("cost") or 0),
        seconds=float(totals.get("seconds") or 0), prompt=clip(prompt, 6000))


def prompt_messages(data: Any) -> list[str]:
    """Texts the agent was *given* (system and user turns), as opposed to what it found with tools.

    The leaderboard forbids hints and test lists in what the agent is told; text a tool printed (a test
    file the agent opened) is the agent's own finding and is allowed.
    """
    if not isinstance(data, dict):
        return []
    return [str(m.get("content") or "") for m in data.get("messages") or []
            if isinstance(m, dict) and m.get("role") in ("system", "user") and not m.get("tool_call_id")]
