"""The Ray backend on a real multi-node cluster on this machine (head + two worker raylets, each with
its own docker_slots): verdicts identical to the local pool, a worker node killed mid-run, and the
control plane on the in-memory backend."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from swebench_runner.backends import docker_engine as engine
from swebench_runner.backends.fake import FakeBackend, gold_responder
from swebench_runner.dataset import Dataset, load_dataset
from swebench_runner.predictions import load_predictions
from swebench_runner.runner import run_evaluation
from swebench_runner.settings import RunSettings

from ..agent.fake_openai import FakeOpenAIServer, tool
from ..helpers import swerun

ROOT = Path(__file__).resolve().parents[2]


def _reports(run: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in run.glob("*/report.json")}


def _many(n: int) -> Dataset:
    mini = load_dataset("mini")
    base = next(i for i in mini.instances if i.instance_id == "swerun-mini__textkit-1")
    rows = [base.model_copy(update={"instance_id": f"swerun-mini__textkit-{1000 + k}"}) for k in range(n)]
    return Dataset(name="many", source="test", instances=rows)


def _altered(patch: str) -> str:
    """The same diff with its first added line changed: still applies, no longer the fix."""
    lines = patch.splitlines(keepends=True)
    k = next(n for n, line in enumerate(lines) if line.startswith("+") and not line.startswith("+++"))
    lines[k] = lines[k].rstrip("\n") + "  # not the fix\n"
    return "".join(lines)


def test_fake_backend_over_ray_matches_the_local_pool(ray_cluster, tmp_path):
    cluster, _ = ray_cluster
    ds = _many(300)
    preds = load_predictions("gold", ds)
    wrong = {iid: p.model_copy(update={"model_patch": _altered(p.model_patch)})
             for k, (iid, p) in enumerate(sorted(preds.items())) if k % 3 == 0}
    preds = {**preds, **wrong}
    common = dict(results_root=tmp_path, backend="fake", image_source="swebench", progress=False)
    local = run_evaluation(ds, preds, RunSettings(run_id="local", **common),
                           backend=FakeBackend(responder=gold_responder(ds.instances)))
    remote = run_evaluation(ds, preds, RunSettings(run_id="ray", scheduler="ray", ray_address=cluster.address,
                                                   **common),
                            backend=FakeBackend(responder=gold_responder(ds.instances)))
    assert len(remote.results) == 300
    assert sorted(remote.report["resolved_ids"]) == sorted(local.report["resolved_ids"])
    assert len(local.report["resolved_ids"]) == 200
    strip = ("finished_at", "seconds_total", "seconds_image", "seconds_container")
    assert ({k: r.model_dump(exclude=set(strip)) for k, r in remote.results.items()}
            == {k: r.model_dump(exclude=set(strip)) for k, r in local.results.items()})


@pytest.mark.docker
@pytest.mark.slow
def test_mini_gold_on_ray_equals_the_local_run(docker_engine, ray_cluster, tmp_path):
    cluster, _ = ray_cluster
    mini = load_dataset("mini")
    gold = load_predictions("gold", mini)
    local = run_evaluation(mini, gold, RunSettings(run_id="local", results_root=tmp_path, max_workers=2,
                                                   progress=False, timeout=300))
    res = swerun("eval", "--split", "mini", "--predictions", "gold", "--backend", "ray", "--ray-address",
                 cluster.address, "--run-id", "ray", "--results-dir", str(tmp_path), "--timeout", "300", cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Resolved        16 / 16" in res.stdout
    remote = json.loads((tmp_path / "ray" / "gold.ray.json").read_text())
    ids = {i.instance_id for i in mini.instances}
    assert set(remote["resolved_ids"]) == ids == set(local.report["resolved_ids"])
    assert _reports(tmp_path / "ray") == _reports(tmp_path / "local")
    run_json = json.loads((tmp_path / "ray" / "run.json").read_text())
    assert run_json["backend"]["backend"] == "ray" and run_json["backend"]["docker_slots"] == 4
    assert not docker_engine.containers.list(all=True, filters={"label": f"{engine.RUN_LABEL}=ray"})


DRIVER = """
import sys
from pathlib import Path
from swebench_runner.dataset import load_dataset
from swebench_runner.predictions import load_predictions
from swebench_runner.runner import run_evaluation
from swebench_runner.settings import RunSettings
mini = load_dataset("mini")
out = run_evaluation(mini, load_predictions("gold", mini), RunSettings(
    run_id=sys.argv[2], results_root=Path(sys.argv[1]), backend="ray", ray_address=sys.argv[3], progress=False,
    timeout=300, retries=2))
