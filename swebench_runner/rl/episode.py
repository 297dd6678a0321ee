"""Episodes of a whole agent, the other style trainers use: the policy is served behind an OpenAI-compatible
endpoint, an agent (swerun's own loop, or a CLI agent such as Qwen Code behind the key-holding proxy)
works the instance against it, and the trainer gets the trajectory and the same fresh-container reward
as ``SWEEnv`` gives. Nothing is written to disk: the trajectory comes back as data.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from ..agent.agents import make_agent
from ..agent.loop import AgentLimits
from ..agent.session import SessionContext, solve_instance
from ..agent.trajectory import AgentPrediction, Trajectory
from ..backends import make_backend
from ..dataset import load_dataset
from ..errors import InputError
from ..evaluation.evaluate import EvalContext
from ..model import ModelSettings, ToolMode
from ..resources import cache_dir
from ..runner import with_retries
from ..settings import RunSettings
from ..tasks import resolve_task
from ..types import Instance, Outcome, Prediction


@dataclass
class EpisodeResult:
    trajectory: dict[str, Any]  # messages, tool calls, timings, token usage (the proxy's, for CLI agents)
    reward: float  # 1.0 resolved, 0.0 not (and 0.0 with info["infra_error"] when there is no verdict)
    info: dict[str, Any] = field(default_factory=dict)


class _Kept:
    """A store that keeps the last trajectory and prediction in memory instead of writing them."""

    def __init__(self, run: Any) -> None:
        self.run = run
        self.trajectory: Trajectory | None = None
        self.prediction: AgentPrediction | None = None

    def write_trajectory(self, traj: Trajectory) -> None:
        self.trajectory = traj

    def write_prediction(self, pred: AgentPrediction) -> None:
        self.prediction = pred


def run_episode(instance: Instance | str, agent: str, base_url: str, *, model: str = "policy",
                api_key: str = "EMPTY", split: str | None = "mini", dataset: str | None = None,
                limits: AgentLimits | None = None, tool_mode: str = "native", backend: str = "docker",
                repo_url: str | None = None, registry: str | None = None, timeout: int = 1800) -> EpisodeResult:
    """One episode of ``agent`` ("swerun", "qwen-code", ...) against the policy at ``base_url``."""
    if isinstance(instance, str):
        by_id = load_dataset(split, dataset).by_id()
        if instance not in by_id:
            raise InputError(f"no instance {instance!r}", source=dataset or split, field="instance")
        instance = by_id[instance]
    limits = limits or AgentLimits()
    settings = ModelSettings(model=model, label=model, base_url=base_url, api_key=SecretStr(api_key),
                             tool_mode=ToolMode(tool_mode))
    run = RunSettings(run_id=f"episode-{secrets.token_hex(4)}", timeout=timeout, repo_url=repo_url,
                      registry=registry, progress=False, backend=backend if backend in ("docker", "ray") else "docker")
    where = make_backend(backend)
    images = where.images(repo_url=repo_url, log_dir=cache_dir() / "build_logs" / run.run_id, ca_bundle=None,
                          registry=registry)
    ctx = EvalContext(settings=run, builder=images, backend=where)
    store = _Kept(ctx.run)
    session = SessionContext(store=store, images=ctx, agent=make_agent(agent, settings, limits),  # type: ignore[arg-type]
                             limits=limits, model_public=settings.public())
    where.prepare_run(run.run_id)
    try:
        traj, pred = solve_instance(session, instance)
        info: dict[str, Any] = {"instance_id": instance.instance_id, "exit_status": traj.exit_status.value,
                                "exit_reason": traj.exit_reason}
        if pred is None:  # the agent's run failed for a reason that is not the model's (API, sandbox)
            return EpisodeResult(traj.model_dump(mode="json"), 0.0,
                                 {**info, "outcome": "infra_error", "infra_error": traj.exit_reason})
        task = resolve_task(instance)
        graded = with_retries(ctx, task, Prediction(instance_id=instance.instance_id, model_name_or_path=model,
                                                    model_patch=pred.model_patch), run.retries, threading.Event())
        res = graded.result
        report = json.loads(graded.files.get("report.json") or "{}").get(instance.instance_id, {})
        info.update({"outcome": res.outcome.value, "resolved": res.outcome is Outcome.RESOLVED,
                     "patch": pred.model_patch, "tests_status": report.get("tests_status"), "reason": res.reason,
                     "usage": traj.totals.model_dump(mode="json")})
        if res.outcome is Outcome.INFRA_ERROR:
            info["infra_error"] = res.reason
        return EpisodeResult(traj.model_dump(mode="json"), 1.0 if res.outcome is Outcome.RESOLVED else 0.0, info)
    finally:
        where.cleanup(run.run_id, only_mine=True)
