"""How ``swerun report`` scales: time to read a run and render report.html, and the page's size, at Verified size.

Run from the project root: `python benchmarks/report_scale.py RUN [--instances 500] [--steps 60]`, where RUN
is a finished agent run (e.g. one made with tests/reporting/scripted.py). Its instance folders are copied
under new ids into a scratch run until it holds ``--instances`` of them, and each trajectory is
lengthened to ``--steps`` steps by repeating its own steps, so the page carries a Verified-sized load.
Ids outside the dataset cost no log parsing, so the parsing time of a real run comes on top; the
script also times that alone on the original run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from swebench_runner.reporting.html import render
from swebench_runner.reporting.summary import load_run


def grow(src: Path, dest: Path, instances: int, steps: int) -> None:
    shutil.copytree(src, dest)
    originals = sorted(p for p in dest.iterdir() if (p / "result.json").is_file())
    for n in range(instances - len(originals)):
        orig = originals[n % len(originals)]
        iid = f"{orig.name.rsplit('-', 1)[0]}-{1000 + n}"
        shutil.copytree(orig, dest / iid)
        for name in ("result.json", "report.json", "trajectory.json"):
            path = dest / iid / name
            if path.is_file():
                path.write_text(path.read_text().replace(orig.name, iid))
    for traj in dest.glob("*/trajectory.json"):
        data = json.loads(traj.read_text())
        base = data["steps"]
        data["steps"] = [{**base[i % len(base)], "index": i + 1} for i in range(steps)] if base else []
        traj.write_text(json.dumps(data))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--instances", type=int, default=500)
    ap.add_argument("--steps", type=int, default=60)
    args = ap.parse_args()
    t0 = time.perf_counter()
    load_run(args.run)
    print(f"read the original run ({args.run}), logs parsed: {time.perf_counter() - t0:.2f}s")
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / args.run.name
        grow(args.run, run, args.instances, args.steps)
        t0 = time.perf_counter()
        summary = load_run(run)
        t1 = time.perf_counter()
        page = render(summary)
        t2 = time.perf_counter()
        print(f"{len(summary.instances)} instances x {args.steps} steps: read {t1 - t0:.2f}s, render {t2 - t1:.2f}s, "
              f"report.html {len(page.encode()) / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
