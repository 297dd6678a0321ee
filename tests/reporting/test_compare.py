"""compare: which instances flipped between two real runs, and the tests that explain each flip."""

from __future__ import annotations

import json

import pytest

from swebench_runner.reporting.compare import compare
from swebench_runner.reporting.summary import load_run

from ..helpers import swerun

pytestmark = pytest.mark.docker


def test_flips_and_the_tests_that_changed(mixed_run, gold_run, kinds):
    cmp = compare([load_run(mixed_run), load_run(gold_run)])
    pair = cmp.pairs[0]
    assert sorted(f.instance_id for f in pair.gained) == sorted(i for i, k in kinds.items() if k != "gold")
    assert pair.lost == [] and pair.only_baseline == pair.only_other == []
    flips = {f.instance_id: f for f in pair.gained}
    wrong = flips["swerun-mini__textkit-1"]
    assert (wrong.before, wrong.after) == ("unresolved", "resolved")
    assert {(t.name, t.kind, t.before, t.after) for t in wrong.tests} == {
        ("tests/test_slug.py::test_allow_unicode_keeps_letters[latin]", "PASS_TO_PASS", "fail", "pass"),
        ("tests/test_slug.py::test_allow_unicode_keeps_letters[cjk]", "PASS_TO_PASS", "fail", "pass")}
    empty = flips["swerun-mini__textkit-2"]
    assert empty.tests == [] and "no tests ran in q1 (empty patch)" in empty.note
    cols = {c.run_id: c for c in cmp.runs}
    assert cols["q1"].steps_mean == pytest.approx(43 / 16) and cols["q1"].cost_mean > 0
    assert cols["gold"].cost_mean is None and cols["gold"].resolved == 16


def test_compare_command(mixed_run, gold_run):
    res = swerun("compare", str(mixed_run), str(gold_run))
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "Resolved by gold only (10):" in out and "Resolved by q1 only (0):" in out
    assert "swerun-mini__textkit-1: unresolved -> resolved" in out
    assert "fail -> pass" in out and "test_allow_unicode_keeps_letters[latin]" in out
    assert "mean steps" in out and "mean cost" in out
    data = json.loads(swerun("compare", str(mixed_run), str(gold_run), "--json").stdout)
    assert [r["run_id"] for r in data["runs"]] == ["q1", "gold"]


def test_compare_needs_two_runs(mixed_run):
    res = swerun("compare", str(mixed_run))
    assert res.returncode == 2 and "two or more" in res.stderr
