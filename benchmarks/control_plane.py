"""The control plane at Qwen3-Coder's scale: N instances through the scheduler on the in-memory backend,
on a local 4-node Ray cluster (head + 3 worker raylets), and through the local thread pool beside it.

Each size runs in its own driver process so its peak memory is its own. Prints, per size: wall time,
instances per second, driver peak RSS, and how both grow from the smallest size.

    python benchmarks/control_plane.py [--sizes 1000,5000,20000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DRIVER = r"""
import json, resource, sys, time
from pathlib import Path
from swebench_runner.backends.fake import FakeBackend, gold_responder
from swebench_runner.dataset import Dataset, load_dataset
from swebench_runner.predictions import load_predictions
from swebench_runner.runner import run_evaluation
from swebench_runner.settings import RunSettings

n, scheduler, address, root = int(sys.argv[1]), sys.argv[2], sys.argv[3] or None, Path(sys.argv[4])
base = next(i for i in load_dataset("mini").instances if i.instance_id == "swerun-mini__textkit-1")
ds = Dataset(name="scale", source="synthetic", instances=[
    base.model_copy(update={"instance_id": f"swerun-mini__textkit-{100000 + k}"}) for k in range(n)])
preds = load_predictions("gold", ds)
t0 = time.monotonic()
out = run_evaluation(ds, preds, RunSettings(run_id=f"{scheduler}-{n}", results_root=root, backend="fake",
                                            scheduler=scheduler, ray_address=address, image_source="swebench",
                                            progress=False, max_workers=8),
                     backend=FakeBackend(responder=gold_responder(ds.instances)))
wall = time.monotonic() - t0
assert len(out.report["resolved_ids"]) == n, len(out.report["resolved_ids"])
print(json.dumps({"n": n, "wall": wall, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(n: int, scheduler: str, address: str, root: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", DRIVER, str(n), scheduler, address, str(root)], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,5000,20000")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "resources": {"docker_slots": 0},
                                                            "include_dashboard": False})
    for _ in range(3):
        cluster.add_node(num_cpus=1, resources={"docker_slots": 64})
    cluster.wait_for_nodes()
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for n in sizes:
                ray_row = run(n, "ray", cluster.address, Path(tmp))
                local_row = run(n, "local", "", Path(tmp))
                rows.append((n, ray_row, local_row))
                print(f"{n:>6} instances  ray: {ray_row['wall']:7.1f} s ({n / ray_row['wall']:6.0f}/s), driver "
                      f"{ray_row['rss_mb']:6.0f} MB | local pool: {local_row['wall']:7.1f} s "
                      f"({n / local_row['wall']:6.0f}/s), {local_row['rss_mb']:6.0f} MB", flush=True)
    finally:
        cluster.shutdown()
    n0, r0, l0 = rows[0]
    for n, r, loc in rows[1:]:
        print(f"{n0} -> {n} ({n / n0:.0f}x instances): ray wall x{r['wall'] / r0['wall']:.1f}, driver memory "
              f"x{r['rss_mb'] / r0['rss_mb']:.2f}; local wall x{loc['wall'] / l0['wall']:.1f}, memory "
              f"x{loc['rss_mb'] / l0['rss_mb']:.2f}")
    print(f"this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; {time.ctime()}")


if __name__ == "__main__":
    main()
