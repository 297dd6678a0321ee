"""Replay a trajectory command by command in a fresh container of the instance image.

Each recorded tool call goes through the same ``ToolBox`` the agent used (bash session, file editor),
so a replay shows whether the run is reproducible: per call, whether the output matches what the agent
saw, and at the end whether the working tree gives the same patch. Outputs that depend on time or
randomness will differ; the final patch is the check that matters. Calls of tools the built-in agent
does not have (a CLI agent's own tools) are listed and skipped.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from ..agent.patch_extract import extract_patch, head_commit
from ..agent.tools import ToolBox
from ..errors import InputError
from ..model import ToolCall
from ..sandbox.base import Sandbox
from .debug import DEBUG_RUN_ID, DebugTarget
from .runfiles import TRAJECTORY

log = logging.getLogger(__name__)

REPLAYABLE = {"bash", "str_replace_editor", "submit"}


class ReplayedCall(BaseModel):
    step: int
    name: str
    arguments: str
    recorded: str
    replayed: str | None  # None: skipped (a tool replay cannot run)
    same: bool | None


class ReplayOutcome(BaseModel):
    calls: list[ReplayedCall] = Field(default_factory=list)
    patch: str = ""
    recorded_patch: str | None = None
    stopped_early: bool = False

    @property
    def same_patch(self) -> bool:
        return (self.recorded_patch or "") == self.patch


# Before each call the stepper says what to do: "run" it, "all" (run the rest without asking),
# "shell" (open a shell in the replay container, then ask again) or "quit".
Stepper = Callable[[int, str, str, Sandbox], str]


def load_trajectory(target: DebugTarget) -> dict[str, Any]:
    if target.run is None:
        raise InputError("--replay needs --run (the run whose trajectory to replay)")
    data = target.run.json(target.iid, TRAJECTORY)
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise InputError(f"run {target.run.run_id} has no trajectory for {target.iid}",
                         source=str(target.run.file(target.iid, TRAJECTORY)))
    return data


def _same(a: str, b: str) -> bool:
    return a.strip() == b.strip()


def replay(target: DebugTarget, traj: dict[str, Any], stepper: Stepper | None = None,
           on_call: Callable[[ReplayedCall], None] | None = None) -> ReplayOutcome:
    """Run every recorded tool call again, in order, in a new container; the container is removed after."""
    limits = traj.get("limits") or {}
    out = ReplayOutcome(recorded_patch=traj.get("patch"))
    name = f"swerun-replay-{target.iid}-{secrets.token_hex(3)}"
    asking = stepper is not None
    with target.settings.backend.open_sandbox(target.image.tag, run_id=DEBUG_RUN_ID, name=name,
                                              labels={"swerun.instance": target.iid, "swerun.role": "replay"}) as sb:
        box = ToolBox(sb, command_timeout=float(limits.get("command_timeout") or 120),
                      output_limit=int(limits.get("output_limit") or 10000))
        base = head_commit(sb)
        calls = [(int(step.get("index", 0)), tool) for step in traj["steps"] for tool in step.get("tools") or []]
        for index, tool in calls:
            call = ReplayedCall(step=index, name=str(tool.get("name")), arguments=str(tool.get("arguments") or ""),
                                recorded=str(tool.get("output") or ""), replayed=None, same=None)
            action = "run"
            while asking and stepper is not None:
                action = stepper(call.step, call.name, call.arguments, sb)
                if action != "shell":  # the stepper opened a shell; ask again afterwards
                    break
            if action == "quit":
                out.stopped_early = True
                break
            asking = asking and action != "all"
            if call.name in REPLAYABLE:
                obs = box.dispatch(ToolCall(id=str(tool.get("call_id") or "replay"), name=call.name,
                                            arguments=call.arguments))
                call.replayed, call.same = obs.output, _same(obs.output, call.recorded)
            out.calls.append(call)
            if on_call:
                on_call(call)
        out.patch = extract_patch(sb, base).text
    return out
