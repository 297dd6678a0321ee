"""A run id names a folder under --results-dir: it is checked while the options are parsed, before any
folder or log file exists, with the run folder's own rule (``artifacts.RunDir``)."""

from __future__ import annotations

import pytest

from .conftest import HEADLINE, run_swerun, tree


@pytest.mark.parametrize("bad", ["../x", "a/b", ".x", "..", "", "{abs}"])
def test_headline_refuses_an_unsafe_run_id_and_writes_nothing(tmp_path, bad):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    bad = bad.format(abs=tmp_path / "abs")
    res = run_swerun(*HEADLINE, "--run-id", bad, cwd=cwd)
    assert res.returncode == 2, res.stderr
    assert "--run-id" in res.stderr and "No such option" not in res.stderr
    assert tree(tmp_path) == ["cwd"]  # no results/, no ../x, no log file anywhere


@pytest.mark.parametrize("command", [
    ["eval", "--split", "mini", "--predictions", "gold"],
    ["infer", "--model", "openai:m", "--base-url", "http://127.0.0.1:9/v1", "--split", "mini"],
    ["validate", "--split", "mini"],
])
def test_every_command_refuses_it_before_writing(tmp_path, command):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    res = run_swerun(*command, "--run-id", "../x", "--results-dir", str(cwd / "results"), cwd=cwd)
    assert res.returncode == 2, res.stderr
    assert "Invalid value for '--run-id'" in res.stderr and "'../x'" in res.stderr
    assert tree(tmp_path) == ["cwd"]


def test_validate_refuses_a_run_id_its_runs_cannot_extend(tmp_path):
    res = run_swerun("validate", "--split", "mini", "--run-id", "v" * 125, cwd=tmp_path)
    assert res.returncode == 2 and "--run-id" in res.stderr and ".gold-1" in res.stderr, res.stderr
    assert tree(tmp_path) == []


def test_a_safe_run_id_gets_past_the_options(tmp_path):
    """Accepted by the parser: the next error is the dataset's (an unknown instance), still before any write."""
    res = run_swerun("eval", "--split", "mini", "--predictions", "gold", "--run-id", "ok-1.2_x",
                     "--instance-ids", "swerun-mini__nope-1", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "unknown instance ids: swerun-mini__nope-1" in res.stderr and "--run-id" not in res.stderr
    assert tree(tmp_path) == []
