"""kill -9 in the middle of a run, then the same command again: nothing lost, nothing graded twice."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from swebench_runner.backends import docker_engine as sdocker

from ..helpers import swerun

pytestmark = pytest.mark.docker


def test_kill_9_mid_run_then_resume(docker_engine, mini, gold_run, tmp_path):  # gold_run: images are warm
    results = tmp_path / "results"
    argv = [sys.executable, "-m", "swebench_runner", "eval", "--split", "mini", "--predictions", "gold",
            "--run-id", "k9", "--results-dir", str(results), "--max-workers", "2"]
    proc = subprocess.Popen(argv, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run = results / "k9"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list(run.glob("*/result.json"))) < 3:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    graded = {p.parent.name: json.loads(p.read_text()) for p in run.glob("*/result.json")}  # all parse
    assert 3 <= len(graded) < len(mini.instances), "the kill must land mid-run"
    assert all(r["outcome"] == "resolved" for r in graded.values()), graded
    finished = {iid: r["finished_at"] for iid, r in graded.items()}

    again = swerun("eval", "--split", "mini", "--predictions", "gold", "--run-id", "k9",
                   "--results-dir", str(results), "--max-workers", "2")
    assert again.returncode == 0, again.stderr
    report = json.loads((run / "gold.k9.json").read_text())
    assert report["resolved_ids"] == sorted(i.instance_id for i in mini.instances)
    for iid, stamp in finished.items():  # finished before the kill: not evaluated again
        assert json.loads((run / iid / "result.json").read_text())["finished_at"] == stamp
    assert f"{len(mini.instances) - len(finished)} evaluated now" in again.stdout
    assert not docker_engine.containers.list(all=True, filters={"label": f"{sdocker.RUN_LABEL}=k9"})


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_stops_the_run_and_removes_its_containers(docker_engine, mini, gold_run, tmp_path, sig):
    """SIGTERM is how batch schedulers, `docker stop` and `kill` end a job: it stops a run as Ctrl-C does."""
    results = tmp_path / "results"
    argv = [sys.executable, "-m", "swebench_runner", "eval", "--split", "mini", "--predictions", "gold",
            "--run-id", "ctrlc", "--results-dir", str(results), "--max-workers", "2"]
    # as in a terminal: a test run started in the background inherits SIGINT ignored, which Python keeps
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    label = {"label": f"{sdocker.RUN_LABEL}=ctrlc", "status": "running"}
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not [c for c in docker_engine.containers.list(filters=label)
                                                if c.labels.get("swerun.role") != "netns"]:
        time.sleep(0.02)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert not docker_engine.containers.list(all=True, filters={"label": f"{sdocker.RUN_LABEL}=ctrlc"}), err
    graded = [json.loads(p.read_text()) for p in (results / "ctrlc").glob("*/result.json")]
    assert len(graded) < len(mini.instances) and all(r["outcome"] == "resolved" for r in graded)
