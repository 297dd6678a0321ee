"""Running many instances: resume, the scheduler, retries of infrastructure failures, progress.

A run id names a folder; running it again skips every instance already graded with the same patch and
spec (``result.json`` records both hashes) and redoes the rest, so a crash, Ctrl-C or ``kill -9`` costs
at most the instances that were in flight. Work runs wherever the scheduler puts it (threads here, Ray
tasks on a cluster); results come back to this process, the only writer of the run folder.
"""

from __future__ import annotations

import json
import logging
import platform
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tqdm import tqdm

from . import __version__
from .artifacts import RunDir, read_json, write_json
from .backends import make_backend
from .backends.base import Backend
from .dataset import Dataset
from .errors import InfraError, SpecError
from .evaluation.evaluate import EvalContext, Evaluation, evaluate_task, persist
from .images import base_for
from .report import run_report
from .resources import cache_dir
from .scheduler import make_scheduler
from .settings import RunSettings
from .tasks import Task, is_done, resolve_task
from .types import InstanceResult, Outcome, Prediction

log = logging.getLogger(__name__)


@dataclass
class RunOutcome:
    run: RunDir
    report: dict[str, Any]
    report_path: Path
    results: dict[str, InstanceResult]
    evaluated: list[str]  # ids that did container work in this invocation


def load_results(run: RunDir) -> dict[str, InstanceResult]:
    out = {}
    for iid in run.instance_ids():
        data = read_json(run.file(iid, "result.json"))
        if data is not None:
            out[iid] = InstanceResult.model_validate(data)
    return out


def _write_run_json(run: RunDir, dataset: Dataset, cfg: RunSettings, preds: Mapping[str, Prediction],
                    backend: Backend, results: Mapping[str, InstanceResult] | None = None) -> None:
    prev = read_json(run.run_json) or {}
    where = backend.describe()
    data = {
        "run_id": run.run_id,
        "started_at": prev.get("started_at") or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "updated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "dataset": {"name": dataset.name, "source": dataset.source, "instances": len(dataset.instances)},
        "models": sorted({p.model_name_or_path for p in preds.values()}),
        "config": {**cfg.model_dump(mode="json", exclude={"run_id", "results_root", "progress", "extra", "ca_bundle"}),
                   "ca_bundle": bool(cfg.ca_bundle), **cfg.extra},
        "backend": where,
        "versions": {"swerun": __version__, "python": platform.python_version(),
                     "docker_server": where.get("docker_server")},
        "images": {**prev.get("images", {}), **{iid: {"tag": r.image, "id": r.image_id, "digests": r.image_digests,
                                                      "environment": r.environment}
                                                for iid, r in (results or {}).items() if r.image}},
    }
    write_json(run.run_json, data)


def resolve_tasks(dataset: Dataset, preds: Mapping[str, Prediction], cfg: RunSettings
                  ) -> tuple[dict[str, Task], dict[str, str]]:
    """Every prediction's task record, resolved once; instances without a usable spec or Python go to
    the second mapping (id -> why), so the others still run."""
    tasks, bad = {}, {}
    by_id = dataset.by_id()
    for iid in preds:
        try:
            task = resolve_task(by_id[iid], cfg.image_source, cfg.image_namespace)
            if cfg.image_source == "build" and not preds[iid].is_empty:
                base_for(task.spec, by_id[iid])
            tasks[iid] = task
        except SpecError as exc:
            log.error("%s", exc)
            bad[iid] = str(exc)
    return tasks, bad


def run_evaluation(dataset: Dataset, predictions: Mapping[str, Prediction], cfg: RunSettings,
                   backend: Backend | None = None) -> RunOutcome:
    """Evaluate every prediction of ``dataset``'s instances; returns the run report and results."""
    run = RunDir(cfg.results_root, cfg.run_id)
    run.path.mkdir(parents=True, exist_ok=True)
    backend = backend or make_backend(cfg.backend)
    preds = {i.instance_id: predictions[i.instance_id] for i in dataset.instances if i.instance_id in predictions}
    results = load_results(run)
    tasks, bad = resolve_tasks(dataset, preds, cfg)
    for iid, why in bad.items():
        results[iid] = persist(run, infra_evaluation(iid, preds[iid], shash="", reason=why, attempts=0))
    todo = [iid for iid in tasks if not is_done(results.get(iid), preds[iid], tasks[iid].spec_hash)]
    log.info("%s: %d predictions, %d already graded, %d to evaluate", run.run_id, len(preds),
             len(preds) - len(todo), len(todo))
    _write_run_json(run, dataset, cfg, preds, backend)
    if todo:
        results.update(evaluate_all(run, [(tasks[i], preds[i]) for i in todo], cfg, backend))
    report = run_report(dataset, preds, results)
    model = next(iter(preds.values())).model_name_or_path if preds else "none"
    path = run.run_report(model)
    write_json(path, report)
    _write_run_json(run, dataset, cfg, preds, backend, results)
    return RunOutcome(run, report, path, results, todo)


