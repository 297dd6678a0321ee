"""Two or more runs side by side: what flipped between them, and which tests explain each flip.

The first run is the baseline. An instance *flips* when it is resolved in one run and not in another;
for each flip the tests whose verdict changed (FAIL_TO_PASS / PASS_TO_PASS, success <-> failure) are
the why. Instances that only one run holds are listed apart instead of being counted as failures.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..types import Outcome
from .summary import RunSummary

RESOLVED = Outcome.RESOLVED.value


class TestChange(BaseModel):
    __test__ = False

    name: str
    kind: str
    before: str  # pass | fail | absent
    after: str


class Flip(BaseModel):
    instance_id: str
    before: str  # status in the baseline
    after: str  # status in the other run
    tests: list[TestChange] = Field(default_factory=list)
    note: str = ""  # when one side ran no tests, why (instead of listing every test as changed)


class RunColumn(BaseModel):
    run_id: str
    path: str
    model: str
    total: int
    resolved: int
    rate: float
    infra_errors: int
    cost_mean: float | None
    steps_mean: float | None


class Pair(BaseModel):
    """The baseline against one other run."""

    other: str
    gained: list[Flip]  # resolved by the other run only
    lost: list[Flip]  # resolved by the baseline only
    changed: list[Flip]  # neither resolved, but the status differs (e.g. error -> unresolved)
    only_baseline: list[str]
    only_other: list[str]


class Comparison(BaseModel):
    runs: list[RunColumn]
    pairs: list[Pair]
    statuses: dict[str, dict[str, str]]  # instance -> run id -> status, where the runs disagree


def _verdict(ok: bool | None) -> str:
    return "pass" if ok else "fail" if ok is False else "not graded"


def test_changes(a, b) -> list[TestChange]:
    """Tests whose verdict differs between two records of the same instance."""
    ta, tb = a.test_map(), b.test_map()
    out = []
    for key in sorted(set(ta) | set(tb)):
        va = _verdict(ta[key].ok) if key in ta else "absent"
        vb = _verdict(tb[key].ok) if key in tb else "absent"
        if va != vb:
            row = ta.get(key) or tb[key]
            out.append(TestChange(name=row.name, kind=row.kind, before=va, after=vb))
    return out


def _pair(base: RunSummary, other: RunSummary) -> Pair:
    a, b = base.by_id(), other.by_id()
    gained, lost, changed = [], [], []
    for iid in sorted(set(a) & set(b)):
        ra, rb = a[iid], b[iid]
        if ra.status == rb.status:
            continue
        flip = Flip(instance_id=iid, before=ra.status, after=rb.status)
        silent = [(s.run_id, r) for s, r in ((base, ra), (other, rb)) if not any(t.ok is not None for t in r.tests)]
        if silent:
            flip.note = "; ".join(f"no tests ran in {run_id} ({r.reason or r.status})" for run_id, r in silent)
        else:
            flip.tests = test_changes(ra, rb)
        if rb.status == RESOLVED:
            gained.append(flip)
        elif ra.status == RESOLVED:
            lost.append(flip)
        else:
            changed.append(flip)
    return Pair(other=other.run_id, gained=gained, lost=lost, changed=changed,
                only_baseline=sorted(set(a) - set(b)), only_other=sorted(set(b) - set(a)))


def _column(s: RunSummary) -> RunColumn:
    return RunColumn(run_id=s.run_id, path=s.path, model=s.model, total=s.overall.total, resolved=s.overall.resolved,
                     rate=s.overall.rate, infra_errors=s.overall.counts["infra_error"], cost_mean=s.cost_mean,
                     steps_mean=s.steps_mean)


def compare(runs: list[RunSummary]) -> Comparison:
    """Compare ``runs`` against the first; two runs with one id (from different result folders) get ``#2``."""
    if len(runs) < 2:
        raise ValueError("compare needs at least two runs")
    seen: dict[str, int] = {}
    for n, s in enumerate(runs):
        seen[s.run_id] = seen.get(s.run_id, 0) + 1
        if seen[s.run_id] > 1:
            runs[n] = s.model_copy(update={"run_id": f"{s.run_id}#{seen[s.run_id]}"})
    ids = sorted({r.instance_id for s in runs for r in s.instances})
    maps = [s.by_id() for s in runs]
    statuses = {}
    for iid in ids:
        row = {s.run_id: (m[iid].status if iid in m else "absent") for s, m in zip(runs, maps, strict=False)}
        if len(set(row.values())) > 1:
            statuses[iid] = row
    return Comparison(runs=[_column(s) for s in runs], pairs=[_pair(runs[0], o) for o in runs[1:]], statuses=statuses)
