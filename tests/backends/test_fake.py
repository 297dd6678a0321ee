"""The in-memory backend: held to the conformance checks it can meet, and the run loop on it (resume,
verdicts, files written) without any engine."""

from __future__ import annotations

import json

import pytest

from swebench_runner.backends import conformance, make_backend
from swebench_runner.backends.fake import FakeBackend, gold_responder
from swebench_runner.dataset import load_dataset
from swebench_runner.errors import InputError
from swebench_runner.predictions import load_predictions
from swebench_runner.runner import run_evaluation
from swebench_runner.settings import RunSettings
from swebench_runner.types import Outcome


@pytest.fixture(scope="module")
def pytest_tasks():
    """The mini instances graded by pytest: the fake's answers are in pytest's format."""
    mini = load_dataset("mini")
    return mini.select([i.instance_id for i in mini.instances if i.repo.endswith(("textkit", "envfile"))])


@pytest.mark.parametrize("check", conformance.checks(FakeBackend()), ids=lambda c: c.__name__)
def test_conformance(check):
    check(FakeBackend(), "fake/image")


def test_unknown_backend_is_refused_by_name():
    with pytest.raises(InputError, match="unknown backend 'nomad'"):
        make_backend("nomad")


def test_gold_resolves_empty_does_not_and_resume_skips(tmp_path, pytest_tasks):
    backend = FakeBackend(responder=gold_responder(pytest_tasks.instances))
    cfg = RunSettings(run_id="fake", results_root=tmp_path, backend="fake", progress=False, image_source="swebench")
    gold = run_evaluation(pytest_tasks, load_predictions("gold", pytest_tasks), cfg, backend=backend)
    ids = {i.instance_id for i in pytest_tasks.instances}
    assert set(gold.report["resolved_ids"]) == ids and len(ids) == 6
    assert backend.scripts_run == 6
    for iid in ids:
        folder = tmp_path / "fake" / iid
        assert json.loads((folder / "report.json").read_text())[iid]["resolved"] is True
        assert {"patch.diff", "eval.sh", "test_output.txt", "run_instance.log", "result.json"} <= {
            p.name for p in folder.iterdir()}
    again = run_evaluation(pytest_tasks, load_predictions("gold", pytest_tasks), cfg, backend=backend)
    assert again.evaluated == [] and backend.scripts_run == 6  # resumed: nothing ran twice
    empty = run_evaluation(pytest_tasks, load_predictions("empty", pytest_tasks), cfg.model_copy(
        update={"run_id": "fake-empty"}), backend=backend)
    assert empty.report["resolved_ids"] == [] and {r.outcome for r in empty.results.values()} == {
        Outcome.EMPTY_PATCH}


def test_an_unknown_script_is_an_infrastructure_error_never_a_verdict(tmp_path, pytest_tasks):
    backend = FakeBackend()  # answers every script with exit 0 and no output
    cfg = RunSettings(run_id="fake-broken", results_root=tmp_path, backend="fake", progress=False,
                      image_source="swebench", retries=1)
    out = run_evaluation(pytest_tasks, load_predictions("gold", pytest_tasks), cfg, backend=backend)
    assert {r.outcome for r in out.results.values()} == {Outcome.INFRA_ERROR}
    assert all(r.attempts == 2 for r in out.results.values())
    assert out.report["resolved_ids"] == []


def test_settings_refuse_unknown_keys_and_unsafe_run_ids():
    with pytest.raises(ValueError, match="max_wrokers"):
        RunSettings(run_id="x", max_wrokers=2)
    with pytest.raises(ValueError, match="run id"):
        RunSettings(run_id="../x")
