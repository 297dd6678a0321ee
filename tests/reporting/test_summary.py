"""The numbers a person reads first: counted from a real run, infrastructure apart, and never by changing the run."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from swebench_runner.reporting.html import render
from swebench_runner.reporting.summary import load_run
from swebench_runner.types import Outcome

from ..helpers import swerun
from .conftest import snapshot

pytestmark = pytest.mark.docker


def test_summary_counts_match_the_official_run_report(mixed_run, kinds):
    s = load_run(mixed_run)
    official = json.loads(next(mixed_run.glob("*.q1.json")).read_text())
    assert s.overall.total == official["total_instances"] == 16
    assert s.overall.resolved == official["resolved_instances"] == 6
    by_status = {st: sorted(r.instance_id for r in s.instances if r.status == st) for st in ("resolved", "unresolved", "empty_patch")}
    assert by_status["resolved"] == official["resolved_ids"] == sorted(i for i, k in kinds.items() if k == "gold")
    assert by_status["unresolved"] == sorted(i for i, k in kinds.items() if k == "wrong")
    assert by_status["empty_patch"] == official["empty_patch_ids"]
    assert {k: t.total for k, t in s.by_repo.items()} == {"swerun-mini/envfile": 3, "swerun-mini/numfmt": 4,
                                                           "swerun-mini/spans": 3, "swerun-mini/textkit": 3,
                                                           "swerun-mini/tinycache": 3}
    assert s.by_difficulty == {}  # mini rows have no difficulty
    assert s.steps_mean == pytest.approx((11 * 3 + 5 * 2) / 16) and s.cost_total > 0


def test_instance_record_holds_patch_tests_log_and_trajectory(mixed_run):
    rec = load_run(mixed_run).by_id()["swerun-mini__textkit-1"]
    report = json.loads((mixed_run / rec.instance_id / "report.json").read_text())[rec.instance_id]
    failing = {t.name: t.observed for t in rec.tests if t.ok is False}
    assert failing == {n: "FAILED" for n in report["tests_status"]["PASS_TO_PASS"]["failure"]}
    assert rec.passed("FAIL_TO_PASS") == (5, 5)
    assert rec.patch == (mixed_run / rec.instance_id / "patch.diff").read_text()
    assert "2 failed, 26 passed" in rec.log_tail
    t = rec.trajectory
    assert t.exit_status == "submitted" and t.n_steps == 3 and [s.tools[0].name for s in t.steps] == [
        "str_replace_editor", "bash", "submit"]
    assert "command: git apply /tmp/fix.patch" in t.steps[1].tools[0].arguments
    assert t.prompt_tokens > 0 and t.cost > 0


def test_infra_errors_are_counted_apart(mixed_run, tmp_path):
    run = tmp_path / "q1"
    shutil.copytree(mixed_run, run)
    res = run / "swerun-mini__textkit-1" / "result.json"
    data = json.loads(res.read_text())
    res.write_text(json.dumps({**data, "outcome": Outcome.INFRA_ERROR.value, "reason": "docker daemon went away"}))
    s = load_run(run)
    assert s.overall.counts["infra_error"] == 1 and s.overall.counts["unresolved"] == 4
    assert s.by_repo["swerun-mini/textkit"].counts["infra_error"] == 1
    out = swerun("report", str(run), "--no-html")
    assert "Infra errors      1" in out.stdout and "docker daemon went away" in out.stdout


def test_report_command_reads_without_writing(mixed_run, tmp_path):
    before = snapshot(mixed_run)
    out = tmp_path / "r.html"
    res = swerun("report", str(mixed_run), "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "Resolved          6 / 16  (37.5%)" in res.stdout
    assert "swerun-mini/numfmt" in res.stdout and "Infra errors      0" in res.stdout
    assert snapshot(mixed_run) == before  # the run folder is untouched
    html = out.read_text()
    page = html.split('<script id="swerun-data"')[0]  # the markup and style, before the embedded data
    assert re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page) is None  # nothing loaded from elsewhere
    assert "<script src" not in html and "<link" not in html and "@import" not in html and "url(" not in page
    assert 'data-id="swerun-mini__textkit-1"' in html


def test_json_summary(mixed_run):
    res = swerun("report", str(mixed_run), "--json", "--no-html")
    data = json.loads(res.stdout)
    assert data["overall"]["total"] == 16 and len(data["instances"]) == 16
    assert "trajectory" not in data["instances"][0]


def test_page_text_cannot_escape_its_script_block(mixed_run, tmp_path):
    run = tmp_path / "q1"
    shutil.copytree(mixed_run, run)
    evil = "+</script><script>document.title='pwned'</script><!--\n"
    (run / "swerun-mini__textkit-1" / "patch.diff").write_text(evil)
    html = render(load_run(run))
    data_block = html.split('<script id="swerun-data" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert "</script" not in data_block and "<!--" not in data_block
    assert json.loads(data_block)["instances"][10]["patch"] == evil
