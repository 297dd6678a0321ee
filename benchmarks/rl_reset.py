"""RL reset latency, side by side in one run: a bare ``docker run`` of the instance image, a cold
``SWEEnv.reset`` (starts its container) and a reset from a warm ``EnvPool``, at 1, 8, 32 and 64
environments resetting at once. Prints p50/p99 per kind and the ratios the targets are stated in
(cold within 10% of bare; pool under 0.2 s at 64).

    python benchmarks/rl_reset.py [--concurrency 1,8,32,64]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from swebench_runner.backends.docker_engine import client, ensure_network  # noqa: E402
from swebench_runner.rl import EnvPool, SWEEnv  # noqa: E402

IID = "swerun-mini__textkit-2"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def at_once(n: int, fn) -> list[float]:
    def timed(_: int) -> float:
        t0 = time.monotonic()
        fn()
        return time.monotonic() - t0

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(timed, range(n)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--concurrency", default="1,8,32,64")
    args = ap.parse_args()
    levels = [int(x) for x in args.concurrency.split(",")]
    probe = SWEEnv(split="mini", instance_ids=[IID], run_id="bench-rl-cold")
    probe.reset()  # builds or reuses the image, prepares the run
    image = probe._episode.image.tag
    probe.close()
    net = ensure_network()
    rows = []
    for n in levels:
        started = []

        def bare(started: list = started) -> None:
            started.append(client().containers.run(image, ["sleep", "infinity"], init=True, detach=True, network=net,
                                                   labels={"swerun.run": "bench-rl-bare"}))

        t_bare = at_once(n, bare)
        for c in started:
            c.remove(force=True)
        envs = [SWEEnv(split="mini", instance_ids=[IID], run_id="bench-rl-cold") for _ in range(n)]
        it = iter(envs)
        t_cold = at_once(n, lambda it=it: next(it).reset())
        for e in envs:
            e.close()
        pool = EnvPool(n, max_starts=8, split="mini", instance_ids=[IID], run_id="bench-rl-pool")
        pool.wait_ready(timeout=900)
        penvs = [pool.env() for _ in range(n)]
        pit = iter(penvs)
        t_pool = at_once(n, lambda pit=pit: next(pit).reset(options={"instance_id": IID}))
        for e in penvs:
            e.close()
        pool.close()
        rows.append((n, t_bare, t_cold, t_pool))
        print(f"{n:>3} at once  bare docker run p50 {statistics.median(t_bare):6.2f}s p99 {pct(t_bare, .99):6.2f}s | "
              f"cold reset p50 {statistics.median(t_cold):6.2f}s p99 {pct(t_cold, .99):6.2f}s "
              f"(x{statistics.median(t_cold) / statistics.median(t_bare):.2f} of bare) | pool reset p50 "
              f"{statistics.median(t_pool) * 1000:6.1f}ms p99 {pct(t_pool, .99) * 1000:6.1f}ms", flush=True)


if __name__ == "__main__":
    main()
