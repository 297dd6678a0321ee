"""Harness overhead per instance (wall time minus the test command's own time) and cold build times.

Run from the project root: `python benchmarks/overhead.py [--repeat 3] [--cold]`. With warm images it
times the real CLI, one worker, over the whole `mini` split, and reports per instance:
  overhead = (process wall time - sum of the test commands' own times, measured inside the container) / N
so import, dataset loading, container start/stop, patch application and report writing all count.
`--cold` also times rebuilding one repository's env + instance layers, and the debootstrap base.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from swebench_runner.backends.docker_builder import ImageBuilder
from swebench_runner.backends.docker_engine import client
from swebench_runner.dataset import load_dataset
from swebench_runner.evaluation.evaluate import EvalContext, prepare_image
from swebench_runner.images import base_recipes, env_recipe, instance_recipe
from swebench_runner.repos import RepoStore
from swebench_runner.settings import RunSettings
from swebench_runner.spec import spec_for


def cli_run(results: Path, run_id: str, workers: int) -> float:
    t0 = time.monotonic()
    subprocess.run([sys.executable, "-m", "swebench_runner", "eval", "--split", "mini", "--predictions", "gold",
                    "--run-id", run_id, "--results-dir", str(results), "--max-workers", str(workers)],
                   check=True, capture_output=True)
    return time.monotonic() - t0


def warm(results: Path, repeat: int) -> None:
    cli_run(results, "warmup", 2)  # builds whatever is missing
    rows = []
    for n in range(repeat):
        wall = cli_run(results, f"timed{n}", 1)
        res = [json.loads(p.read_text()) for p in (results / f"timed{n}").glob("*/result.json")]
        tests = sum(r["seconds_tests"] for r in res)
        per_inst = [r["seconds_total"] - r["seconds_tests"] for r in res]
        rows.append((wall, tests, len(res), per_inst))
    print(f"mini split, {rows[0][2]} instances, warm images, 1 worker, {repeat} runs of the real CLI")
    print(f"{'run':>4} {'wall s':>8} {'tests s':>8} {'overhead/inst s':>16} {'in-process/inst s':>18} {'overhead:tests':>15}")
    for n, (wall, tests, count, per_inst) in enumerate(rows):
        over = (wall - tests) / count
        print(f"{n:>4} {wall:>8.2f} {tests:>8.2f} {over:>16.3f} {statistics.mean(per_inst):>18.3f} "
              f"{over / (tests / count):>14.2f}x")
    best = min((w - t) / c for w, t, c, _ in rows)
    print(f"best overhead per instance: {best:.3f} s (target < 1 s; the official harness ~23 s on 1 s of tests)")


def cold(results: Path, with_base: bool) -> None:
    ds = load_dataset("mini")
    inst = ds.instances[0]
    spec = spec_for(inst)
    store = RepoStore()
    env = env_recipe(inst, spec, store)
    tags = [instance_recipe(inst, spec, env).tag, env.tag]
    if with_base:
        tags.append(base_recipes()[spec.python].tag)
    for i in ds.instances:  # instances of the same env depend on it
        if i.repo == inst.repo:
            tags.insert(0, instance_recipe(i, spec_for(i), env).tag)
    for tag in dict.fromkeys(tags):
        try:
            client().images.remove(tag, force=True)
        except Exception:
            pass
    builder = ImageBuilder(store, results / "build_logs", nocache=True)
    settings = EvalContext(settings=RunSettings(run_id="cold", results_root=results), builder=builder)
    t0 = time.monotonic()
    prepare_image(settings, inst, spec)
    print(f"cold build of {inst.instance_id} ({'base + ' if with_base else ''}env + instance): "
          f"{time.monotonic() - t0:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cold", action="store_true", help="also time cold image builds")
    ap.add_argument("--cold-base", action="store_true", help="include the debootstrap base in the cold build")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="swerun-bench-") as tmp:
        results = Path(tmp)
        warm(results, args.repeat)
        if args.cold or args.cold_base:
            cold(results, args.cold_base)


if __name__ == "__main__":
    main()
