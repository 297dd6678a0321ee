"""Shared fixtures. Docker tests fail in CI when the engine is missing and skip only elsewhere."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from swebench_runner.errors import DockerUnavailable

IN_CI = bool(os.environ.get("CI"))
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "swebench"


@pytest.fixture(scope="session")
def docker_engine():
    """The Docker client, or a skip (outside CI) / failure (in CI) saying why there is none."""
    from swebench_runner.sandbox import docker as sdocker

    try:
        return sdocker.client()
    except DockerUnavailable as exc:
        if IN_CI:
            pytest.fail(f"Docker is required in CI: {exc}")
        pytest.skip(f"no Docker engine here: {exc}")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real SWE-bench data beside the project (../shared/swebench)."""
    if not SHARED.is_dir():
        if IN_CI:
            pytest.fail(f"{SHARED} is missing")
        pytest.skip(f"{SHARED} is missing")
    return SHARED


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="session")
def ubuntu_archive():
    """Ubuntu's archive, where the bases for Python 3.5-3.8/3.10/3.12 come from: a failure in CI when it
    does not answer (CI's machine reaches it as this one does), a skip elsewhere."""
    import urllib.request

    from swebench_runner.images import base_recipes

    url = base_recipes()["3.8"].keyring.url
    try:
        urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=15).close()
    except OSError as exc:
        if IN_CI:
            pytest.fail(f"Ubuntu's archive does not answer: {exc}")
        pytest.skip(f"Ubuntu's archive does not answer here: {exc}")
