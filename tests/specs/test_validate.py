"""``swerun validate``: verdicts from runs (pure), and end to end on the bundled split with Docker.

The Docker test doctors mini rows so each verdict has a real case: an untouched row (ok), a row whose
"gold" patch is the bundled wrong fix (broken), and a row whose FAIL_TO_PASS is a test that already
passes (vacuous). Flakiness cannot be produced on demand in fresh containers, so it is covered by the
pure ``judge`` tests.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from swebench_runner import bundled
from swebench_runner.cli.validate import validate_cmd
from swebench_runner.dataset import load_dataset
from swebench_runner.patch import check_model_patch
from swebench_runner.types import Outcome
from swebench_runner.validate import PLACEBO_PATCH, RunRecord, Verdict, judge, table

R, U, I = Outcome.RESOLVED, Outcome.UNRESOLVED, Outcome.INFRA_ERROR  # noqa: E741 -- read as a table


def rec(outcome: Outcome, *failing: str, run_id: str = "gold-1") -> RunRecord:
    return RunRecord(run_id=run_id, outcome=outcome, failing_tests=list(failing))


def test_judge_ok_broken_flaky_vacuous_infra():
    assert judge("a", [rec(R), rec(R)], rec(U, "t1"), []).verdicts == [Verdict.OK]
    broken = judge("a", [rec(U, "t1"), rec(U, "t1", "t2")], rec(U), [])
    assert broken.verdicts == [Verdict.BROKEN] and broken.gold_failures == {"t1": 2, "t2": 1}
    flaky = judge("a", [rec(R), rec(U, "t3"), rec(R)], rec(U), [])
    assert flaky.verdicts == [Verdict.FLAKY] and flaky.gold_failures == {"t3": 1} and flaky.gold_resolved == 2
    vacuous = judge("a", [rec(R)], rec(R), ["t1"])
    assert vacuous.verdicts == [Verdict.VACUOUS] and vacuous.passing_without_fix == ["t1"]
    assert judge("a", [rec(I), rec(R)], rec(U), []).verdicts == [Verdict.INFRA]
    assert judge("a", [rec(I)], None, []).verdicts == [Verdict.INFRA]


def test_placebo_is_a_valid_patch_touching_nothing_tested():
    checked = check_model_patch(PLACEBO_PATCH)
    assert checked.paths == [".swerun-placebo"] and not checked.reverted


def test_table_names_failing_tests():
    from swebench_runner.validate import ValidationReport

    report = ValidationReport(run_id="v", runs=2, dataset="d",
                              instances=[judge("x__y-1", [rec(R), rec(U, "tests/t.py::a")], rec(U), [])])
    text = "\n".join(table(report))
    assert "flaky" in text and "tests/t.py::a failed in 1/2 gold runs" in text


@pytest.fixture
def doctored_mini(tmp_path):
    rows = {i.instance_id: i.model_dump(mode="json") for i in load_dataset("mini").instances}
    ok, broken, vacuous = "swerun-mini__textkit-1", "swerun-mini__textkit-2", "swerun-mini__textkit-3"
    rows[broken]["patch"] = bundled.wrong_patch(broken)
    rows[vacuous]["FAIL_TO_PASS"] = rows[vacuous]["PASS_TO_PASS"][:1]
    path = tmp_path / "doctored.jsonl"
    path.write_text("".join(json.dumps(rows[i]) + "\n" for i in (ok, broken, vacuous)))
    return path, ok, broken, vacuous


@pytest.mark.docker
def test_validate_finds_broken_and_vacuous_environments(docker_engine, doctored_mini, tmp_path):
    path, ok, broken, vacuous = doctored_mini
    results = tmp_path / "results"
    out = CliRunner().invoke(validate_cmd, ["--dataset", str(path), "--runs", "2", "--run-id", "v",
                                            "--results-dir", str(results), "--max-workers", "2", "--timeout", "300"])
    assert out.exit_code == 1, out.output  # problems found
    report = json.loads((results / "v" / "validation.json").read_text())
    verdicts = {i["instance_id"]: i["verdicts"] for i in report["instances"]}
    assert verdicts == {ok: ["ok"], broken: ["broken"], vacuous: ["vacuous"]}
    by_id = {i["instance_id"]: i for i in report["instances"]}
    assert by_id[ok]["gold_resolved"] == 2 and by_id[ok]["nofix"]["outcome"] == "unresolved"
    assert by_id[broken]["gold_failures"] and by_id[broken]["gold_resolved"] == 0
    assert by_id[vacuous]["passing_without_fix"] == json.loads(path.read_text().splitlines()[2])["FAIL_TO_PASS"]
    assert {p.name for p in (results / "v").iterdir()} >= {"v.gold-1", "v.gold-2", "v.nofix", "validation.json"}
    assert "broken" in out.output and "vacuous" in out.output
