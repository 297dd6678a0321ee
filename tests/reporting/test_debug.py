"""debug ID: the non-interactive paths against a real run (tests, another patch, replay) and the docker
command a person runs by hand, executed here without a terminal."""

from __future__ import annotations

import json
import shlex
import subprocess

import pytest

from swebench_runner.reporting.debug import resolve_target, run_tests, shell_argv
from swebench_runner.reporting.replay import load_trajectory, replay
from swebench_runner.resources import datasets_dir

from ..helpers import swerun
from .conftest import snapshot

pytestmark = pytest.mark.docker

WRONG = "swerun-mini__textkit-1"
GOLD = "swerun-mini__numfmt-1"


@pytest.mark.parametrize("iid", [WRONG, GOLD])
def test_tests_give_the_statuses_of_the_run(mixed_run, iid):
    before = snapshot(mixed_run)
    outcome = run_tests(resolve_target(iid, run_path=mixed_run))
    recorded = json.loads((mixed_run / iid / "report.json").read_text())[iid]
    assert outcome.tests_status == recorded["tests_status"]
    assert outcome.same and outcome.result.outcome.value == json.loads((mixed_run / iid / "result.json").read_text())["outcome"]
    assert snapshot(mixed_run) == before  # the evaluation went to a scratch folder


def test_debug_tests_command(mixed_run):
    res = swerun("debug", WRONG, "--run", str(mixed_run), "--tests")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "Outcome now: unresolved" in out and "Compared with run q1's report.json: the same statuses" in out
    assert "  PASS_TO_PASS fail      fail  FAILED   tests/test_slug.py::test_allow_unicode_keeps_letters[latin]" in out
    repro = next(line.strip() for line in out.splitlines() if line.strip().startswith("docker run --rm --init"))
    argv = shlex.split(repro)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert "FAILED tests/test_slug.py::test_allow_unicode_keeps_letters[latin]" in done.stdout  # by hand, same result


def test_another_patch(mixed_run):
    gold = datasets_dir() / "mini" / "tasks" / WRONG / "gold.patch"
    res = swerun("debug", WRONG, "--run", str(mixed_run), "--tests", "--patch", str(gold))
    assert res.returncode == 0, res.stderr
    assert "Outcome now: resolved" in res.stdout and "2 tests differ (marked !)" in res.stdout
    assert "! PASS_TO_PASS fail      pass  PASSED   tests/test_slug.py::test_allow_unicode_keeps_letters[cjk]" in res.stdout


def test_replay_reproduces_the_patch(mixed_run):
    target = resolve_target(WRONG, run_path=mixed_run)
    seen = []
    out = replay(target, load_trajectory(target), on_call=seen.append)
    assert [c.name for c in out.calls] == ["str_replace_editor", "bash", "submit"] == [c.name for c in seen]
    assert all(c.same for c in out.calls)
    assert out.same_patch and out.patch == (mixed_run / WRONG / "patch.diff").read_text()
    res = swerun("debug", WRONG, "--run", str(mixed_run), "--replay", input="")
    assert "Replayed 3 calls: 3 with the same output" in res.stdout
    assert "Final patch: identical to the trajectory's" in res.stdout


def test_replay_can_stop_early(mixed_run):
    target = resolve_target(WRONG, run_path=mixed_run)
    answers = iter(["run", "quit"])
    out = replay(target, load_trajectory(target), stepper=lambda *a: next(answers))
    assert len(out.calls) == 1 and out.stopped_early and not out.same_patch


def test_printed_shell_command_applies_the_patch(mixed_run):
    res = swerun("debug", WRONG, "--run", str(mixed_run))
    assert res.returncode == 0, res.stderr
    assert "(not a terminal: run the command above to get the shell)" in res.stdout
    printed = next(line.strip() for line in res.stdout.splitlines() if line.strip().startswith("docker run --rm -it"))
    argv = shlex.split(printed)
    # the printed command, without a terminal and with a command instead of the shell
    assert argv[:5] == ["docker", "run", "--rm", "-it", "--init"] and argv[-1] == "bash"
    batch = [a for a in argv if a != "-it"][:-1] + ["bash", "-c", "git diff; command -v python"]
    done = subprocess.run(batch, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert '+    text = unicodedata.normalize("NFKD", text)' in done.stdout
    assert done.stdout.rstrip().endswith("/opt/venv/bin/python")  # the shell has the environment's Python


def test_base_commit_without_a_patch(mixed_run):
    target = resolve_target(WRONG, run_path=mixed_run, use_run_patch=False)
    done = subprocess.run(shell_argv(target, tty=False, command=["git", "status", "--porcelain"]),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout == ""
    log = subprocess.run(shell_argv(target, tty=False, command=["git", "log", "-2", "--format=%H"]),
                         capture_output=True, text=True, timeout=120, check=False).stdout.split()
    assert target.instance.base_commit in log  # HEAD, or under the image's post-install commit


def test_unknown_instance_is_an_input_error(mixed_run):
    res = swerun("debug", "swerun-mini__nope-1", "--run", str(mixed_run))
    assert res.returncode == 2 and "no instance 'swerun-mini__nope-1'" in res.stderr
