"""The leaderboard folder of a real run: accepted when complete, refused (with the reason) when not."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from swebench_runner.reporting.leaderboard import results_json
from swebench_runner.reporting.subcheck import check_submission
from swebench_runner.reporting.submission import (
    SubmissionInfo,
    build_submission,
    sbcli_predictions,
)

from ..helpers import swerun
from .conftest import snapshot

pytestmark = pytest.mark.docker

NAME = "20261129_swerun_fake-model"


@pytest.fixture(scope="module")
def submission(mixed_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("submission")
    res = swerun("submit", str(mixed_run), "--name", NAME, "--out", str(out), "--org", "swerun",
                 "--report", "https://example.org/swerun", "--site", "https://example.org")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "accepted" in res.stdout
    return out / "evaluation" / "mini" / NAME


def test_folder_has_what_the_leaderboard_asks_for(submission, mixed_run):
    names = {p.name for p in submission.iterdir()}
    assert {"all_preds.jsonl", "metadata.yaml", "README.md", "logs", "trajs", "results"} <= names
    preds = [json.loads(line) for line in (submission / "all_preds.jsonl").read_text().splitlines()]
    assert len(preds) == 16 and {p["model_name_or_path"] for p in preds} == {"fake-model"}
    for p in preds:
        logs = submission / "logs" / p["instance_id"]
        if p["model_patch"]:
            assert {f.name for f in logs.iterdir()} == {"eval.sh", "patch.diff", "report.json", "run_instance.log",
                                                        "test_output.txt"}
            assert (logs / "patch.diff").read_text() == p["model_patch"]
        assert (submission / "trajs" / f"{p['instance_id']}.json").is_file()
    meta = yaml.safe_load((submission / "metadata.yaml").read_text())
    assert meta["info"]["name"] == NAME and meta["info"]["report"] == "https://example.org/swerun"
    assert meta["tags"]["model"] == ["fake-model"] and meta["tags"]["org"] == ["swerun"]
    assert meta["tags"]["checked"] is False and meta["tags"]["system"]["attempts"] == 1
    assert set(meta["assets"]) == {"logs", "trajs"}
    readme = (submission / "README.md").read_text()
    assert "Resolved 6 instances (37.50%)" in readme and "- [x] Does not use the hints field" in readme


def test_results_json_is_the_leaderboard_computation(submission, mixed_run):
    res = json.loads((submission / "results" / "results.json").read_text())
    official = json.loads(next(mixed_run.glob("*.q1.json")).read_text())
    assert res["resolved"] == official["resolved_ids"]  # resolved per report.json
    assert res["no_generation"] == official["empty_patch_ids"]  # no patch
    assert res["no_logs"] == [] and len(res["generated"]) == 11 == len(res["applied"])
    by_repo = json.loads((submission / "results" / "resolved_by_repo.json").read_text())
    assert by_repo["swerun-mini/numfmt"] == {"resolved": 2, "total": 4}


def test_check_accepts_the_complete_folder(submission):
    res = check_submission(submission)
    assert res.ok, [p.line() for p in res.problems]
    assert res.results == json.loads((submission / "results" / "results.json").read_text())


def test_check_refuses_an_incomplete_folder_and_says_what_is_missing(submission, tmp_path):
    bad = tmp_path / "evaluation" / "mini" / NAME
    shutil.copytree(submission, bad)
    rows = (bad / "all_preds.jsonl").read_text().splitlines()
    (bad / "all_preds.jsonl").write_text("\n".join(r for r in rows if "swerun-mini__spans-3" not in r) + "\n")
    shutil.rmtree(bad / "logs" / "swerun-mini__numfmt-2")
    (bad / "trajs" / "swerun-mini__tinycache-1.json").unlink()
    res = swerun("submit", "--check", str(bad))
    assert res.returncode == 1 and "REFUSED" in res.stdout
    out = res.stdout
    assert "no prediction for 1 of the 16 instances" in out and "swerun-mini__spans-3" in out
    assert "logs/<instance_id>/ is missing or incomplete" in out and "swerun-mini__numfmt-2" in out
    assert "no reasoning trace" in out and "swerun-mini__tinycache-1" in out
    assert "results/results.json differs" in out  # the stored results no longer match the folder
    what = {p.what for p in check_submission(bad).problems}
    assert what == {"missing_instances", "missing_logs", "missing_trajs", "results_mismatch"}


def test_check_refuses_hints_or_test_ids_in_the_prompt(submission, tmp_path, mini_rows):
    bad = tmp_path / "evaluation" / "mini" / NAME
    shutil.copytree(submission, bad)
    inst = mini_rows["swerun-mini__textkit-1"]
    traj_path = bad / "trajs" / "swerun-mini__textkit-1.json"
    traj = json.loads(traj_path.read_text())
    user = next(m for m in traj["messages"] if m["role"] == "user")
    user["content"] += f"\n\nHints:\n{inst.hints_text}\nThese tests must pass: {inst.FAIL_TO_PASS[0]}\n"
    traj_path.write_text(json.dumps(traj))
    res = check_submission(bad)
    leak = [p for p in res.problems if p.what == "prompt_leak"]
    assert len(leak) == 1 and leak[0].instances == ["swerun-mini__textkit-1"]
    assert "hints_text" in leak[0].message and "test id" in leak[0].message


def test_a_run_without_trajectories_is_refused(gold_run, tmp_path):
    res = swerun("submit", str(gold_run), "--name", "gold", "--out", str(tmp_path), "--org", "x")
    assert res.returncode == 1
    assert "no reasoning trace for some instances" in res.stdout


def test_submit_never_changes_the_run(mixed_run, tmp_path):
    before = snapshot(mixed_run)
    build_submission(mixed_run, "again", tmp_path, SubmissionInfo(name="again", models=["m"], orgs=["o"]))
    assert snapshot(mixed_run) == before


def test_existing_folder_is_not_overwritten_silently(mixed_run, tmp_path):
    info = SubmissionInfo(name="x", models=["m"], orgs=["o"])
    build_submission(mixed_run, "twice", tmp_path, info)
    res = swerun("submit", str(mixed_run), "--name", "twice", "--out", str(tmp_path))
    assert res.returncode == 2 and "already exists" in res.stderr


def test_sbcli_predictions_file(mixed_run, submission):
    preds_path = submission.parents[2] / "sb-cli" / NAME / "preds.json"
    rows = json.loads(preds_path.read_text())
    # what sb-cli's submit reads: a JSON list; each row has instance_id, model_patch, model_name_or_path;
    # one model for the whole file; no instance twice
    assert isinstance(rows, list) and len(rows) == 16
    assert all(set(r) == {"instance_id", "model_patch", "model_name_or_path"} for r in rows)
    assert len({r["model_name_or_path"] for r in rows}) == 1 and len({r["instance_id"] for r in rows}) == 16
    assert all(isinstance(r["model_patch"], str) for r in rows)
    assert rows == sbcli_predictions(mixed_run)


def test_results_rules_on_hand_made_logs(tmp_path):
    """The leaderboard's rules: empty or missing patch -> no_generation, no report.json -> no_logs."""
    logs = tmp_path / "logs"
    for iid, resolved in (("a__b-1", True), ("a__b-2", False)):
        (logs / iid).mkdir(parents=True)
        (logs / iid / "report.json").write_text(json.dumps({iid: {"resolved": resolved,
                                                                   "patch_successfully_applied": True}}))
    preds = {"a__b-1": {"model_patch": "x"}, "a__b-2": {"model_patch": "y"}, "a__b-3": {"model_patch": "z"},
             "a__b-4": {"model_patch": ""}, "a__b-5": {"model_patch": None}}
    res = results_json(["a__b-1", "a__b-2", "a__b-3", "a__b-4", "a__b-5", "a__b-6"], preds, logs)
    assert res["resolved"] == ["a__b-1"] and res["no_logs"] == ["a__b-3"]
    assert res["no_generation"] == ["a__b-4", "a__b-5", "a__b-6"]
