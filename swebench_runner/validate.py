"""Is an environment fit to grade patches? Gold several times, no fix once.

An environment is

- **broken** when the gold patch never resolves (a missing dependency, a wrong Python, a test that
  needs the internet),
- **flaky** when the gold patch resolves in some runs and not others (the tests that failed are listed
  per run), and
- **vacuous** when the instance resolves without any fix: the FAIL_TO_PASS tests already pass, so the
  instance cannot tell a fix from no fix.

The runner records an empty prediction as ``empty_patch`` without running a test (as the official
harness does), which says nothing about the environment. The no-fix run therefore submits a
*placebo*: a patch that only adds an untracked marker file, so the tests run on the unfixed code.

Every run goes through ``runner.run_evaluation`` with its own run id under ``<results-dir>/<run-id>/``
(``<run-id>.gold-1`` ... ``<run-id>.gold-N``, ``<run-id>.nofix``), so a validation resumes like any
run; the verdicts go to ``<results-dir>/<run-id>/validation.json``, and ``table`` gives the lines
``swerun validate`` (``cli/validate.py``) prints.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from .artifacts import RunDir, read_json, write_json
from .dataset import Dataset
from .predictions import GOLD, from_dataset
from .runner import run_evaluation
from .types import InstanceResult, Outcome, Prediction

if TYPE_CHECKING:
    from .runner import RunOutcome
    from .settings import RunSettings

log = logging.getLogger(__name__)

PLACEBO_PATH = ".swerun-placebo"
PLACEBO_MODEL = "nofix"
PLACEBO_PATCH = (f"diff --git a/{PLACEBO_PATH} b/{PLACEBO_PATH}\nnew file mode 100644\n--- /dev/null\n"
                 f"+++ b/{PLACEBO_PATH}\n@@ -0,0 +1 @@\n+swerun validate: the tests run without any fix\n")


class Verdict(str, enum.Enum):
    OK = "ok"
    BROKEN = "broken"  # gold never resolves
    FLAKY = "flaky"  # gold resolves in some runs only
    VACUOUS = "vacuous"  # resolves without a fix
    INFRA = "infra_error"  # a run could not be completed: no verdict on the environment


class RunRecord(BaseModel):
    """One run of one instance, reduced to what the verdict needs."""

    run_id: str
    outcome: Outcome
    failing_tests: list[str] = Field(default_factory=list)
    reason: str = ""


class InstanceValidation(BaseModel):
    instance_id: str
    verdicts: list[Verdict]
    gold_resolved: int
    gold_runs: int
    gold: list[RunRecord]
    nofix: RunRecord | None = None
    # FAIL_TO_PASS tests that pass without the fix (all of them makes the instance vacuous)
    passing_without_fix: list[str] = Field(default_factory=list)
    # test -> how many gold runs it failed in (only tests that failed at least once)
    gold_failures: dict[str, int] = Field(default_factory=dict)


class ValidationReport(BaseModel):
    run_id: str
    runs: int
    dataset: str
    instances: list[InstanceValidation]

    def ids(self, verdict: Verdict) -> list[str]:
        return [i.instance_id for i in self.instances if verdict in i.verdicts]


def placebo_predictions(dataset: Dataset) -> dict[str, Prediction]:
    return {i.instance_id: Prediction(instance_id=i.instance_id, model_name_or_path=PLACEBO_MODEL,
                                      model_patch=PLACEBO_PATCH) for i in dataset.instances}


def _record(run_id: str, result: InstanceResult) -> RunRecord:
    return RunRecord(run_id=run_id, outcome=result.outcome, failing_tests=list(result.failing_tests),
                     reason=result.reason)


def _f2p_passing(run: RunDir, instance_id: str) -> list[str]:
    """FAIL_TO_PASS tests the official-format report lists as passing."""
    report = read_json(run.file(instance_id, "report.json")) or {}
    status = (report.get(instance_id) or {}).get("tests_status") or {}
    return list((status.get("FAIL_TO_PASS") or {}).get("success") or [])


def judge(instance_id: str, gold: list[RunRecord], nofix: RunRecord | None,
          passing_without_fix: list[str]) -> InstanceValidation:
    """The verdicts of one instance from its runs (pure: tested without Docker)."""
    graded = [g for g in gold if g.outcome is not Outcome.INFRA_ERROR]
    resolved = sum(g.outcome is Outcome.RESOLVED for g in graded)
    verdicts = []
    if len(graded) < len(gold) or (nofix is not None and nofix.outcome is Outcome.INFRA_ERROR):
        verdicts.append(Verdict.INFRA)
    if graded and resolved == 0:
        verdicts.append(Verdict.BROKEN)
    elif 0 < resolved < len(graded):
        verdicts.append(Verdict.FLAKY)
    if nofix is not None and nofix.outcome is Outcome.RESOLVED:
        verdicts.append(Verdict.VACUOUS)
    failures: dict[str, int] = {}
    for g in graded:
        for test in g.failing_tests:
            failures[test] = failures.get(test, 0) + 1
    return InstanceValidation(instance_id=instance_id, verdicts=verdicts or [Verdict.OK], gold_resolved=resolved,
                              gold_runs=len(gold), gold=gold, nofix=nofix,
                              passing_without_fix=passing_without_fix, gold_failures=failures)


def run_ids(run_id: str, runs: int) -> list[str]:
    """The run ids of a validation: ``<run_id>.gold-1`` ... ``<run_id>.gold-<runs>``, then ``<run_id>.nofix``.
    They name the runs' containers too: prefixed, so two validations never share (and clean up) one."""
    return [f"{run_id}.gold-{k}" for k in range(1, runs + 1)] + [f"{run_id}.{PLACEBO_MODEL}"]