def evaluate_all(run: RunDir, items: list[tuple[Task, Prediction]], cfg: RunSettings,
                 backend: Backend) -> dict[str, InstanceResult]:
    """Evaluate ``items`` through the scheduler; this process writes each result as it arrives."""
    needs_containers = any(not pred.is_empty for _, pred in items)
    scheduler = make_scheduler(backend, cfg)  # first: a cluster backend prepares the run on its nodes
    if needs_containers:
        try:
            stale = backend.prepare_run(run.run_id)
        except BaseException:
            scheduler.close()
            raise
        if stale:
            log.warning("removed %d containers an interrupted earlier run of %s left behind", stale, run.run_id)
    done: dict[str, InstanceResult] = {}
    counts = {o: 0 for o in Outcome}
    bar = tqdm(total=len(items), desc=f"eval {run.run_id}", unit="inst", disable=not cfg.progress, dynamic_ncols=True)

    def record(item: tuple[Task, Prediction], ev: Evaluation) -> None:
        iid = item[0].instance_id
        if iid in done:  # a retried task of a lost node answered twice: the first verdict stands
            log.warning("%s: a second result arrived and was dropped", iid)
            return
        res = done[iid] = persist(run, ev)
        counts[res.outcome] += 1
        bar.set_postfix(resolved=counts[Outcome.RESOLVED], unresolved=counts[Outcome.UNRESOLVED],
                        errors=counts[Outcome.ERROR] + counts[Outcome.INFRA_ERROR], refresh=False)
        bar.update(1)

    def lost(item: tuple[Task, Prediction], exc: Exception) -> None:
        task, pred = item
        record(item, infra_evaluation(task.instance_id, pred, shash=task.spec_hash,
                                      reason=f"lost with its node: {exc}", attempts=0))

    work = EvalWork(cfg, backend if cfg.backend != "ray" else None)
    try:
        scheduler.map(work, items, record, lost, stopping=work.stop)
    finally:
        bar.close()
        work.stop.set()
        if needs_containers:
            try:  # network-namespace holders of this process, and anything a dead worker left on a node
                backend.cleanup(run.run_id, only_mine=cfg.backend != "ray")
            finally:
                scheduler.close()
        else:
            scheduler.close()
    return done


_CONTEXTS: dict[str, EvalContext] = {}
_CONTEXTS_LOCK = threading.Lock()


class EvalWork:
    """Evaluating one (task, prediction), with retries of infrastructure failures; picklable, so a Ray
    worker gets it as data and builds its own backend and image provider once per process."""

    def __init__(self, cfg: RunSettings, backend: Backend | None = None) -> None:
        self.cfg = cfg
        self.stop = threading.Event()  # set when the run stops: no more retries
        self.backend = backend
        self._ctx: EvalContext | None = None

    def __getstate__(self) -> dict[str, Any]:
        # an in-memory backend travels as data; an engine is reached afresh where the work lands
        return {"cfg": self.cfg, "backend": self.backend if self.cfg.backend == "fake" else None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.cfg, self.backend, self.stop, self._ctx = state["cfg"], state["backend"], threading.Event(), None

    def _context(self, backend: Backend | None) -> EvalContext:
        cfg = self.cfg
        run = RunDir(cfg.results_root, cfg.run_id)
        remote = backend is None
        if remote:  # in a Ray worker: this node's engine; build logs stay on the node
            backend = make_backend(cfg.backend)
        logs = cache_dir() / "build_logs" / cfg.run_id if remote else run.build_logs
        images = backend.images(repo_url=cfg.repo_url, log_dir=logs, ca_bundle=cfg.ca_bundle, registry=cfg.registry)
        return EvalContext(settings=cfg, builder=images, backend=backend)

    def context(self) -> EvalContext:
        if self._ctx is None and self.backend is not None:
            self._ctx = self._context(self.backend)
        if self._ctx is None:
            key = json.dumps(self.cfg.model_dump(mode="json"), sort_keys=True)
            with _CONTEXTS_LOCK:
                if key not in _CONTEXTS:
                    _CONTEXTS[key] = self._context(None)
                self._ctx = _CONTEXTS[key]
        return self._ctx

    def __call__(self, item: tuple[Task, Prediction]) -> Evaluation:
        return with_retries(self.context(), item[0], item[1], self.cfg.retries, self.stop)


class _Cancelled(Exception):
    """The run is stopping: an instance in flight records nothing."""


def with_retries(ctx: EvalContext, task: Task, pred: Prediction, retries: int,
                 stop: threading.Event) -> Evaluation:
    """Evaluate one prediction; infrastructure failures are retried, then recorded as ``infra_error``."""
    iid = task.instance_id
    attempt = 1
    while True:
        try:
            return evaluate_task(ctx, task, pred, attempt)
        except InfraError as exc:
            if stop.is_set():
                raise _Cancelled(iid) from None
            if attempt > retries:
                log.error("%s: infrastructure failure after %d attempts: %s", iid, attempt, exc)
                ev = infra_evaluation(iid, pred, shash=task.spec_hash, reason=str(exc), attempts=attempt)
                ev.files = {**getattr(exc, "evidence", {}), **ev.files}
                return ev
            log.warning("%s: infrastructure failure (attempt %d), retrying: %s", iid, attempt, exc)
            attempt += 1
        except Exception as exc:  # a bug: this instance fails, the run goes on
            if stop.is_set():
                raise _Cancelled(iid) from None
            log.exception("%s: could not be evaluated", iid)
            return infra_evaluation(iid, pred, shash=task.spec_hash, reason=f"{type(exc).__name__}: {exc}",
                                    attempts=attempt)


def infra_evaluation(iid: str, pred: Prediction, *, shash: str, reason: str, attempts: int) -> Evaluation:
    result = InstanceResult(instance_id=iid, model_name_or_path=pred.model_name_or_path,
                            outcome=Outcome.INFRA_ERROR, patch_sha256=pred.patch_sha256, spec_hash=shash,
                            reason=reason.splitlines()[0][:500] if reason else "", attempts=attempts,
                            finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    return Evaluation(result, {})
