"""Fixtures of the agent tests: a scripted chat-completions server, the mini split, an agent container."""

from __future__ import annotations

import os
import shutil

import pytest

from swebench_runner.artifacts import RunDir
from swebench_runner.backends.docker_builder import ImageBuilder
from swebench_runner.dataset import load_dataset
from swebench_runner.evaluation.evaluate import EvalContext, prepare_image
from swebench_runner.repos import RepoStore
from swebench_runner.settings import RunSettings
from swebench_runner.spec import spec_for

from ..conftest import IN_CI
from .fake_openai import FakeOpenAIServer

SENTINEL_KEY = "sk-swerun-SENTINEL-7f3a9c2e51"  # must never appear in any file or log


@pytest.fixture
def serve():
    """Start a FakeOpenAIServer with a script; stopped after the test."""
    servers: list[FakeOpenAIServer] = []

    def start(script, model: str = "fake-model") -> FakeOpenAIServer:
        srv = FakeOpenAIServer(script, model=model).__enter__()
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.__exit__(None, None, None)


@pytest.fixture(scope="session")
def mini_split():
    return load_dataset("mini")


@pytest.fixture(scope="session")
def textkit2(mini_split):
    return mini_split.by_id()["swerun-mini__textkit-2"]


@pytest.fixture(scope="session")
def instance_image(docker_engine, textkit2, tmp_path_factory):
    """The textkit-2 instance image (built once on a cold machine, reused after)."""
    run = RunDir(tmp_path_factory.mktemp("images"), "images")
    settings = EvalContext(settings=RunSettings(run_id=run.run_id, results_root=run.path.parent),
                           builder=ImageBuilder(RepoStore(), run.build_logs))
    return prepare_image(settings, textkit2, spec_for(textkit2))


@pytest.fixture(scope="session")
def npm_available():
    if shutil.which("npm") is None:
        if IN_CI:
            pytest.fail("npm is required in CI for the Qwen Code adapter test")
        pytest.skip("npm is not installed")


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No model variables from the machine, and no .env found above the test's folder."""
    for var in list(os.environ):
        if var.startswith(("OPENAI_", "DASHSCOPE_")) or var == "SWERUN_MODELS_CONFIG":
            monkeypatch.delenv(var)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path
