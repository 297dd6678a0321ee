"""Our harness against the official one (swebench 5.0.x), on the same instance images, same instances.

swebench 5.x evaluates rows that name their own `image` and `eval_script`; we hand it our instance
images and an eval script written the official way (reset test files, heredoc test patch, markers,
test command), so both harnesses start the same containers and run the same tests. Needs the
`swebench` package (a dev dependency, `pip install swebench==5.0.2`). Run from the project root:
`python benchmarks/vs_official.py [--workers 1]`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from swebench_runner.dataset import load_dataset
from swebench_runner.images import env_recipe, instance_recipe
from swebench_runner.official import official_style_script
from swebench_runner.patch import split_test_files
from swebench_runner.repos import RepoStore
from swebench_runner.spec import spec_for

OFFICIAL_PARSER = {"pytest": "parse_log_pytest", "unittest": "parse_log_django"}


def timed(argv: list[str], cwd: Path) -> float:
    t0 = time.monotonic()
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True)
    return time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    ds = load_dataset("mini")
    store = RepoStore()
    chosen = [i for i in ds.instances if spec_for(i).log_parser in OFFICIAL_PARSER]
    ids = [i.instance_id for i in chosen]
    with tempfile.TemporaryDirectory(prefix="swerun-vs-official-") as tmp:
        tmp = Path(tmp)
        ours = [sys.executable, "-m", "swebench_runner", "eval", "--split", "mini", "--predictions", "gold",
                "--results-dir", str(tmp / "ours"), "--max-workers", str(args.workers), "--instance-ids", ",".join(ids)]
        timed([*ours, "--run-id", "warmup"], tmp)  # builds any missing image, outside the timing
        rows = []
        for inst in chosen:
            spec = spec_for(inst)
            tag = instance_recipe(inst, spec, env_recipe(inst, spec, store)).tag
            existing, created = split_test_files(inst.test_patch)
            script = official_style_script(inst, spec.test_command(existing + created), activate=False)
            rows.append({**inst.model_dump(), "image": tag, "eval_script": script,
                         "log_parser": OFFICIAL_PARSER[spec.log_parser], "eval_type": "pass_and_fail"})
        (tmp / "rows.json").write_text(json.dumps(rows))
        t_ours = timed([*ours, "--run-id", "timed"], tmp)
        t_off = timed([sys.executable, "-m", "swebench.harness.run_evaluation", "-d", str(tmp / "rows.json"),
                       "-p", "gold", "-id", "timed", "--max_workers", str(args.workers), "--report_dir", str(tmp)], tmp)
        results = [json.loads(p.read_text()) for p in (tmp / "ours" / "timed").glob("*/result.json")]
        tests = sum(r["seconds_tests"] for r in results) / len(results)
        official = json.loads((tmp / "gold.timed.json").read_text())
        ours_rep = json.loads(next((tmp / "ours" / "timed").glob("gold.timed.json")).read_text())
    n = len(ids)
    print(f"{n} mini instances (pytest + unittest), gold patches, same images, {args.workers} worker(s)")
    print(f"{'harness':<22} {'wall/inst s':>12} {'tests/inst s':>13} {'overhead/inst s':>16} {'resolved':>9}")
    for name, wall, rep in (("swerun", t_ours, ours_rep), ("swebench 5.0.2", t_off, official)):
        print(f"{name:<22} {wall / n:>12.2f} {tests:>13.2f} {wall / n - tests:>16.2f} {rep['resolved_instances']:>5}/{n}")
    print(f"official / swerun wall time: {t_off / t_ours:.1f}x; overhead ratio "
          f"{(t_off / n - tests) / max(t_ours / n - tests, 1e-9):.1f}x")
    if ours_rep["resolved_ids"] != official["resolved_ids"]:
        print("VERDICTS DIFFER:", sorted(set(ours_rep["resolved_ids"]) ^ set(official["resolved_ids"])))


if __name__ == "__main__":
    main()
