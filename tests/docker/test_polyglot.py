"""The bundled ``polyglot`` split end to end: each family's toolchain built offline from registries,
its tests run on the internal network, read by its official parser. Gold resolves, empty resolves
nothing, a wrong fix is unresolved with the failing tests named; the image holds no later history."""

from __future__ import annotations

import json

import pytest

from swebench_runner import bundled
from swebench_runner.dataset import load_dataset
from swebench_runner.resources import datasets_dir

from ..helpers import swerun, write_preds

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(scope="module")
def polyglot():
    return load_dataset("polyglot")


def _run(tmp_path, preds: str, run_id: str) -> dict:
    res = swerun("eval", "--split", "polyglot", "--predictions", preds, "--run-id", run_id, "--results-dir",
                 str(tmp_path), "--timeout", "600", cwd=tmp_path)
    assert res.returncode in (0, 1), res.stderr[-3000:]
    return json.loads(next((tmp_path / run_id).glob(f"*.{run_id}.json")).read_text())


def test_gold_resolves_and_empty_does_not(docker_engine, polyglot, tmp_path):
    ids = sorted(i.instance_id for i in polyglot.instances)
    gold = _run(tmp_path, "gold", "gold")
    assert gold["resolved_ids"] == ids, gold
    for inst in polyglot.instances:
        status = json.loads((tmp_path / "gold" / inst.instance_id / "report.json").read_text())[inst.instance_id]
        assert sorted(status["tests_status"]["FAIL_TO_PASS"]["success"]) == sorted(inst.FAIL_TO_PASS)
        assert sorted(status["tests_status"]["PASS_TO_PASS"]["success"]) == sorted(inst.PASS_TO_PASS)
    empty = _run(tmp_path, "empty", "empty")
    assert empty["resolved_ids"] == [] and sorted(empty["empty_patch_ids"]) == ids


def test_wrong_fixes_are_unresolved(docker_engine, polyglot, tmp_path):
    root = datasets_dir() / "polyglot"
    preds = {i.instance_id: bundled.wrong_patch(i.instance_id, root) for i in polyglot.instances}
    assert all(preds.values())
    path = write_preds(tmp_path / "wrong.jsonl", preds)
    out = _run(tmp_path, str(path), "wrong")
    assert out["resolved_ids"] == [] and sorted(out["unresolved_ids"]) == sorted(preds)
    status = json.loads((tmp_path / "wrong" / "swerun-mini__slugify-1" / "report.json").read_text())
    failing = status["swerun-mini__slugify-1"]["tests_status"]["FAIL_TO_PASS"]["failure"]
    assert sorted(failing) == ["TestSlugCollapsesSeparators", "TestSlugCollapsesSeparators/leading_and_trailing",
                               "TestSlugCollapsesSeparators/punctuation"]


def test_images_hold_no_later_history(docker_engine, polyglot, tmp_path):
    """Every ref, reflog and object in the image's repository is at or before the base commit."""
    from swebench_runner.backends.docker_engine import client

    for inst in polyglot.instances:
        tag = next(t for img in client().images.list(filters={"label": f"swerun.instance={inst.instance_id}"})
                   for t in img.tags)
        out = client().containers.run(tag, ["bash", "-c", "git log --all --format=%H; echo reflog $(git reflog | wc -l)"],
                                      remove=True, network_mode="none").decode().split()
        assert out[:-2] == [inst.base_commit] and int(out[-1]) <= 1, out


def test_rows_own_eval_scripts_grade_on_our_images(docker_engine, polyglot, tmp_path):
    """Rows that bring eval_script, log_parser and eval_type (swebench 5.x) are graded with them on
    our images: with --image-source auto when the row's image cannot be pulled (nothing can be here)."""
    from swebench_runner.official import official_style_script
    from swebench_runner.patch import parse_patch
    from swebench_runner.spec import spec_for

    rows = []
    for inst in polyglot.instances:
        spec = spec_for(inst)
        command = spec.test_command([f.path for f in parse_patch(inst.test_patch)])
        rows.append({**inst.model_dump(), "eval_script": official_style_script(inst, command, activate=False),
                     "log_parser": spec.log_parser, "eval_type": "pass_and_fail",
                     "image": f"swerun.invalid/none/{inst.instance_id.lower()}:latest"})
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ids = sorted(i.instance_id for i in polyglot.instances)
    for preds, source, want in (("gold", "auto", ids), ("empty", "build", [])):
        res = swerun("eval", "--dataset", str(path), "--predictions", preds, "--run-id", preds, "--results-dir",
                     str(tmp_path), "--timeout", "600", "--image-source", source, cwd=tmp_path)
        assert res.returncode in (0, 1), res.stderr[-3000:]
        out = json.loads(next((tmp_path / preds).glob(f"*.{preds}.json")).read_text())
        assert out["resolved_ids"] == want, out
    for iid in ids:
        log = (tmp_path / "gold" / iid / "test_output.txt").read_text()
        assert "bash /swerun/row_eval.sh" in (tmp_path / "gold" / iid / "eval.sh").read_text()
        assert "+ : '>>>>> Start Test Output'" in log and "git apply -v -" in log  # the row's own steps ran
        result = json.loads((tmp_path / "gold" / iid / "result.json").read_text())
        assert result["image"].startswith("swerun/eval-"), result["image"]  # ours, after the pull failed
