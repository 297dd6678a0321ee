import os

import pytest

from swebench_runner.dataset import load_dataset
from swebench_runner.predictions import load_predictions
from swebench_runner.runner import run_evaluation
from swebench_runner.settings import RunSettings

# Real-repository tests need mirrors that only a machine with the fetch tool has: an opt-in suite
# (SWERUN_MIRRORS=/path/to/mirrors), never collected otherwise, so it can neither skip nor fail in CI.
collect_ignore = [] if os.environ.get("SWERUN_MIRRORS") else ["test_real_repos.py"]


@pytest.fixture(scope="session")
def mini():
    return load_dataset("mini")


@pytest.fixture(scope="session")
def results_root(tmp_path_factory):
    return tmp_path_factory.mktemp("results")


def evaluate(dataset, preds, results_root, run_id, workers=2):
    return run_evaluation(dataset, preds, RunSettings(run_id=run_id, results_root=results_root, max_workers=workers,
                                                    timeout=300, progress=False))


@pytest.fixture(scope="session")
def gold_run(docker_engine, mini, results_root):
    """Gold predictions on the whole mini split (builds every image on a cold machine)."""
    return evaluate(mini, load_predictions("gold", mini), results_root, "gold")
