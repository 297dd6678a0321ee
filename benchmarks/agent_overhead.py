"""Per-step overhead of the agent loop: the time of a step outside the model call and outside the command.

Run from the project root (Docker needed; the textkit-2 instance image is built if missing):
    python benchmarks/agent_overhead.py [--steps 60] [--stream]
A scripted chat-completions server on 127.0.0.1 (the test suite's fake server) drives the real loop,
tools and container through a mix of bash commands and editor operations, and the run's trajectory is
written after every step exactly as ``swerun infer`` does. For every step:
    overhead = step wall time (model call start -> trajectory written) - model call - command's own time
where the model call is the HTTP round trip as the client sees it and the command's own time is measured
inside the container. What remains is ours: docker exec round trips, file transfer for the editor,
JSON parsing, context fitting and the atomic trajectory write.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402

from swebench_runner.agent.loop import AgentLimits, ToolLoop  # noqa: E402
from swebench_runner.agent.store import InferenceStore  # noqa: E402
from swebench_runner.agent.tools import ToolBox  # noqa: E402
from swebench_runner.agent.trajectory import Trajectory  # noqa: E402
from swebench_runner.artifacts import RunDir  # noqa: E402
from swebench_runner.backends.docker_builder import ImageBuilder  # noqa: E402
from swebench_runner.backends.docker_engine import DockerSandbox, ensure_network  # noqa: E402
from swebench_runner.dataset import load_dataset  # noqa: E402
from swebench_runner.evaluation.evaluate import EvalContext, prepare_image  # noqa: E402
from swebench_runner.model import ModelSettings, OpenAIClient  # noqa: E402
from swebench_runner.repos import RepoStore  # noqa: E402
from swebench_runner.settings import RunSettings  # noqa: E402
from swebench_runner.spec import spec_for  # noqa: E402
from tests.agent.fake_openai import FakeOpenAIServer, tool  # noqa: E402

FILE = "/testbed/textkit/truncate.py"
CYCLE = [  # (kind, reply)
    ("bash: true", tool("bash", command="true")),
    ("bash: grep", tool("bash", command="grep -n def textkit/truncate.py | head -5")),
    ("bash: python", tool("bash", command="python -c 'import textkit; print(textkit.__name__)'")),
    ("editor: view", tool("str_replace_editor", command="view", path=FILE, view_range=[20, 40])),
    ("editor: str_replace", tool("str_replace_editor", command="str_replace", path=FILE,
                                 old_str="    if len(text) < width:", new_str="    if len(text) <  width:")),
    ("editor: undo_edit", tool("str_replace_editor", command="undo_edit", path=FILE)),
]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def measure(image: str, instance, steps: int, stream_replies: bool, shell: str, tmp: Path):
    """One scripted run of ``steps`` steps with the shell over one exec per call or over a stream."""
    run = RunDir(tmp, f"bench-{shell}-{time.monotonic_ns()}")
    script = [reply for _, reply in CYCLE] * (steps // len(CYCLE) + 1)
    kinds = [kind for kind, _ in CYCLE] * (steps // len(CYCLE) + 1)
    store = InferenceStore(run)
    marks: list[float] = []
    writes: list[float] = []

    def on_step(traj: Trajectory) -> None:
        t = time.monotonic()
        store.write_trajectory(traj)
        writes.append(time.monotonic() - t)
        marks.append(time.monotonic())

    with FakeOpenAIServer(script) as srv, DockerSandbox(image, run_id="bench", name=f"swerun-bench-agent-{shell}",
                                                      network=ensure_network()) as sb:
        settings = ModelSettings(model="fake-model", label="fake-model", base_url=srv.url, stream=stream_replies,
                                 api_key=SecretStr("sk-bench-000000"))
        toolbox = ToolBox(sb)
        if shell == "exec":  # one docker exec per command, as before the stream
            toolbox.shell.stop_streaming()
        loop = ToolLoop(OpenAIClient(settings), toolbox, AgentLimits(step_limit=steps, cost_limit=0))
        traj = Trajectory(instance_id=instance.instance_id, model_name_or_path="fake-model", agent="swerun")
        t0 = time.monotonic()
        loop.run(instance, traj, on_step)
    starts = [t0, *marks[:-1]]
    rows = defaultdict(list)
    overall = []
    for step, start, end, kind in zip(traj.steps, starts, marks, kinds, strict=False):
        wall = end - start
        overhead = wall - step.seconds_model - step.seconds_commands
        exec_rt = step.seconds_tools - step.seconds_commands
        rows[kind].append((wall, step.seconds_model, step.seconds_commands, exec_rt, overhead))
        overall.append(overhead)
    return traj, rows, overall, writes


def report(shell: str, traj, rows, overall, writes, stream_replies: bool) -> None:
    mode = "streamed" if stream_replies else "whole"
    print(f"\nshell over {shell}: {len(traj.steps)} steps, exit {traj.exit_status.value}; model replies {mode}; "
          "trajectory written after every step")
    print(f"{'step kind':<22}{'n':>3} {'wall ms':>8} {'model ms':>9} {'command ms':>11} {'sandbox rt ms':>14}"
          f" {'overhead ms':>12}")
    for kind, vals in rows.items():
        cols = [statistics.mean(v[i] for v in vals) * 1000 for i in range(5)]
        print(f"{kind:<22}{len(vals):>3} {cols[0]:>8.1f} {cols[1]:>9.1f} {cols[2]:>11.1f} {cols[3]:>14.1f} "
              f"{cols[4]:>12.1f}")
    print(f"overhead per step: mean {statistics.mean(overall) * 1000:.1f} ms, median "
          f"{statistics.median(overall) * 1000:.1f} ms, p95 {pct(overall, 0.95) * 1000:.1f} ms")
    print(f"  of which trajectory write: mean {statistics.mean(writes) * 1000:.2f} ms "
          f"(last {writes[-1] * 1000:.2f} ms at {len(traj.steps)} steps)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--stream", action="store_true", help="stream the model replies (SSE)")
    ap.add_argument("--shell", choices=["stream", "exec", "both"], default="both",
                    help="the bash tool over one exec stream, one docker exec per call, or both side by side")
    ap.add_argument("--rounds", type=int, default=2, help="with --shell both: alternating runs of each")
    args = ap.parse_args()
    instance = load_dataset("mini").by_id()["swerun-mini__textkit-2"]
    with tempfile.TemporaryDirectory(prefix="swerun-bench-") as tmp:
        ctx = EvalContext(settings=RunSettings(run_id="bench", results_root=Path(tmp)),
                          builder=ImageBuilder(RepoStore(), Path(tmp) / "build_logs"))
        image = prepare_image(ctx, instance, spec_for(instance)).tag
        shells = ["exec", "stream"] * args.rounds if args.shell == "both" else [args.shell]
        medians: dict[str, list[float]] = defaultdict(list)
        for shell in shells:
            traj, rows, overall, writes = measure(image, instance, args.steps, args.stream, shell, Path(tmp))
            report(shell, traj, rows, overall, writes, args.stream)
            medians[shell].append(statistics.median(overall))
    if len(medians) == 2:
        ex, st = statistics.median(medians["exec"]), statistics.median(medians["stream"])
        print(f"\nmedian overhead per step: one exec per call {ex * 1000:.1f} ms, exec stream {st * 1000:.1f} ms "
              f"({ex / st:.1f}x less)")
    print("  'sandbox rt' = sandbox calls' host-side time minus the commands' own time (docker exec, file copy)")


if __name__ == "__main__":
    main()
