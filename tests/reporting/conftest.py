"""One real mini run for every reporting test: a scripted agent gives each instance a gold, wrong or empty fix.

Built once per session (about 30 s once images exist), plus a gold ``swerun eval`` run to compare with.
Tests copy what they change; the runs themselves are read-only for everyone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ..conftest import IN_CI
from ..helpers import swerun
from .scripted import agent_run, plan


@pytest.fixture(scope="session")
def results_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("reporting-results")


@pytest.fixture(scope="session")
def mixed_run(docker_engine, results_root) -> Path:
    """results/q1: 16 mini instances through the agent: 6 gold, 5 wrong, 5 empty fixes, all evaluated."""
    return agent_run(results_root, "q1")


@pytest.fixture(scope="session")
def kinds() -> dict[str, str]:
    return plan()


@pytest.fixture(scope="session")
def gold_run(docker_engine, results_root, mixed_run) -> Path:
    """results/gold: ``swerun eval --predictions gold`` of the same split (no trajectories)."""
    res = swerun("eval", "--split", "mini", "--predictions", "gold", "--run-id", "gold", "--results-dir",
                 str(results_root), "--max-workers", "2")
    assert res.returncode == 0, res.stderr
    return results_root / "gold"


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and mtime: reading a run must leave this unchanged."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, and the websocket client the DevTools protocol needs; skip (fail in CI) without them."""
    binary = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
    problems = [] if binary else ["no chromium (apt-get install chromium)"]
    try:
        import websocket  # noqa: F401
    except ImportError:
        problems.append("no websocket-client (pip install websocket-client)")
    if problems:
        if IN_CI:
            pytest.fail("the browser test needs " + " and ".join(problems))
        pytest.skip(" and ".join(problems))
    return shutil.which(binary)


@pytest.fixture(scope="session")
def mini_rows():
    from swebench_runner.dataset import load_dataset

    return load_dataset("mini").by_id()
