"""The built-in agent: ask the model, run the tools it calls, repeat until it submits or a limit ends it.

Every step is recorded in the trajectory with its timings (model call, sandbox calls, the commands'
own time inside the container), so the overhead the loop adds is measured, not guessed. Limits on
steps, cost, tokens and wall time are checked before each model call. A reply without a usable tool
call gets an error message back and counts towards ``max_format_errors`` in a row; a model endpoint
that fails after its retries ends the run with ``api_error`` (an infrastructure status that resume
re-asks). Sandbox failures (``InfraError``) propagate to the caller, which records them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from pydantic import BaseModel, Field

from ..model import ContextLengthError, Message, ModelAPIError, ModelClient, ToolMode
from ..types import Instance
from . import prompts
from .context import ContextWindow
from .parsers import bash_block_calls, example_call, param_types, read_text_calls, render_tool_docs
from .tools import ToolBox
from .trajectory import ExitStatus, Step, ToolRecord, Trajectory, now

log = logging.getLogger(__name__)

NO_TOOL_CALL = ("Your reply did not call a tool. Every reply must call exactly one tool: use `bash` or "
                "`str_replace_editor` to work, and `submit` when you are done.")
CONTEXT_TRIMS = 3  # times a context-length refusal is answered by trimming harder before the run ends
MODE_SHAPE = {ToolMode.NATIVE: "native", ToolMode.XML: "xml", ToolMode.TEXT: "bash"}


def first_messages(instance: Instance, specs: list, *, mode: ToolMode = ToolMode.NATIVE, repo_dir: str = "/testbed",
                   command_timeout: float = 120) -> list[Message]:
    """The task as the model first sees it: the system prompt (with the tools' docs when calls are text,
    or the bash-block rules in text-only mode) and the issue. The agent loop and the RL environment
    start every episode from these."""
    if mode is ToolMode.TEXT:
        system = prompts.render("system_text", repo_dir=repo_dir, command_timeout=int(command_timeout))
    else:
        docs = "" if mode is ToolMode.NATIVE else prompts.render("text_tools", tools=render_tool_docs(specs))
        system = prompts.render("system", repo_dir=repo_dir, command_timeout=int(command_timeout), tool_docs=docs)
    user = prompts.render("instance", repo_dir=repo_dir, repo=instance.repo, problem_statement=instance.problem_statement)
    return [Message(role="system", content=system), Message(role="user", content=user)]


class AgentLimits(BaseModel):
    """When a run stops; 0 disables a limit."""

    step_limit: int = Field(100, description="model calls per instance")
    cost_limit: float = Field(3.0, description="USD per instance, from the token prices in models.yaml")
    token_limit: int = Field(0, description="prompt + completion tokens per instance")
    time_limit: float = Field(3600.0, description="wall-clock seconds per instance")
    command_timeout: float = Field(120.0, description="seconds one bash command may run, enforced in the container")
    output_limit: int = Field(10000, description="characters of tool output shown to the model (head + tail)")
    max_format_errors: int = Field(3, description="replies in a row without a usable tool call before giving up")


class ToolLoop:
    name = "swerun"

    def __init__(self, model: ModelClient, toolbox: ToolBox, limits: AgentLimits, *, repo_dir: str = "/testbed",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.model = model
        self.toolbox = toolbox
        self.limits = limits
        self.repo_dir = repo_dir
        self.clock = clock
        s = model.settings
        self.context = ContextWindow(s.context_length, (s.max_tokens or 4096) + 512)
        self._types = param_types(toolbox.specs)
        self.shape = MODE_SHAPE[s.tool_mode]  # the call shape the model uses: error replies show it

    def first_messages(self, instance: Instance) -> list[Message]:
        return first_messages(instance, self.toolbox.specs, mode=self.model.settings.tool_mode,
                              repo_dir=self.repo_dir, command_timeout=self.limits.command_timeout)

    def _limit(self, traj: Trajectory, started: float) -> tuple[ExitStatus, str] | None:
        lim, t = self.limits, traj.totals
        if lim.step_limit and t.steps >= lim.step_limit:
            return ExitStatus.STEP_LIMIT, f"reached the step limit ({lim.step_limit})"
        if lim.cost_limit and t.cost >= lim.cost_limit:
            return ExitStatus.COST_LIMIT, f"cost ${t.cost:.4f} reached the limit ${lim.cost_limit:.4f}"
        if lim.token_limit and t.prompt_tokens + t.completion_tokens >= lim.token_limit:
            used = t.prompt_tokens + t.completion_tokens
            return ExitStatus.TOKEN_LIMIT, f"used {used} tokens (limit {lim.token_limit})"
        if lim.time_limit and self.clock() - started >= lim.time_limit:
            return ExitStatus.TIME_LIMIT, f"ran {self.clock() - started:.0f}s (limit {lim.time_limit:.0f}s)"
        return None

    def run(self, instance: Instance, traj: Trajectory, on_step: Callable[[Trajectory], None] | None = None) -> None:
        """Drive the conversation; sets ``traj.exit_status`` and ``traj.exit_reason``."""
        started = self.clock()
        if not traj.messages:
            traj.messages.extend(self.first_messages(instance))
        format_errors = 0
        while True:
            hit = self._limit(traj, started)
            if hit:
                traj.exit_status, traj.exit_reason = hit
                return
            step, submitted, malformed = self._step(traj)
            traj.add_step(step)
            traj.totals.seconds = self.clock() - started
            if on_step is not None:
                on_step(traj)
            if traj.exit_status is not None:  # the model API failed for good
                return
            if submitted:
                traj.exit_status, traj.exit_reason = ExitStatus.SUBMITTED, ""
                return
            format_errors = format_errors + 1 if malformed else 0
            if self.limits.max_format_errors and format_errors >= self.limits.max_format_errors:
                traj.exit_status = ExitStatus.FORMAT_ERROR
                traj.exit_reason = f"{format_errors} replies in a row without a usable tool call"
                return

    def _step(self, traj: Trajectory) -> tuple[Step, bool, bool]:
        """One model call and the tool calls it makes: (record, submitted, malformed)."""
        t0 = self.clock()
        step = Step(index=len(traj.steps) + 1, started_at=now())
        sent = self.context.fit(traj.messages)
        try:
            for trim in range(CONTEXT_TRIMS + 1):
                try:
                    reply = self.model.complete(sent, self.toolbox.specs)
                    break
                except ContextLengthError:  # the server's count is the truth: shrink the budget, ask again
                    if trim == CONTEXT_TRIMS:
                        raise
                    self.context.shrink()
                    log.warning("context overflow; trimming the history to %d tokens", self.context.budget)
                    step.context_trims += 1
                    sent = self.context.fit(traj.messages)
        except ModelAPIError as exc:
            step.seconds_total = self.clock() - t0
            traj.exit_status, traj.exit_reason = ExitStatus.API_ERROR, str(exc)
            return step, False, False
        self.context.observe(sent, reply.usage)
        msg = reply.message
        step.usage, step.cost = reply.usage, reply.cost
        step.model_attempts, step.seconds_model = reply.attempts, reply.seconds
        parse_error = None
        if self.model.settings.tool_mode is ToolMode.TEXT:
            got = bash_block_calls(msg.content)
            msg.tool_calls, msg.text_calls, parse_error = got.calls, bool(got.calls), got.error
        elif not msg.tool_calls and msg.content:
            got = read_text_calls(msg.content, self._types)
            msg.tool_calls, msg.text_calls, parse_error = got.calls, bool(got.calls), got.error
            self.shape = got.shape or self.shape
        elif msg.tool_calls:
            self.shape = "native"  # the server parsed the calls: teach in the API's terms
        traj.messages.append(msg)
        step.thought = msg.content
        if not msg.tool_calls:
            step.format_error = f"{parse_error or NO_TOOL_CALL} {example_call(self.shape)}"
            traj.messages.append(Message(role="user", content=step.format_error))
            step.seconds_total = self.clock() - t0
            return step, False, True
        submitted, malformed = False, True
        for call in msg.tool_calls:
            obs = self.toolbox.dispatch(call)
            malformed = malformed and obs.malformed
            step.tools.append(ToolRecord(call_id=call.id, name=call.name, arguments=call.arguments, output=obs.output,
                                         error=obs.error, seconds_exec=obs.seconds_exec,
                                         seconds_inside=obs.seconds_inside))
            step.seconds_tools += obs.seconds_exec
            step.seconds_commands += obs.seconds_inside or 0.0
            traj.messages.append(Message(role="tool", content=obs.output, tool_call_id=call.id))
            if obs.submitted:
                submitted = True
                break
        step.seconds_total = self.clock() - t0
        return step, submitted, malformed
