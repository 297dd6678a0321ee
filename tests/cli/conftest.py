"""Helpers for the CLI tests: the installed ``swerun`` in a child process, and a clean in-process state."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from swebench_runner.resources import SPECS_ENV

# the headline command of the brief: a model behind an endpoint nobody listens on, mirrors by URL template
HEADLINE = ["--model", "openai:m", "--base-url", "http://127.0.0.1:9/v1",
            "--repo-url", "file:///x/{owner}+{name}/repo", "--split", "mini"]


def swerun_argv() -> list[str]:
    """The console script the package installs (``swerun``), else ``python -m swebench_runner``."""
    script = Path(sys.executable).with_name("swerun")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "swebench_runner"]


def run_swerun(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    child_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", SPECS_ENV, "SWERUN_REPO_URL",
                 "SWERUN_REGISTRY", "SWERUN_MODELS_CONFIG"):
        if name not in (env or {}):
            child_env.pop(name, None)
    return subprocess.run([*swerun_argv(), *args], cwd=cwd, env=child_env, text=True, capture_output=True,
                          timeout=120)


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.fixture
def in_process(monkeypatch, tmp_path):
    """Run ``main`` in this process and put back what an invocation changes: the swebench_runner logger's
    handlers (stderr, the run's log file), the SIGTERM/SIGHUP handlers, ``SWERUN_SPECS``, the cwd."""
    logger = logging.getLogger("swebench_runner")
    handlers, level = logger.handlers[:], logger.level
    sigs = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    for name in (SPECS_ENV, "OPENAI_API_KEY", "OPENAI_BASE_URL", "SWERUN_REPO_URL", "SWERUN_REGISTRY"):
        monkeypatch.setenv(name, "")  # recorded, so deleting it is undone too
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    for h in logger.handlers:
        if h not in handlers:
            h.close()
    logger.handlers[:] = handlers
    logger.setLevel(level)
    for s, h in sigs.items():
        signal.signal(s, h)
