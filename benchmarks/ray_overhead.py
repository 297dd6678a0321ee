"""Per-instance cost of the Ray backend against the local pool, side by side in one run: the same mini
gold predictions, the same warm images, two containers at a time either way (local: 2 threads; Ray: a
head that runs nothing and two worker raylets with one docker slot each). Alternates the two, ``--rounds``
times, and prints wall time per instance and the ratio.

    python benchmarks/ray_overhead.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from swebench_runner.dataset import load_dataset
from swebench_runner.predictions import load_predictions
from swebench_runner.runner import run_evaluation
from swebench_runner.settings import RunSettings


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    from ray.cluster_utils import Cluster

    mini = load_dataset("mini")
    gold = load_predictions("gold", mini)
    n = len(mini.instances)
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "resources": {"docker_slots": 0},
                                                            "include_dashboard": False})
    for _ in range(2):
        cluster.add_node(num_cpus=1, resources={"docker_slots": 1})
    cluster.wait_for_nodes()
    times: dict[str, list[float]] = {"local": [], "ray": []}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run_evaluation(mini, gold, RunSettings(run_id="warm", results_root=Path(tmp), max_workers=2,
                                                   progress=False))  # images exist before anything is timed
            for r in range(args.rounds):
                for kind in ("local", "ray"):
                    cfg = RunSettings(run_id=f"{kind}-{r}", results_root=Path(tmp), max_workers=2, progress=False,
                                      backend="docker" if kind == "local" else "ray", ray_address=cluster.address)
                    t0 = time.monotonic()
                    out = run_evaluation(mini, gold, cfg)
                    times[kind].append((time.monotonic() - t0) / n)
                    assert len(out.report["resolved_ids"]) == n
    finally:
        cluster.shutdown()
    loc, ray_ = statistics.median(times["local"]), statistics.median(times["ray"])
    print(f"mini gold, {n} instances, 2 at a time, median of {args.rounds} rounds")
    print(f"  local pool : {loc:.3f} s per instance  {times['local']}")
    print(f"  Ray backend: {ray_:.3f} s per instance  {times['ray']}")
    print(f"  Ray / local: {ray_ / loc:.2f}x  (+{ray_ - loc:.3f} s per instance, connect and cleanup included)")


if __name__ == "__main__":
    main()
