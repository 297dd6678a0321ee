"""Qwen Code as the agent: the real ``@qwen-code/qwen-code`` CLI, headless, in the instance's container.

The layer, the sandbox and the records are every Node CLI agent's (``node_cli.py``); the package is pinned
in ``harness/agent/qwen-code.yaml``. Qwen Code runs with ``--approval-mode yolo`` and JSON output, its
prompt on stdin, and its OpenAI-compatible endpoint set to the in-container relay of swerun's proxy,
which adds the real key on the host and enforces the step, token and cost limits; the wall-time limit
is passed to Qwen Code (``--max-wall-time``), so it can stop on its own, and enforced again a minute
later around the whole command.
"""

from __future__ import annotations

from typing import Any

from ...sandbox.base import ExecResult
from ..trajectory import ExitStatus
from .base import KEY_PLACEHOLDER
from .node_cli import PORT, NodeCliAgent

BUDGET_EXIT = 55  # Qwen Code's exit status when --max-wall-time or --max-tool-calls runs out


class QwenCodeAgent(NodeCliAgent):
    name = "qwen-code"
    title = "Qwen Code"
    exec_grace = 60.0

    def cli_args(self) -> list[str]:
        args = ["--approval-mode", "yolo", "--auth-type", "openai", "--output-format", "json",
                "--model", self.settings.model, "--openai-base-url", f"http://127.0.0.1:{PORT}/v1",
                "--openai-api-key", KEY_PLACEHOLDER, "--chat-recording", "false"]
        if self.limits.time_limit:
            args += ["--max-wall-time", f"{int(self.limits.time_limit)}s"]
        return args

    def env(self) -> dict[str, str]:
        return {"OPENAI_API_KEY": KEY_PLACEHOLDER, "OPENAI_BASE_URL": f"http://127.0.0.1:{PORT}/v1",
                "OPENAI_MODEL": self.settings.model, "HOME": "/root", "NO_COLOR": "1",
                "QWEN_CODE_SUPPRESS_YOLO_WARNING": "1", "QWEN_CODE_NO_RELAUNCH": "1"}

    def cli_status(self, res: ExecResult, events: list[Any] | str) -> tuple[ExitStatus, str] | None:
        if res.returncode == BUDGET_EXIT:
            return ExitStatus.TIME_LIMIT, f"Qwen Code ran out of time (exit {res.returncode})"
        return None
