"""A real agent run of the whole mini split, driven by a scripted model: one gold, wrong or empty fix per instance.

The model is the scripted OpenAI-compatible server of the agent tests; the agent, its containers, the
patch extraction and the evaluation are all real. Each instance gets, by its position in the split,
the dataset's gold patch, the task's deliberately wrong patch (``datasets/mini/tasks/<id>/wrong.patch``)
or no change at all, written and applied through the agent's own tools, so every instance has a
trajectory and the run has every outcome a report must show.
"""

from __future__ import annotations

import os
from pathlib import Path

from swebench_runner.dataset import load_dataset
from swebench_runner.resources import datasets_dir

from ..agent.fake_openai import FakeOpenAIServer, Reply
from ..helpers import swerun

KINDS = ("gold", "wrong", "empty")
PRICES = {"input_cost_per_mtok": 1.5, "output_cost_per_mtok": 6.0}


def plan() -> dict[str, str]:
    """instance id -> gold | wrong | empty, by position in the split."""
    return {i.instance_id: KINDS[n % 3] for n, i in enumerate(load_dataset("mini").instances)}


def _patch(iid: str, kind: str) -> str:
    if kind == "gold":
        return load_dataset("mini").by_id()[iid].patch
    return (datasets_dir() / "mini" / "tasks" / iid / "wrong.patch").read_text()


def _script(kind: str, patch: str) -> list[Reply]:
    if kind == "empty":
        return [Reply(content="Let me look at the repository first.", tool_calls=[("bash", {"command": "git status --short"})]),
                Reply(content="I could not find the cause; giving up.", tool_calls=[("submit", {})])]
    return [Reply(content="I will write my fix as a patch file.",
                  tool_calls=[("str_replace_editor", {"command": "create", "path": "/tmp/fix.patch", "file_text": patch})]),
            Reply(content="Now apply it.", tool_calls=[("bash", {"command": "git apply /tmp/fix.patch && git status --short"})]),
            Reply(content="Done.", tool_calls=[("submit", {})])]


def responder(kinds: dict[str, str]):
    """The server's script: find the instance from its issue title, answer the next step of its plan."""
    ds = load_dataset("mini").by_id()
    titles = {ds[i].problem_statement.splitlines()[0]: i for i in kinds}
    scripts = {i: _script(k, _patch(i, k) if k != "empty" else "") for i, k in kinds.items()}

    def reply(req) -> Reply:
        text = req.text()
        iid = next(i for t, i in titles.items() if t in text)
        n = sum(1 for m in req.messages if m["role"] == "assistant")
        return scripts[iid][min(n, len(scripts[iid]) - 1)]

    return reply


def agent_run(results_dir: Path, run_id: str, instance_ids: list[str] | None = None, workers: int = 2) -> Path:
    """Infer and evaluate with the scripted model (``swerun --model ...``, the bare command); returns the run folder."""
    kinds = plan()
    if instance_ids:
        kinds = {i: kinds[i] for i in instance_ids}
    cfg = results_dir / "models.yaml"
    cfg.write_text("models:\n  fake-model:\n" + "".join(f"    {k}: {v}\n" for k, v in PRICES.items()))
    old = os.environ.get("OPENAI_API_KEY")
    os.environ["OPENAI_API_KEY"] = "sk-test-reporting"  # the child reads it; restored below
    try:
        with FakeOpenAIServer(responder(kinds)) as srv:
            res = swerun("--model", "openai:fake-model", "--base-url", srv.url, "--models-config", str(cfg),
                         "--split", "mini", "--instance-ids", ",".join(kinds), "--run-id", run_id,
                         "--results-dir", str(results_dir), "--max-workers", str(workers))
    finally:
        if old is None:
            os.environ.pop("OPENAI_API_KEY", None)
        else:
            os.environ["OPENAI_API_KEY"] = old
    if res.returncode != 0:
        raise RuntimeError(f"scripted agent run failed ({res.returncode}):\n{res.stdout}\n{res.stderr[-4000:]}")
    return results_dir / run_id
