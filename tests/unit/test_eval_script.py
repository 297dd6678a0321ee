import subprocess

import pytest

from swebench_runner.dataset import load_dataset
from swebench_runner.evaluation import eval_script
from swebench_runner.patch import check_model_patch
from swebench_runner.spec import spec_for

MINI = load_dataset("mini").instances


@pytest.mark.parametrize("inst", MINI, ids=lambda i: i.instance_id)
def test_renders_valid_bash_for_every_mini_instance(inst):
    plan = eval_script.render(inst, spec_for(inst), check_model_patch(inst.patch), 1800)
    subprocess.run(["bash", "-n"], input=plan.script, text=True, check=True)
    assert "@" + "TEST_COMMAND@" not in plan.script and plan.test_command in plan.script
    assert f"git checkout -q {inst.base_commit} -- " in plan.script or "rm -rf --" in plan.script


def test_markers_the_reader_looks_for_are_the_ones_the_script_prints():
    text = eval_script.render(MINI[0], spec_for(MINI[0]), None, 10).script
    for marker in (eval_script.START, eval_script.END, eval_script.EXIT_CODE, eval_script.TIMED_OUT,
                   eval_script.APPLY_FAILED, eval_script.APPLIED, eval_script.TEST_PATCH_FAILED,
                   eval_script.TEST_NANOSECONDS, eval_script.RESET_FAILED):
        assert marker in text, marker


def test_official_layout_activates_conda_and_runs_the_rows_script():
    inst = MINI[0]
    row = ("#!/bin/bash\nset -uxo pipefail\ncd /testbed\n: '>>>>> Start Test Output'\npytest -rA\n"
           ": '>>>>> End Test Output'\ngit checkout abc tests/x.py\n")
    plan = eval_script.render(inst, spec_for(inst), None, 10, eval_script.Layout(
        activate=eval_script.OFFICIAL.activate, row_script=row))
    assert "conda activate testbed" in plan.script and "bash /swerun/row_eval.sh" in plan.script
    assert "git apply -v /swerun/test.patch" not in plan.script  # the row's script applies it
    patched = eval_script.with_exit_code(row).splitlines()
    end = patched.index(": '>>>>> End Test Output'")
    assert patched[end - 1] == "swerun_rc=$?" and patched[end + 1].startswith('echo ">>>>> Test Exit Code')


def test_values_are_quoted_not_interpolated():
    inst = MINI[0]
    nasty = ("diff --git a/x y;$(touch pwned).py b/x y;$(touch pwned).py\nnew file mode 100644\n--- /dev/null\n"
             "+++ b/x y;$(touch pwned).py\n@@ -0,0 +1 @@\n+x\n")
    plan = eval_script.render(inst, spec_for(inst), check_model_patch(nasty), 5)
    assert "'x y;$(touch pwned).py'" in plan.script
    assert "$(touch pwned).py.rej'" in plan.script


def test_reinstall_only_when_build_files_change():
    inst = MINI[0]
    spec = spec_for(inst)
    plain = eval_script.render(inst, spec, check_model_patch(inst.patch), 5)
    build = ("diff --git a/pyproject.toml b/pyproject.toml\n--- a/pyproject.toml\n+++ b/pyproject.toml\n"
             "@@ -1 +1 @@\n-a\n+b\n")
    assert not plain.reinstall and "Reinstalling" not in plain.script
    rebuilt = eval_script.render(inst, spec, check_model_patch(build), 5)
    assert rebuilt.reinstall and spec.install[0] in rebuilt.script