print("RESOLVED", len(out.report["resolved_ids"]))
"""


@pytest.mark.docker
@pytest.mark.slow
def test_a_worker_node_killed_mid_run(docker_engine, ray_cluster, tmp_path):
    """Its instances are retried on the other node; each is graded once; no container of the run is left."""
    cluster, workers = ray_cluster
    victim = cluster.add_node(num_cpus=1, resources={"docker_slots": 2})
    cluster.wait_for_nodes()
    run_id = "ray-node-loss"
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, str(tmp_path), run_id, cluster.address],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.monotonic() + 600
    while len(list((tmp_path / run_id).glob("*/result.json"))) < 2:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.2)
    cluster.remove_node(victim, allow_graceful=False)
    out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err[-3000:]
    assert "RESOLVED 16" in out
    results = [json.loads(p.read_text()) for p in (tmp_path / run_id).glob("*/result.json")]
    assert len(results) == 16 and {r["outcome"] for r in results} == {"resolved"}
    assert "a second result arrived" not in err
    assert not docker_engine.containers.list(all=True, filters={"label": f"{engine.RUN_LABEL}={run_id}"})


@pytest.mark.docker
@pytest.mark.slow
def test_the_headline_command_on_ray_infers_and_grades(docker_engine, ray_cluster, tmp_path, monkeypatch):
    """Episodes run as Ray tasks against a model server on this machine; the driver writes every file."""
    cluster, _ = ray_cluster
    fix = [tool("str_replace_editor", command="str_replace", path="/testbed/textkit/truncate.py",
                old_str="    if len(text) < width:", new_str="    if len(text) <= width:"), tool("submit")]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-ray-test")
    with FakeOpenAIServer(lambda req: fix[min(sum(m["role"] == "assistant" for m in req.messages), 1)],
                          model="fake-model") as srv:
        res = swerun("--model", "openai:fake-model", "--base-url", srv.url, "--split", "mini", "--instance-ids",
                     "swerun-mini__textkit-2", "--run-id", "ray-agent", "--backend", "ray", "--ray-address",
                     cluster.address, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    run = tmp_path / "results" / "ray-agent"
    assert json.loads((run / "fake-model.ray-agent.json").read_text())["resolved_ids"] == ["swerun-mini__textkit-2"]
    traj = json.loads((run / "swerun-mini__textkit-2" / "trajectory.json").read_text())
    assert traj["exit_status"] == "submitted" and traj["totals"]["steps"] == 2
    assert "+    if len(text) <= width:" in (run / "preds.jsonl").read_text()
    assert not docker_engine.containers.list(all=True, filters={"label": f"{engine.RUN_LABEL}=ray-agent"})


def _hold(tag: str, seconds: float, lease: float) -> tuple[float, float]:
    from swebench_runner.backends.ray import RayTagLock

    with RayTagLock(lease=lease, poll=0.1).hold(tag):
        start = time.time()
        time.sleep(seconds)
        return start, time.time()


def _die_holding(tag: str) -> None:
    import os

    from swebench_runner.backends.ray import RayTagLock

    with RayTagLock(lease=2.0, poll=0.1).hold(tag):
        os._exit(1)  # a node lost while building: its lease is never renewed nor released


def test_two_nodes_never_hold_one_tag_at_once(ray_cluster):
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    cluster, workers = ray_cluster
    ray.init(address=cluster.address)
    try:
        hold = ray.remote(num_cpus=0)(_hold)
        refs = [hold.options(scheduling_strategy=NodeAffinitySchedulingStrategy(w.node_id, soft=False)).remote(
            "swerun/env-x:1", 1.0, 30.0) for w in workers for _ in range(2)]
        spans = sorted(ray.get(refs))
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:], strict=False))
        die = ray.remote(num_cpus=0, max_retries=0)(_die_holding)
        with pytest.raises(ray.exceptions.RayError):
            ray.get(die.remote("swerun/env-y:1"))
        t0 = time.time()
        ray.get(hold.remote("swerun/env-y:1", 0.0, 2.0))  # the dead holder's lease ran out: taken over
        assert time.time() - t0 < 15
    finally:
        ray.shutdown()


@pytest.mark.docker
def test_images_build_on_ray_reaches_every_instance(docker_engine, ray_cluster, tmp_path):
    cluster, _ = ray_cluster
    ids = "swerun-mini__textkit-1,swerun-mini__envfile-1"
    res = swerun("images", "build", "--split", "mini", "--instance-ids", ids, "--backend", "ray", "--ray-address",
                 cluster.address, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "2 ready (" in res.stdout and "0 failed" in res.stdout
    for iid in ids.split(","):
        assert f"  {iid}: " in res.stdout and f"{iid}: FAILED" not in res.stdout
