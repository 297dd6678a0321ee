"""The harness end to end on the bundled split: real images, real containers, real git."""

import json

import pytest

from swebench_runner import bundled
from swebench_runner.predictions import load_predictions
from swebench_runner.types import Outcome

from ..helpers import swerun, write_preds
from .conftest import evaluate

pytestmark = pytest.mark.docker

INSTANCE_FILES = {"patch.diff", "eval.sh", "test_output.txt", "run_instance.log", "report.json", "result.json"}


def test_gold_resolves_every_instance(gold_run, mini):
    ids = sorted(i.instance_id for i in mini.instances)
    assert gold_run.report["resolved_ids"] == ids
    assert gold_run.report["error_ids"] == [] and gold_run.report["unresolved_ids"] == []
    for iid in ids:
        folder = gold_run.run.instance(iid)
        assert INSTANCE_FILES <= {p.name for p in folder.iterdir()}
        report = json.loads((folder / "report.json").read_text())[iid]
        assert report["resolved"] and report["patch_successfully_applied"]
        assert report["tests_status"]["FAIL_TO_PASS"]["failure"] == []
        assert set(report["tests_status"]["FAIL_TO_PASS"]["success"]) == set(mini.by_id()[iid].FAIL_TO_PASS)
    run_json = json.loads(gold_run.run.run_json.read_text())
    assert set(run_json["images"]) == set(ids) and all(v["id"].startswith("sha256:") for v in run_json["images"].values())
    assert gold_run.report_path.name == "gold.gold.json"


def test_empty_resolves_none(docker_engine, mini, results_root):
    out = evaluate(mini, load_predictions("empty", mini), results_root, "empty")
    assert out.report["resolved_instances"] == 0
    assert out.report["empty_patch_ids"] == sorted(i.instance_id for i in mini.instances)


def test_wrong_fixes_are_unresolved_with_failing_tests_named(docker_engine, mini, results_root, gold_run):
    preds = {i.instance_id: bundled.wrong_patch(i.instance_id) for i in mini.instances}
    assert all(preds.values()), "every mini task ships a wrong.patch"
    path = write_preds(results_root / "wrong.jsonl", preds)
    out = evaluate(mini, load_predictions(str(path), mini), results_root, "wrong")
    assert out.report["resolved_instances"] == 0
    assert out.report["unresolved_ids"] == sorted(preds)
    p2p_broken = []
    for iid in preds:
        status = json.loads(out.run.file(iid, "report.json").read_text())[iid]["tests_status"]
        failing = status["FAIL_TO_PASS"]["failure"] + status["PASS_TO_PASS"]["failure"]
        assert failing and failing == out.results[iid].failing_tests
        assert set(failing) <= set(mini.by_id()[iid].FAIL_TO_PASS) | set(mini.by_id()[iid].PASS_TO_PASS)
        if status["PASS_TO_PASS"]["failure"] and not status["FAIL_TO_PASS"]["failure"]:
            p2p_broken.append(iid)
    assert p2p_broken, "some wrong fix passes its FAIL_TO_PASS tests but breaks a PASS_TO_PASS test"


def test_patch_that_does_not_apply_is_an_error(docker_engine, mini, results_root, tmp_path):
    inst = mini.instances[0]
    # a hunk against lines that exist nowhere in the file: no rung of the ladder can place it
    target = inst.patch.split("diff --git a/", 2)[1].split()[0]
    bad = (f"diff --git a/{target} b/{target}\n--- a/{target}\n+++ b/{target}\n@@ -1,3 +1,3 @@\n"
           " this line is not in the file\n-nor is this one\n+replacement\n and a third that is not\n")
    out = evaluate(mini.select([inst.instance_id]), {inst.instance_id: load_predictions("gold", mini)[
        inst.instance_id].model_copy(update={"model_patch": bad, "model_name_or_path": "m"})}, results_root, "noapply")
    res = out.results[inst.instance_id]
    assert res.outcome is Outcome.ERROR and "does not apply" in res.reason
    assert out.report["error_ids"] == [inst.instance_id] and out.report["infra_failure_ids"] == []
    log = out.run.file(inst.instance_id, "test_output.txt").read_text()
    assert ">>>>> Patch Apply Failed" in log and "Patch attempt failed: patch --fuzz=5" in log


def _damage_first_context_line(patch: str) -> str:
    lines = patch.split("\n")
    start = next(n for n, ln in enumerate(lines) if ln.startswith("@@"))
    ctx = next(n for n in range(start + 1, len(lines)) if lines[n].startswith(" ") and lines[n].strip())
    lines[ctx] = " " + lines[ctx][1:] + "  # edited since"
    return "\n".join(lines)


def test_patch_with_stale_context_applies_on_a_later_rung(docker_engine, mini, results_root):
    inst = mini.instances[0]
    stale = _damage_first_context_line(inst.patch)
    out = evaluate(mini.select([inst.instance_id]), {inst.instance_id: load_predictions("gold", mini)[
        inst.instance_id].model_copy(update={"model_patch": stale})}, results_root, "stale")
    res = out.results[inst.instance_id]
    assert res.outcome is Outcome.RESOLVED
    assert res.applied_with in ("git apply -v --3way", "patch --fuzz=5")
    assert "Patch attempt failed: git apply -v" in out.run.file(inst.instance_id, "test_output.txt").read_text()


def test_malformed_predictions_file_is_refused_before_any_work(tmp_path, mini):
    iid = mini.instances[0].instance_id
    bad = tmp_path / "preds.jsonl"
    bad.write_text(json.dumps({"instance_id": iid, "model_name_or_path": "m"}) + "\n")
    proc = swerun("eval", "--split", "mini", "--predictions", str(bad), "--run-id", "bad",
                  "--results-dir", str(tmp_path / "results"))
    assert proc.returncode == 2
    assert f"{bad}:1" in proc.stderr and iid in proc.stderr and "model_patch" in proc.stderr
    assert not (tmp_path / "results" / "bad").exists()


def test_rerun_reuses_every_result_and_a_changed_patch_is_redone(docker_engine, mini, results_root, gold_run):
    before = {iid: r.finished_at for iid, r in gold_run.results.items()}
    again = evaluate(mini, load_predictions("gold", mini), results_root, "gold")
    assert again.evaluated == [] and {i: r.finished_at for i, r in again.results.items()} == before
    changed = mini.instances[1].instance_id
    preds = {i.instance_id: i.patch for i in mini.instances}
    preds[changed] = bundled.wrong_patch(changed)
    path = write_preds(results_root / "one-changed.jsonl", preds, model="gold")
    third = evaluate(mini, load_predictions(str(path), mini), results_root, "gold")
    assert third.evaluated == [changed]
    assert third.results[changed].outcome is Outcome.UNRESOLVED
    assert third.report["resolved_instances"] == len(mini.instances) - 1