def validate(dataset: Dataset, base: RunSettings, runs: int) -> ValidationReport:
    """Run gold ``runs`` times and the placebo once through the normal runner, then judge each instance."""
    root = base.results_root / base.run_id

    def run(run_id: str, preds: Mapping[str, Prediction]) -> RunOutcome:
        cfg = base.model_validate({**base.model_dump(), "run_id": run_id, "results_root": root})  # checked anew
        log.info("validate %s: run %s", base.run_id, run_id)
        return run_evaluation(dataset, preds, cfg)

    *gold_ids, nofix_id = run_ids(base.run_id, runs)
    gold_preds = from_dataset(dataset, GOLD)
    gold_runs = [run(gold_id, gold_preds) for gold_id in gold_ids]
    nofix_run = run(nofix_id, placebo_predictions(dataset))
    out = []
    for inst in dataset.instances:
        iid = inst.instance_id
        gold = [_record(r.run.run_id, r.results[iid]) for r in gold_runs if iid in r.results]
        nofix = nofix_run.results.get(iid)
        passing = _f2p_passing(nofix_run.run, iid) if nofix is not None else []
        out.append(judge(iid, gold, nofix and _record(nofix_run.run.run_id, nofix), passing))
    report = ValidationReport(run_id=base.run_id, runs=runs, dataset=dataset.source, instances=out)
    write_json(root / "validation.json", report)
    return report


def table(report: ValidationReport) -> list[str]:
    """Human summary: one line per instance, then the failing tests of the problem cases."""
    lines = [f"{'instance':<45} {'verdict':<20} {'gold':>6}  no fix"]
    for v in report.instances:
        nofix = v.nofix.outcome.value if v.nofix else "-"
        gold = f"{v.gold_resolved}/{v.gold_runs}"
        lines.append(f"{v.instance_id:<45} {','.join(x.value for x in v.verdicts):<20} {gold:>6}  {nofix}")
    for v in report.instances:
        if Verdict.FLAKY in v.verdicts or Verdict.BROKEN in v.verdicts:
            for test, n in sorted(v.gold_failures.items()):
                lines.append(f"  {v.instance_id}: {test} failed in {n}/{v.gold_runs} gold runs")
            for g in v.gold:
                if g.outcome is not Outcome.RESOLVED and not g.failing_tests and g.reason:
                    lines.append(f"  {v.instance_id} ({g.run_id}): {g.reason}"[:200])
        if v.passing_without_fix:
            lines.append(f"  {v.instance_id}: passes without the fix: {', '.join(v.passing_without_fix[:5])}")
    counts = {x: len(report.ids(x)) for x in Verdict}
    lines.append("  ".join(f"{k.value}: {n}" for k, n in counts.items()))
    return lines
