"""Inference over a dataset — and, for the bare ``swerun --model M``, evaluation of each result as it lands.

Resume is by file: an instance with a ``prediction.json`` for the same model is not asked again, and an
instance already graded with the same patch is not evaluated again, so rerunning the same command after
a crash, a ``kill -9`` or an API outage redoes only what is missing. ``preds.jsonl`` is regenerated
after every instance. The progress bar shows what a person watching a long run wants: resolved so far,
cost so far, and errors.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ..artifacts import RunDir, read_json, write_json
from ..backends import make_backend
from ..backends.base import Backend
from ..dataset import Dataset
from ..errors import InfraError, InputError
from ..evaluation.evaluate import EvalSettings, evaluate
from ..scheduler import make_scheduler
from ..settings import RunSettings
from ..spec import spec_for
from ..tasks import is_done, spec_hash
from ..types import Instance, InstanceResult, Outcome, Prediction
from .agents import Agent
from .loop import AgentLimits
from .secrets import Redactor
from .session import SessionContext, solve_instance
from .store import InferenceStore
from .trajectory import AgentPrediction, now

log = logging.getLogger(__name__)


@dataclass
class PipelineOutcome:
    run: RunDir
    predictions: dict[str, AgentPrediction]
    asked: list[str]  # instances the agent worked on in this invocation
    reused: list[str]  # instances inferred by an earlier invocation
    failed: dict[str, str]  # instance -> infrastructure status and reason (no prediction; asked again on resume)
    results: dict[str, InstanceResult]  # evaluated in this invocation or reused
    preds_path: Path
    cost: float


class _Progress:
    """Counts shown on the bar; updated from worker threads."""

    def __init__(self, total: int, desc: str, enabled: bool) -> None:
        self.lock = threading.Lock()
        self.resolved = self.errors = 0
        self.cost = 0.0
        self.bar = tqdm(total=total, desc=desc, unit="inst", disable=not enabled, dynamic_ncols=True)

    def update(self, cost: float = 0.0, resolved: bool = False, error: bool = False) -> None:
        with self.lock:
            self.cost += cost
            self.resolved += int(resolved)
            self.errors += int(error)
            self.bar.set_postfix(resolved=self.resolved, cost=f"${self.cost:.2f}", errors=self.errors, refresh=False)
            self.bar.update(1)


def _graded(run: RunDir, instance: Instance, pred: Prediction) -> InstanceResult | None:
    data = read_json(run.file(instance.instance_id, "result.json"))
    if data is None:
        return None
    prev = InstanceResult.model_validate(data)
    return prev if is_done(prev, pred, spec_hash(spec_for(instance))) else None


def _evaluate(images: EvalSettings, instance: Instance, pred: Prediction) -> InstanceResult | None:
    """Grade now; an infrastructure failure is left to the final evaluation pass, which retries it."""
    prev = _graded(images.run, instance, pred)
    if prev is not None:
        return prev
    try:
        return evaluate(images, instance, pred)
    except InfraError as exc:
        log.warning("%s: evaluation failed (%s); the final pass retries it", instance.instance_id, exc)
        return None


def run_pipeline(dataset: Dataset, agent: Agent, limits: AgentLimits, model_public: dict[str, Any],
                 cfg: RunSettings, redact: Redactor | None = None, backend: Backend | None = None) -> PipelineOutcome:
    if cfg.backend == "ray":
        raise InputError("inference on Ray is not supported yet; run `swerun infer` locally and evaluate the "
                         "predictions with `swerun eval --backend ray`", field="backend")
    run = RunDir(cfg.results_root, cfg.run_id)
    run.path.mkdir(parents=True, exist_ok=True)
    backend = backend or make_backend(cfg.backend)
    store = InferenceStore(run, redact)
    builder = backend.images(repo_url=cfg.repo_url, log_dir=run.build_logs, ca_bundle=cfg.ca_bundle,
                             registry=cfg.registry)
    images = EvalSettings(run=run, builder=builder, timeout=cfg.timeout, strict=cfg.strict, backend=backend,
                          limits=cfg.limits)
    ctx = SessionContext(store=store, images=images, agent=agent, limits=limits, model_public=model_public)
    done = {i.instance_id: p for i in dataset.instances if (p := store.done(i.instance_id, agent.label)) is not None}
    todo = [i for i in dataset.instances if i.instance_id not in done]
    write_json(run.path / "inference.json", {**cfg.extra, "run_id": run.run_id, "agent": agent.name,
                                             "model_name_or_path": agent.label, "model": model_public,
                                             "limits": limits.model_dump(), "updated_at": now()})
    log.info("%s: %d instances, %d already inferred, %d to ask", run.run_id, len(dataset.instances), len(done),
             len(todo))
    outcome = PipelineOutcome(run, dict(done), [i.instance_id for i in todo], sorted(done), {}, {}, run.preds,
                              sum(p.cost for p in done.values()))
    progress = _Progress(len(dataset.instances), f"{'run' if cfg.evaluate else 'infer'} {run.run_id}", cfg.progress)
    for iid, pred in done.items():  # not graded yet: left to the final evaluation pass, which runs in parallel
        res = _graded(run, dataset.by_id()[iid], _as_prediction(pred)) if cfg.evaluate else None
        if res is not None:
            outcome.results[iid] = res
        progress.update(pred.cost, resolved=bool(res and res.outcome is Outcome.RESOLVED))
    if todo and backend.prepare_run(run.run_id):
        log.warning("removed containers an interrupted earlier run of %s left behind", run.run_id)
    scheduler = make_scheduler(backend, cfg)
    try:
        scheduler.map(_worker(ctx, cfg, outcome, progress), todo, lambda item, _: None)
    finally:
        progress.bar.close()
        store.write_preds_jsonl()
        scheduler.close()
    return outcome


def _worker(ctx: SessionContext, cfg: RunSettings, outcome: PipelineOutcome, progress: _Progress):
    """One instance: infer, record, and (bare command) grade right away."""
    lock = threading.Lock()

    def one(instance: Instance) -> None:
        traj, pred = solve_instance(ctx, instance)
        result = _evaluate(ctx.images, instance, _as_prediction(pred)) if cfg.evaluate and pred else None
        with lock:
            if pred is None:
                outcome.failed[instance.instance_id] = f"{traj.exit_status.value}: {traj.exit_reason}"[:500]
            else:
                outcome.predictions[instance.instance_id] = pred
                ctx.store.write_preds_jsonl()
            if result is not None:
                outcome.results[instance.instance_id] = result
            outcome.cost += traj.totals.cost
        bad_eval = bool(result and result.outcome in (Outcome.ERROR, Outcome.INFRA_ERROR))
        progress.update(traj.totals.cost, resolved=bool(result and result.outcome is Outcome.RESOLVED),
                        error=pred is None or bad_eval)

    return one


def _as_prediction(pred: AgentPrediction) -> Prediction:
    return Prediction.model_validate(pred.swebench_row())


def predictions_for_eval(outcome: PipelineOutcome) -> dict[str, Prediction]:
    return {iid: _as_prediction(p) for iid, p in outcome.predictions.items()}


def summary_lines(outcome: PipelineOutcome) -> list[str]:
    statuses: dict[str, int] = {}
    for p in outcome.predictions.values():
        statuses[p.exit_status.value] = statuses.get(p.exit_status.value, 0) + 1
    lines = [f"Inference: {len(outcome.asked)} asked now, {len(outcome.reused)} reused from earlier; "
             f"cost ${outcome.cost:.4f}",
             "Exit status  " + (", ".join(f"{k} {v}" for k, v in sorted(statuses.items())) or "none")]
    for iid, why in sorted(outcome.failed.items()):
        lines.append(f"  not finished (asked again on resume) {iid}: {why}"[:200])
    lines.append(f"Predictions: {outcome.preds_path}")
    return lines

