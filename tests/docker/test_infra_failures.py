"""Infrastructure failures are retried, recorded apart from the model's failures, and redone on rerun."""

import json

import pytest

from swebench_runner.dataset import load_dataset
from swebench_runner.predictions import load_predictions
from swebench_runner.types import Outcome

from ..helpers import swerun
from .conftest import evaluate

pytestmark = pytest.mark.docker

SLOW_TEST = ("diff --git a/tests/test_slow.py b/tests/test_slow.py\nnew file mode 100644\n--- /dev/null\n"
             "+++ b/tests/test_slow.py\n@@ -0,0 +1,5 @@\n+import time\n+\n+\n+def test_slow():\n+    time.sleep(60)\n")


def _variant(mini, tmp_path, **changes):
    """A one-row dataset file: a mini instance with some fields changed."""
    row = {**mini.instances[0].model_dump(), **changes}
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps(row) + "\n")
    return load_dataset(dataset=str(path)), path


def test_test_patch_that_does_not_apply_is_infrastructure(docker_engine, mini, tmp_path):
    broken = mini.instances[0].test_patch.replace("\n ", "\n not in the file ", 3)
    ds, path = _variant(mini, tmp_path, test_patch=broken)
    out = evaluate(ds, load_predictions("gold", ds), tmp_path / "results", "broken-test-patch", workers=1)
    res = out.results[ds.instances[0].instance_id]
    assert res.outcome is Outcome.INFRA_ERROR and res.attempts == 2
    assert "applying the test patch" in res.reason
    assert out.report["infra_failure_ids"] == [res.instance_id] and out.report["resolved_instances"] == 0
    assert out.report["unresolved_ids"] == [] and res.instance_id in out.report["error_ids"]
    # the CLI says so with its exit status, and a rerun tries again instead of reusing the failure
    proc = swerun("eval", "--dataset", str(path), "--predictions", "gold", "--run-id", "broken-test-patch",
                  "--results-dir", str(tmp_path / "results"), "--retries", "0")
    assert proc.returncode == 3 and "1 evaluated now" in proc.stdout


def test_timeout_inside_the_container_is_infrastructure(docker_engine, mini, tmp_path):
    ds, _ = _variant(mini, tmp_path, test_patch=SLOW_TEST, FAIL_TO_PASS=["tests/test_slow.py::test_slow"],
                     PASS_TO_PASS=[])
    from swebench_runner.runner import run_evaluation
    from swebench_runner.settings import RunSettings

    out = run_evaluation(ds, load_predictions("gold", ds), RunSettings(
        run_id="slow", results_root=tmp_path / "results", timeout=3, retries=0, progress=False))
    res = out.results[ds.instances[0].instance_id]
    assert res.outcome is Outcome.INFRA_ERROR and "ran past 3s" in res.reason
    assert ">>>>> Tests Timed Out" in out.run.file(res.instance_id, "test_output.txt").read_text()


EXIT_124 = ("diff --git a/tests/conftest.py b/tests/conftest.py\nnew file mode 100644\n--- /dev/null\n"
            "+++ b/tests/conftest.py\n@@ -0,0 +1,5 @@\n+import os\n+\n+\n+def pytest_unconfigure(config):\n"
            "+    os._exit(124)\n")


def test_a_test_command_exiting_124_early_is_not_a_timeout(docker_engine, mini, tmp_path):
    """`timeout 10s mocha ...` in a row's test command exits 124 when mocha hangs: a verdict, not ours."""
    inst = mini.instances[0]
    ds, _ = _variant(mini, tmp_path, test_patch=inst.test_patch + EXIT_124)
    out = evaluate(ds, load_predictions("gold", ds), tmp_path / "results", "exit-124", workers=1)
    res = out.results[inst.instance_id]
    assert res.outcome is Outcome.UNRESOLVED and res.test_exit_code == 124 and res.attempts == 1
    assert ">>>>> Tests Timed Out" not in out.run.file(res.instance_id, "test_output.txt").read_text()
