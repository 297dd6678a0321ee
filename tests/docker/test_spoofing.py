"""Patches that fix nothing but try to make the grader say "resolved" (classes measured against the
official harness). Every one must end unresolved or refused, and say why."""

import json

import pytest

from swebench_runner.predictions import load_predictions
from swebench_runner.spec import spec_for
from swebench_runner.types import Outcome

from ..helpers import patch_against, read_base
from .conftest import evaluate

pytestmark = pytest.mark.docker

HOOK_PASS_ALL = '''import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
'''
HOOK_XFAIL = '''import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.xfail(reason="forged"))
'''


@pytest.fixture(scope="module")
def target(mini):
    """A pytest-based mini instance and the package module its tests import."""
    inst = next(i for i in mini.instances if spec_for(i).log_parser == "pytest")
    module = inst.patch.split("diff --git a/", 2)[1].split()[0]  # a source file the gold patch changes
    return inst, module


def _run(mini, results_root, inst, patch, run_id):
    pred = load_predictions("gold", mini)[inst.instance_id].model_copy(
        update={"model_patch": patch, "model_name_or_path": "forger"})
    out = evaluate(mini.select([inst.instance_id]), {inst.instance_id: pred}, results_root, run_id)
    return out.results[inst.instance_id], out


def test_conftest_hooks_are_reverted(docker_engine, mini, results_root, target, tmp_path):
    inst, _ = target
    for n, (path, hook) in enumerate([("conftest.py", HOOK_PASS_ALL), ("tests/conftest.py", HOOK_XFAIL)]):
        patch = patch_against(inst, tmp_path, {path: read_base(inst, tmp_path, path) + "\n" + hook})
        res, out = _run(mini, results_root, inst, patch, f"forge-conftest-{n}")
        assert res.outcome is Outcome.UNRESOLVED, res
        assert res.reverted_files == [path]
        assert not json.loads(out.run.file(inst.instance_id, "report.json").read_text())[inst.instance_id]["resolved"]


def _forging_code(tests: list[str], tail: str, exit_code: int) -> str:
    lines = "".join(f"PASSED {t}\\n" for t in tests)
    return (f"\n\nimport atexit as _atexit, os as _os\n\n\ndef _forge():\n"
            f"    _os.write(1, b\"{lines}{tail}\")\n    _os._exit({exit_code})\n\n\n_atexit.register(_forge)\n")


@pytest.mark.parametrize("tail,code", [
    ("", 0),  # forged passes after the real failures, exit status forced to 0
    (">>>>> End Test Output\\n>>>>> Test Exit Code: 0\\n", 0),  # forged end marker and exit code line
    ("FAILED tests/test_decoy.py::test_decoy - decoy\\n", 1),  # a decoy failure to explain the exit status
])
def test_forged_result_lines_are_caught(docker_engine, mini, results_root, target, tmp_path, tail, code):
    inst, module = target
    source = read_base(inst, tmp_path, module) + _forging_code(inst.FAIL_TO_PASS, tail, code)
    patch = patch_against(inst, tmp_path, {module: source})
    res, out = _run(mini, results_root, inst, patch, f"forge-lines-{code}-{len(tail)}")
    assert res.outcome is Outcome.UNRESOLVED, res
    assert res.violations, "the contradiction must be reported, not only the verdict"
    log = out.run.file(inst.instance_id, "test_output.txt").read_text()
    assert f"PASSED {inst.FAIL_TO_PASS[0]}" in log  # the forgery really ran


@pytest.mark.parametrize("path", [".git/index.lock", ".git/hooks/post-checkout"])
def test_patches_into_git_are_refused_before_any_container(docker_engine, mini, results_root, target, path):
    inst, _ = target
    evil = (inst.patch + f"diff --git a/{path} b/{path}\nnew file mode 100755\n--- /dev/null\n+++ b/{path}\n"
            "@@ -0,0 +1,2 @@\n+#!/bin/sh\n+exit 0\n")
    res, out = _run(mini, results_root, inst, evil, f"forge-git-{path.rsplit('/', 1)[-1]}")
    assert res.outcome is Outcome.ERROR and ".git/" in res.reason
    assert not out.run.file(inst.instance_id, "test_output.txt").exists()
