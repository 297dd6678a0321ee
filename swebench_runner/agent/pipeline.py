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
from ..errors import InfraError
from ..evaluation.evaluate import EvalContext, Evaluation, evaluate_task, persist
from ..resources import cache_dir
from ..scheduler import make_scheduler
from ..settings import RunSettings
from ..spec import spec_for
from ..tasks import is_done, resolve_task, spec_hash
from ..types import Instance, InstanceResult, Outcome, Prediction
from .agents import Agent
from .loop import AgentLimits
from .secrets import Redactor
from .session import SessionContext, solve_instance
from .store import InferenceStore
from .trajectory import AgentPrediction, Trajectory, now

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


@dataclass
class Episode:
    """What one instance's inference left, carried back to the driver: the trajectory, the prediction
    (None when the run ended on a sandbox or API failure) and, for the headline command, its grading."""

    trajectory: Trajectory
    prediction: AgentPrediction | None
    evaluation: Evaluation | None = None


class _NoStore:
    """The store of a remote worker: trajectories travel back with the episode; the driver writes them."""

    def __init__(self, run: RunDir) -> None:
        self.run = run

    def write_trajectory(self, traj: Trajectory) -> None:
        pass

    def write_prediction(self, pred: AgentPrediction) -> None:
        pass


class InferWork:
    """Inference of one instance (and, for the headline command, its grading right after, on the same
    node while the image is warm). Picklable: a Ray worker gets the agent as its recipe and opens its own
    backend; locally it runs in the driver's threads and writes the trajectory after every step."""

    def __init__(self, cfg: RunSettings, agent: Agent, limits: AgentLimits, model_public: dict[str, Any],
                 ctx: SessionContext | None = None) -> None:
        self.cfg, self.agent, self.limits, self.model_public, self._ctx = cfg, agent, limits, model_public, ctx

    def __getstate__(self) -> dict[str, Any]:
        return {"cfg": self.cfg, "agent": self.agent, "limits": self.limits, "model_public": self.model_public}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def context(self) -> SessionContext:
        if self._ctx is None:  # in a Ray worker: this node's engine, nothing written here
            cfg = self.cfg
            backend = make_backend(cfg.backend)
            images = backend.images(repo_url=cfg.repo_url, log_dir=cache_dir() / "build_logs" / cfg.run_id,
                                    ca_bundle=cfg.ca_bundle, registry=cfg.registry)
            settings = EvalContext(settings=cfg, builder=images, backend=backend)
            self._ctx = SessionContext(store=_NoStore(settings.run), images=settings, agent=self.agent,  # type: ignore[arg-type]
                                       limits=self.limits, model_public=self.model_public)
        return self._ctx

    def __call__(self, instance: Instance) -> Episode:
        ctx = self.context()
        traj, pred = solve_instance(ctx, instance)
        evaluation = None
        if self.cfg.evaluate and pred is not None:
            try:
                evaluation = evaluate_task(ctx.images, resolve_task(instance), _as_prediction(pred))
            except InfraError as exc:  # left to the final evaluation pass, which retries it
                log.warning("%s: evaluation failed (%s); the final pass retries it", instance.instance_id, exc)
        return Episode(traj, pred, evaluation)


def run_pipeline(dataset: Dataset, agent: Agent, limits: AgentLimits, model_public: dict[str, Any],
                 cfg: RunSettings, redact: Redactor | None = None, backend: Backend | None = None) -> PipelineOutcome:
    run = RunDir(cfg.results_root, cfg.run_id)
    run.path.mkdir(parents=True, exist_ok=True)
    backend = backend or make_backend(cfg.backend)
    store = InferenceStore(run, redact)
    builder = backend.images(repo_url=cfg.repo_url, log_dir=run.build_logs, ca_bundle=cfg.ca_bundle,
                             registry=cfg.registry)
    images = EvalContext(settings=cfg, builder=builder, backend=backend)
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
    scheduler = make_scheduler(backend, cfg)  # first: a cluster backend prepares the run on its nodes
    remote = cfg.backend == "ray"
    work = InferWork(cfg, agent, limits, model_public, None if remote else ctx)
    try:
        if todo and backend.prepare_run(run.run_id):
            log.warning("removed containers an interrupted earlier run of %s left behind", run.run_id)
        scheduler.map(work, todo, _recorder(store, outcome, progress, remote), _lost(outcome, progress))
    finally:
        progress.bar.close()
        store.write_preds_jsonl()
        if todo:
            try:
                backend.cleanup(run.run_id, only_mine=not remote)
            finally:
                scheduler.close()
        else:
            scheduler.close()
    return outcome


def _recorder(store: InferenceStore, outcome: PipelineOutcome, progress: _Progress, remote: bool):
    """The driver's side of an episode: its files (result.json last), the outcome, the bar."""

    def record(instance: Instance, ep: Episode) -> None:
        iid = instance.instance_id
        if iid in outcome.predictions or iid in outcome.failed:  # a lost node's retry answered twice
            log.warning("%s: a second episode arrived and was dropped", iid)
            return
        traj, pred = ep.trajectory, ep.prediction
        if remote:
            store.write_trajectory(traj)
            if pred is not None:
                store.write_prediction(pred)
        if pred is None:
            outcome.failed[iid] = f"{traj.exit_status.value}: {traj.exit_reason}"[:500]
        else:
            outcome.predictions[iid] = pred
            store.write_preds_jsonl()
        result = persist(store.run, ep.evaluation) if ep.evaluation is not None else None
        if result is not None:
            outcome.results[iid] = result
        outcome.cost += traj.totals.cost
        bad_eval = bool(result and result.outcome in (Outcome.ERROR, Outcome.INFRA_ERROR))
        progress.update(traj.totals.cost, resolved=bool(result and result.outcome is Outcome.RESOLVED),
                        error=pred is None or bad_eval)

    return record


def _lost(outcome: PipelineOutcome, progress: _Progress):
    def lost(instance: Instance, exc: Exception) -> None:  # no prediction: asked again on resume
        outcome.failed[instance.instance_id] = f"sandbox_error: lost with its node: {exc}"[:500]
        progress.update(error=True)

    return lost


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

