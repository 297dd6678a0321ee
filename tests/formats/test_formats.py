"""Dataset formats map rows onto one instance record: v5 task folders, SWE-rebench, SWE-smith."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from swebench_runner.dataset import load_dataset
from swebench_runner.errors import DatasetError, SpecError
from swebench_runner.spec import spec_for
from swebench_runner.tasks import resolve_task

FOLDERS = Path(__file__).parent.parent / "data" / "task_folders"


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_task_folders_load_as_rows_with_their_own_recipe():
    ds = load_dataset(dataset=str(FOLDERS))
    assert [i.instance_id for i in ds.instances] == ["chartjs__Chart.js-9766", "markedjs__marked-1262"]  # no deprecated
    chart, marked = ds.instances
    assert marked.eval_type == "fail_only" and marked.log_parser == "parse_log_marked"
    assert marked.eval_script.startswith("#!/bin/bash") and ": '>>>>> Start Test Output'" in marked.eval_script
    assert marked.patch.startswith("diff --git") and marked.test_patch.startswith("diff --git")
    assert marked.FAIL_TO_PASS and "FROM --platform=linux/amd64" in marked.dockerfile
    assert marked.image == "swebench/sweb.eval.x86_64.markedjs_1776_marked-1262:latest"
    asset = "test/fixtures/controller.line/stacking/bounds-data.png"
    assert list(chart.assets) == [asset] and Path(chart.assets[asset]).read_bytes()[:4] == b"\x89PNG"
    assert chart.image_assets["test_patch"][0]["path"] == asset
    # a split by name, the tasks/ folder itself, and the deprecated split on request
    assert [i.instance_id for i in load_dataset(dataset=f"{FOLDERS}/tasks:deprecated").instances] == [
        "alibaba-fusion__next-4859"]
    assert len(load_dataset(dataset=f"{FOLDERS}:dev").instances) == 2


def test_a_task_folder_missing_a_file_is_named(tmp_path):
    shutil.copytree(FOLDERS, tmp_path / "repo")
    (tmp_path / "repo" / "tasks" / "markedjs__marked-1262" / "eval.sh").unlink()
    with pytest.raises(DatasetError, match=r"markedjs__marked-1262.*missing eval.sh"):
        load_dataset(dataset=str(tmp_path / "repo"))
    with pytest.raises(DatasetError, match="holds no task folders"):
        load_dataset(dataset=str(tmp_path))


REBENCH = {
    "instance_id": "acme__widgets-7", "repo": "acme/widgets", "base_commit": "b" * 40, "version": "0.1",
    "patch": "", "test_patch": "diff --git a/tests/test_w.py b/tests/test_w.py\n", "created_at": "2025-03-04T10:00:00Z",
    "FAIL_TO_PASS": ["tests/test_w.py::test_a"], "PASS_TO_PASS": [],
    "install_config": {"python": "3.10", "install": "pip install -e .", "pre_install": ["apt-get install -y jq"],
                       "pip_packages": ["pytest", "numpy==1.26.4"], "packages": "requirements.txt",
                       "reqs_path": ["requirements/test.txt"], "env_vars": {"LANG": "C.UTF-8"},
                       "test_cmd": "pytest --no-header -rA --tb=line -p no:cacheprovider",
                       "log_parser": "parse_log_pytest"},
}


def test_swe_rebench_install_config_becomes_the_instances_spec(tmp_path):
    (inst,) = load_dataset(dataset=str(_write(tmp_path / "r.jsonl", [REBENCH]))).instances
    spec = spec_for(inst)  # no acme__widgets.yaml exists anywhere: the row's own spec is used
    assert spec.python == "3.10" and spec.install == ["pip install -e ."] and spec.pre_install == ["apt-get install -y jq"]
    assert spec.pip_packages == ["pytest", "numpy==1.26.4"] and spec.requirements_files == ["requirements/test.txt"]
    assert spec.uploaded_before == "2025-03-04" and spec.bootstrap_packages[0].startswith("pip==26")
    assert spec.test_cmd[:2] == ["pytest", "--no-header"] and spec.log_parser == "pytest"
    assert spec.env == {"LANG": "C.UTF-8"}
    assert resolve_task(inst).spec == spec


@pytest.mark.parametrize("change,field,words", [
    ({"surprise": 1}, "install_config", "unknown keys surprise"),
    ({"test_cmd": None}, "install_config", "needs python and test_cmd"),
    ({"install": 3}, "install_config.install", "string or a list"),
])
def test_bad_install_config_is_named(tmp_path, change, field, words):
    row = {**REBENCH, "install_config": {**REBENCH["install_config"], **change}}
    with pytest.raises(DatasetError) as err:
        load_dataset(dataset=str(_write(tmp_path / "r.jsonl", [row])))
    assert f"field {field!r}" in str(err.value) and words in str(err.value) and "acme__widgets-7" in str(err.value)


def test_an_install_config_our_spec_refuses_is_named_at_resolution(tmp_path):
    row = {**REBENCH, "install_config": {**REBENCH["install_config"], "python": "two"}}
    (inst,) = load_dataset(dataset=str(_write(tmp_path / "r.jsonl", [row]))).instances
    with pytest.raises(SpecError, match=r"instance acme__widgets-7: field 'spec.python'"):
        spec_for(inst)


BUG = ("diff --git a/w/core.py b/w/core.py\nindex 1111111..2222222 100644\n--- a/w/core.py\n+++ b/w/core.py\n"
       "@@ -1,3 +1,3 @@\n def add(a, b):\n-    return a + b\n+    return a - b\n \n")


def test_swe_smith_rows_map_the_bug_onto_the_snapshot(tmp_path):
    row = {"instance_id": "acme__widgets.1a2b3c4d.func_pm_op_swap__k2j4", "repo": "swesmith/acme__widgets.1a2b3c4d",
           "patch": BUG, "FAIL_TO_PASS": ["tests/test_w.py::test_add"], "PASS_TO_PASS": ["tests/test_w.py::test_x"],
           "image_name": "jyangballin/swesmith.x86_64.acme_1776_widgets.1a2b3c4d", "problem_statement": "add is off"}
    (inst,) = load_dataset(dataset=str(_write(tmp_path / "s.jsonl", [row]))).instances
    assert (inst.repo, inst.base_commit, inst.version) == ("acme/widgets", "1a2b3c4d", "1a2b3c4d")
    assert inst.setup_patch == BUG and inst.test_patch == ""
    assert "-    return a - b\n+    return a + b\n" in inst.patch  # the reference fix undoes the bug
    bad = {**row, "repo": "acme/widgets"}
    with pytest.raises(DatasetError, match=r"field 'repo'.*swesmith/<owner>__<name>"):
        load_dataset(dataset=str(_write(tmp_path / "b.jsonl", [bad])))


def test_swe_bench_rows_still_need_full_commits_and_tests(tmp_path):
    row = {**REBENCH, "base_commit": "1a2b3c4d"}
    row.pop("install_config")
    with pytest.raises(DatasetError, match=r"field 'base_commit'.*40-character"):
        load_dataset(dataset=str(_write(tmp_path / "a.jsonl", [row])))
    with pytest.raises(DatasetError, match=r"field 'test_patch'.*empty"):
        load_dataset(dataset=str(_write(tmp_path / "b.jsonl", [{**row, "base_commit": "b" * 40, "test_patch": " "}])))
