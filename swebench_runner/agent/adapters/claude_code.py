"""Claude Code as the agent: the real ``@anthropic-ai/claude-code`` CLI, headless, in the instance's container.

The layer, the sandbox and the records are every Node CLI agent's (``node_cli.py``); the package is pinned
in ``harness/agent/claude-code.yaml`` (why that version: see there). Claude Code runs in print mode
(``-p``, the prompt on stdin) with ``stream-json`` output, so the trajectory keeps every message and
tool result it saw, and with permissions bypassed: the container is the sandbox, and as root Claude Code
accepts that only with ``IS_SANDBOX=1``. Its Anthropic endpoint is the in-container relay of swerun's
proxy, which adds the real key (``x-api-key``) on the host, or translates to a chat-completions endpoint
for any other model, and enforces the step, token and cost limits. Every model slot (main, the small
fast model, subagents) is the configured model, so no call goes to a model the key or the budget is
not meant for. No auto-update, telemetry, error reports or other traffic beyond the model calls: the
container could not reach it, and waiting for it would only cost time.
"""

from __future__ import annotations

from typing import Any

from ...sandbox.base import ExecResult
from ..trajectory import ExitStatus
from .base import KEY_PLACEHOLDER
from .node_cli import PORT, NodeCliAgent

QUIET = ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "DISABLE_TELEMETRY", "DISABLE_AUTOUPDATER",
         "DISABLE_ERROR_REPORTING", "DISABLE_INSTALLATION_CHECKS", "DISABLE_COST_WARNINGS",
         "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY", "CLAUDE_CODE_DISABLE_TERMINAL_TITLE", "CLAUDE_CODE_DISABLE_AUTO_MEMORY")
MODEL_SLOTS = ("ANTHROPIC_MODEL", "ANTHROPIC_SMALL_FAST_MODEL", "ANTHROPIC_DEFAULT_HAIKU_MODEL",
               "ANTHROPIC_DEFAULT_SONNET_MODEL", "ANTHROPIC_DEFAULT_OPUS_MODEL", "CLAUDE_CODE_SUBAGENT_MODEL")


class ClaudeCodeAgent(NodeCliAgent):
    name = "claude-code"
    title = "Claude Code"

    def cli_args(self) -> list[str]:
        # user settings only: the run is swerun's settings, not whatever .claude/ the repository ships
        return ["-p", "--output-format", "stream-json", "--verbose", "--model", self.settings.model,
                "--permission-mode", "bypassPermissions", "--setting-sources", "user",
                "--no-session-persistence"]

    def env(self) -> dict[str, str]:
        s, command_ms = self.settings, str(int(self.limits.command_timeout * 1000))
        env = {"ANTHROPIC_BASE_URL": f"http://127.0.0.1:{PORT}", "ANTHROPIC_API_KEY": KEY_PLACEHOLDER,
               "IS_SANDBOX": "1", "HOME": "/root", "SHELL": "/bin/bash", "NO_COLOR": "1",
               "CLAUDE_CODE_MAX_RETRIES": str(s.max_retries), "API_TIMEOUT_MS": str(int(s.timeout * 1000)),
               "BASH_DEFAULT_TIMEOUT_MS": command_ms, "BASH_MAX_TIMEOUT_MS": command_ms,
               **dict.fromkeys(QUIET, "1"), **dict.fromkeys(MODEL_SLOTS, s.model)}
        if s.max_tokens:
            env["CLAUDE_CODE_MAX_OUTPUT_TOKENS"] = str(s.max_tokens)
        return env

    def cli_status(self, res: ExecResult, events: list[Any] | str) -> tuple[ExitStatus, str] | None:
        """Claude Code's closing ``result`` event: its turn limit, or an error it ended on with exit 0."""
        result = next((e for e in reversed(events) if isinstance(e, dict) and e.get("type") == "result"), None) \
            if isinstance(events, list) else None
        if result is None:
            return None
        if result.get("subtype") == "error_max_turns":
            return ExitStatus.STEP_LIMIT, "Claude Code reached its turn limit"
        if result.get("is_error") and res.returncode == 0:
            return ExitStatus.STOPPED, f"Claude Code ended on an error: {str(result.get('result'))[:400]}"
        return None
