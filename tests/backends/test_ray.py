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

from swebench_runner.backends.fake import FakeBackend, gold_responder
from swebench_runner.dataset import Dataset, load_dataset
from swebench_runner.predictions import load_predictions
from swebench_runner.runner import run_evaluation
from swebench_runner.sandbox import docker as engine
from swebench_runner.settings import RunSettings

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
    remote = run_evaluation(mini, gold, RunSettings(run_id="ray", results_root=tmp_path, backend="ray",
                                                    ray_address=cluster.address, progress=False, timeout=300))
    ids = {i.instance_id for i in mini.instances}
    assert set(remote.report["resolved_ids"]) == ids == set(local.report["resolved_ids"])
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
