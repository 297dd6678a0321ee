"""Typed records computed from a run folder: per instance what happened and why, and the tallies.

One ``RunSummary`` feeds the terminal summary, ``report.html`` and ``compare``, so every view counts the
same way: resolved over the instances the run was about, infrastructure failures apart from the
model's failures (they say nothing about the model), and instances never evaluated shown as such.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from statistics import mean

from pydantic import BaseModel, Field

from ..errors import SwerunError
from ..types import Instance, Outcome, TestStatus
from .runfiles import TRAJECTORY, RunFolder
from .trajview import TrajectoryView, trajectory_view

log = logging.getLogger(__name__)

NOT_EVALUATED = "not_evaluated"  # a prediction exists, no verdict yet (interrupted, or inference only)
NO_PREDICTION = "no_prediction"  # the run was asked about the instance and produced nothing
STATUSES = [o.value for o in Outcome] + [NOT_EVALUATED, NO_PREDICTION]
LOG_TAIL_LINES = 80
F2P, P2P = "FAIL_TO_PASS", "PASS_TO_PASS"


class TestRow(BaseModel):
    """One graded test: the official verdict (``ok``) and the status its log line said (``observed``)."""

    __test__ = False  # not a pytest test class

    name: str
    kind: str  # FAIL_TO_PASS | PASS_TO_PASS
    ok: bool | None  # success / failure as report.json says; None: not graded (no report)
    observed: str | None = None  # PASSED, FAILED, ERROR, SKIPPED, XFAIL, "missing" (not in the log), None: unknown


class InstanceRecord(BaseModel):
    instance_id: str
    repo: str
    difficulty: str | None = None
    status: str  # an Outcome value, NOT_EVALUATED or NO_PREDICTION
    reason: str = ""
    patch: str = ""
    tests: list[TestRow] = Field(default_factory=list)
    log_tail: str = ""
    applied_with: str | None = None
    violations: list[str] = Field(default_factory=list)
    reverted_files: list[str] = Field(default_factory=list)
    seconds: float | None = None
    trajectory: TrajectoryView | None = None

    def passed(self, kind: str) -> tuple[int, int]:
        rows = [t for t in self.tests if t.kind == kind]
        return sum(1 for t in rows if t.ok), len(rows)

    def test_map(self) -> dict[str, TestRow]:
        return {f"{t.kind}::{t.name}": t for t in self.tests}


class Tally(BaseModel):
    total: int = 0
    counts: dict[str, int] = Field(default_factory=lambda: {s: 0 for s in STATUSES})

    @property
    def resolved(self) -> int:
        return self.counts.get(Outcome.RESOLVED.value, 0)

    @property
    def rate(self) -> float:
        return 100.0 * self.resolved / self.total if self.total else 0.0

    def add(self, status: str) -> None:
        self.total += 1
        self.counts[status] = self.counts.get(status, 0) + 1


class RunSummary(BaseModel):
    run_id: str
    path: str
    model: str
    dataset: str  # where the rows came from (run.json)
    split: str | None = None
    instances: list[InstanceRecord]
    overall: Tally
    by_repo: dict[str, Tally]
    by_difficulty: dict[str, Tally]
    cost_total: float | None = None  # None: no trajectories (an eval-only run)
    cost_mean: float | None = None
    steps_mean: float | None = None

    def by_id(self) -> dict[str, InstanceRecord]:
        return {r.instance_id: r for r in self.instances}


def repo_of(instance_id: str) -> str:
    """``owner__name-123`` -> ``owner/name`` (for runs whose dataset cannot be loaded)."""
    m = re.match(r"^(.+?)__(.+)-\d+$", instance_id)
    return f"{m[1]}/{m[2]}" if m else "?"


def _nonce(text: str) -> str | None:
    """The nonce of our eval markers: from the last exit-code line, which only the eval script prints
    after the tests have ended (text the tests print comes before it)."""
    found = re.findall(r"^>>>>> Test Exit Code: -?\d+ \[([0-9a-f]+)\]$", text, re.MULTILINE)
    return found[-1] if found else None


def observed_statuses(instance: Instance | None, output: str | None,
                      parser_name: str | None = None) -> dict[str, TestStatus] | None:
    """Per-test statuses as the log parser grading used (``result.json`` names it; older results fall
    back to the spec's) reads the test section; None when unknown."""
    if instance is None or not output:
        return None
    from ..evaluation import testlog
    from ..evaluation.log_parsers import get_parser
    from ..spec import spec_for

    try:
        parser = get_parser(parser_name or spec_for(instance).log_parser)
    except SwerunError as exc:
        log.debug("%s: no log parser (%s)", instance.instance_id, exc)
        return None
    tl = testlog.read(output, _nonce(output))
    return parser.parse(tl.section, instance.instance_id) if tl.section is not None else None


def _status_of(name: str, sm: dict[str, TestStatus]) -> str:
    if name in sm:
        return sm[name].value
    if name.count("[") > name.count("]"):  # truncated ids match by prefix, as grading does
        hits = {sm[k].value for k in sm if k.startswith(name)}
        if len(hits) == 1:
            return hits.pop()
    return "missing"


def test_rows(tests_status: dict | None, instance: Instance | None,
              observed: dict[str, TestStatus] | None) -> list[TestRow]:
    """Rows from ``report.json``'s ``tests_status``; from the dataset's lists (ungraded) when there is none."""
    rows: list[TestRow] = []
    for kind in (F2P, P2P):
        part = (tests_status or {}).get(kind)
        if isinstance(part, dict):
            graded = [(n, True) for n in part.get("success") or []] + [(n, False) for n in part.get("failure") or []]
        else:
            graded = [(n, None) for n in (getattr(instance, kind) if instance else [])]
        for name, ok in graded:
            rows.append(TestRow(name=name, kind=kind, ok=ok,
                                observed=_status_of(name, observed) if observed is not None else None))
    return rows


def _tail(text: str | None, lines: int = LOG_TAIL_LINES) -> str:
    if not text:
        return ""
    return "\n".join(text.rstrip("\n").split("\n")[-lines:])


def instance_record(run: RunFolder, iid: str, instance: Instance | None, with_trajectory: bool = True) -> InstanceRecord:
    result = run.result(iid)
    report = run.report(iid)
    output = run.text(iid, "test_output.txt")
    traj = trajectory_view(run.json(iid, TRAJECTORY)) if with_trajectory else None
    patch = run.patch(iid)
    if result is not None:
        status, reason = result.outcome.value, result.reason
    elif patch is not None:
        status, reason = NOT_EVALUATED, "a prediction exists but no evaluation finished"
    else:
        status = NO_PREDICTION
        why = f"{traj.exit_status}{': ' + traj.exit_reason if traj.exit_reason else ''}" if traj and traj.exit_status else ""
        reason = f"no prediction (agent exit {why})" if why else "no prediction"
    return InstanceRecord(
        instance_id=iid, repo=instance.repo if instance else repo_of(iid),
        difficulty=instance.difficulty if instance else None, status=status, reason=reason, patch=patch or "",
        tests=test_rows((report or {}).get("tests_status"), instance, observed_statuses(
            instance, output, result.log_parser if result else None)),
        log_tail=_tail(output), applied_with=result.applied_with if result else None,
        violations=list(result.violations) if result else [], reverted_files=list(result.reverted_files) if result else [],
        seconds=result.seconds_total if result else None, trajectory=traj)


def tallies(records: Iterable[InstanceRecord]) -> tuple[Tally, dict[str, Tally], dict[str, Tally]]:
    overall, by_repo, by_diff = Tally(), defaultdict(Tally), defaultdict(Tally)
    for r in records:
        overall.add(r.status)
        by_repo[r.repo].add(r.status)
        if r.difficulty:
            by_diff[r.difficulty].add(r.status)
    return overall, dict(sorted(by_repo.items())), dict(sorted(by_diff.items()))


def load_run(path: Path | str, *, with_trajectories: bool = True) -> RunSummary:
    """Everything a report needs from ``path`` (a run folder); reads, never writes."""
    run = RunFolder(path)
    dataset = run.load_dataset()
    known = dataset.by_id() if dataset else {}
    records = [instance_record(run, iid, known.get(iid), with_trajectories) for iid in run.selection()]
    overall, by_repo, by_diff = tallies(records)
    trajs = [r.trajectory for r in records if r.trajectory is not None]
    return RunSummary(
        run_id=run.run_id, path=str(run.path), model=run.model, dataset=run.dataset_source or (dataset.source if dataset else ""),
        split=run.split, instances=records, overall=overall, by_repo=by_repo, by_difficulty=by_diff,
        cost_total=sum(t.cost for t in trajs) if trajs else None, cost_mean=mean(t.cost for t in trajs) if trajs else None,
        steps_mean=mean(t.n_steps for t in trajs) if trajs else None)
