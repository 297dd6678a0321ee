"""The dataset formats end to end on real containers: a SWE-smith bug on a snapshot, a SWE-rebench
row's own environment, and a task folder's binary test asset (from the folder, and fetched from a
real HTTP server), each graded by the row's own recipe."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import pytest
import yaml

from swebench_runner.dataset import load_dataset
from swebench_runner.official import official_style_script
from swebench_runner.predictions import load_predictions
from swebench_runner.resources import harness_dir
from swebench_runner.types import Outcome, Prediction

from ..helpers import patch_against, read_base
from .conftest import evaluate

pytestmark = pytest.mark.docker

ENVFILE = "swerun-mini__envfile-1"
COMMENTS = ["tests/test_parser.py::test_comments_and_blank_lines_are_skipped", "tests/test_parser.py::test_line_numbers"]


@pytest.fixture(scope="module")
def envfile(mini):
    return mini.by_id()[ENVFILE]


def _rows(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def test_swe_smith_bug_on_a_snapshot(docker_engine, envfile, tmp_path, monkeypatch):
    """The bug is committed in the image; its reverse resolves, nothing else does."""
    source = read_base(envfile, tmp_path, "envfile/parser.py")
    bug = patch_against(envfile, tmp_path, {"envfile/parser.py": source.replace(
        'if not line or line.startswith("#"):', "if not line:")})
    snap = envfile.base_commit[:8]
    specs = tmp_path / "specs"
    specs.mkdir()
    spec = yaml.safe_load((harness_dir() / "specs" / "swerun-mini__envfile.yaml").read_text())
    spec["versions"] = {snap: spec["versions"][envfile.version]}  # SWE-smith versions are snapshots
    (specs / "swerun-mini__envfile.yaml").write_text(yaml.safe_dump(spec))
    monkeypatch.setenv("SWERUN_SPECS", str(specs))
    iid = f"swerun-mini__envfile.{snap}.func_pm_remove_cond__abc123"
    row = {"instance_id": iid, "repo": f"swesmith/swerun-mini__envfile.{snap}", "patch": bug,
           "FAIL_TO_PASS": COMMENTS, "PASS_TO_PASS": ["tests/test_api.py::test_apply_override"],
           "image_name": f"swesmith.x86_64.swerun-mini_1776_envfile.{snap}", "problem_statement": "comments break"}
    ds = load_dataset(dataset=_rows(tmp_path / "smith.jsonl", [row]))
    gold = evaluate(ds, load_predictions("gold", ds), tmp_path / "results", "smith-gold", workers=1).results[iid]
    assert gold.outcome is Outcome.RESOLVED, gold.reason
    noop = {iid: Prediction(instance_id=iid, model_name_or_path="noop", model_patch="")}
    wrong = {iid: Prediction(instance_id=iid, model_name_or_path="wrong", model_patch=(
        "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1,2 @@\n"
        + "".join(f"{c}{line}\n" for c, line in [(" ", read_base(envfile, tmp_path, "README.md").splitlines()[0]),
                                                   ("+", "more")])))}
    res = evaluate(ds, wrong, tmp_path / "results", "smith-wrong", workers=1).results[iid]
    assert res.outcome is Outcome.UNRESOLVED and sorted(res.failing_tests) == COMMENTS, res.reason
    assert evaluate(ds, noop, tmp_path / "results", "smith-empty", workers=1).results[iid].outcome is Outcome.EMPTY_PATCH
    from swebench_runner.backends.docker_engine import client

    log = client().containers.run(gold.image, ["git", "log", "--all", "--format=%s"], remove=True,
                                  network_mode="none").decode().split("\n")
    assert log[0] == "swerun: task starting state" and len([x for x in log if x]) <= 3, log


def test_swe_rebench_row_builds_its_own_environment(docker_engine, envfile, tmp_path):
    row = {k: v for k, v in envfile.model_dump().items() if v not in (None, {}, [])}
    row["install_config"] = {"python": "3.11", "install": "python -m pip install --no-build-isolation --no-deps -e .",
                             "pip_packages": ["pytest==8.3.4", "setuptools==75.8.0", "wheel==0.45.1"],
                             "test_cmd": "python -m pytest -rA -p no:cacheprovider", "log_parser": "parse_log_pytest"}
    ds = load_dataset(dataset=_rows(tmp_path / "rebench.jsonl", [row]))
    assert ds.instances[0].spec is not None
    out = evaluate(ds, load_predictions("gold", ds), tmp_path / "results", "rebench", workers=1)
    assert out.results[ENVFILE].outcome is Outcome.RESOLVED, out.results[ENVFILE].reason
    empty = evaluate(ds, load_predictions("empty", ds), tmp_path / "results", "rebench-empty", workers=1)
    assert empty.report["resolved_instances"] == 0


BLOB = bytes(range(256)) * 4
BLOB_TEST = ("diff --git a/tests/test_blob.py b/tests/test_blob.py\nnew file mode 100644\n--- /dev/null\n"
             "+++ b/tests/test_blob.py\n@@ -0,0 +1,5 @@\n+from pathlib import Path\n+\n+\n+def test_blob():\n"
             "+    assert (Path(__file__).parent / \"data\" / \"blob.bin\").read_bytes() == bytes(range(256)) * 4\n")


def _task_folder(root: Path, envfile, assets: bool) -> Path:
    task = root / "tasks" / ENVFILE
    task.mkdir(parents=True)
    test_patch = envfile.test_patch + BLOB_TEST
    inst = envfile.model_copy(update={"test_patch": test_patch})
    meta = {"instance_id": ENVFILE, "repo": envfile.repo, "base_commit": envfile.base_commit, "version": envfile.version,
            "split": "dev", "image": "swerun.invalid/none:latest", "log_parser": "pytest", "eval_type": "pass_and_fail",
            "image_assets": {"test_patch": [{"path": "tests/data/blob.bin", "url": ""}], "patch": []}}
    (task / "task.yaml").write_text(yaml.safe_dump(meta))
    (task / "tests.json").write_text(json.dumps({"FAIL_TO_PASS": [*envfile.FAIL_TO_PASS, "tests/test_blob.py::test_blob"],
                                                 "PASS_TO_PASS": envfile.PASS_TO_PASS}))
    command = "python -m pytest -rA -p no:cacheprovider tests"
    files = {"gold.patch": envfile.patch, "test.patch": test_patch, "problem_statement.md": "x\n",
             "eval.sh": official_style_script(inst, command, activate=False)}
    for name, text in files.items():
        (task / name).write_text(text)
    if assets:
        (task / "test_assets" / "tests" / "data").mkdir(parents=True)
        (task / "test_assets" / "tests" / "data" / "blob.bin").write_bytes(BLOB)
    return root


def test_task_folder_test_assets_are_staged_after_the_test_patch(docker_engine, envfile, tmp_path):
    ds = load_dataset(dataset=str(_task_folder(tmp_path / "with", envfile, assets=True)))
    out = evaluate(ds, load_predictions("gold", ds), tmp_path / "results", "assets", workers=1)
    assert out.results[ENVFILE].outcome is Outcome.RESOLVED, out.results[ENVFILE].reason
    assert "bash /swerun/row_eval.sh" in out.run.file(ENVFILE, "eval.sh").read_text()
    # declared but neither in the folder nor at a URL: an infrastructure failure, never a verdict
    ds = load_dataset(dataset=str(_task_folder(tmp_path / "without", envfile, assets=False)))
    from swebench_runner.runner import run_evaluation
    from swebench_runner.settings import RunSettings

    out = run_evaluation(ds, load_predictions("gold", ds), RunSettings(
        run_id="no-asset", results_root=tmp_path / "results", retries=0, progress=False))
    assert out.results[ENVFILE].outcome is Outcome.INFRA_ERROR and "neither a file" in out.results[ENVFILE].reason


def test_hub_rows_image_assets_are_fetched_from_their_url(docker_engine, envfile, tmp_path):
    served = tmp_path / "www"
    served.mkdir()
    (served / "blob.bin").write_bytes(BLOB)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/blob.bin"
        row = {**envfile.model_dump(), "test_patch": envfile.test_patch + BLOB_TEST,
               "FAIL_TO_PASS": [*envfile.FAIL_TO_PASS, "tests/test_blob.py::test_blob"],
               "image_assets": json.dumps({"test_patch": [{"path": "tests/data/blob.bin", "url": url}]})}
        ds = load_dataset(dataset=_rows(tmp_path / "mm.jsonl", [row]))
        out = evaluate(ds, load_predictions("gold", ds), tmp_path / "results", "fetched", workers=1)
        assert out.results[ENVFILE].outcome is Outcome.RESOLVED, out.results[ENVFILE].reason
        (served / "blob.bin").write_bytes(b"other")  # cached by URL: the rerun of a fresh run reads the copy
        shutil.rmtree(tmp_path / "results" / "fetched")
        again = evaluate(ds, load_predictions("gold", ds), tmp_path / "results", "fetched", workers=1)
        assert again.results[ENVFILE].outcome is Outcome.RESOLVED
    finally:
        server.shutdown()
